// Compiled with the AVX2 flags, like lib/cowin/parse_kernel_haswell.cpp, so the comparison is fair.
#include "bare_scan.hpp"

#include <simdjson.h>

namespace cowin::bench {

namespace sj = simdjson::ondemand;

std::uint64_t bare_scan(std::string_view json) {
    static sj::parser parser;
    sj::document doc;
    if (parser.iterate(simdjson::padded_string_view(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING))
            .get(doc)) {
        return 0;
    }
    std::uint64_t sum = 0;
    sj::array centers;
    if (doc["centers"].get_array().get(centers)) return 0;
    for (auto c : centers) {
        sj::object center;
        if (c.get_object().get(center)) return 0;
        for (auto f : center) {
            sj::field kv;
            if (std::move(f).get(kv)) return 0;
            std::string_view s;
            std::int64_t n = 0;
            auto key = kv.key();
            if (key.unsafe_is_equal("sessions")) {
                sj::array sessions;
                if (kv.value().get_array().get(sessions)) return 0;
                for (auto sv : sessions) {
                    sj::object session;
                    if (sv.get_object().get(session)) return 0;
                    for (auto g : session) {
                        sj::field skv;
                        if (std::move(g).get(skv)) return 0;
                        auto k = skv.key();
                        if (k.unsafe_is_equal("slots")) {
                            sj::array slots;
                            if (skv.value().get_array().get(slots)) return 0;
                            for (auto slot : slots) {
                                if (slot.get_string().get(s)) return 0;
                                sum += s.size();
                            }
                        } else if (k.unsafe_is_equal("session_id") || k.unsafe_is_equal("date") ||
                                   k.unsafe_is_equal("vaccine")) {
                            if (skv.value().get_string().get(s)) return 0;
                            sum += s.size();
                        } else if (k.unsafe_is_equal("allow_all_age")) {
                            bool b = false;
                            if (skv.value().get_bool().get(b)) return 0;
                            sum += b;
                        } else {
                            if (skv.value().get_int64().get(n)) return 0;
                            sum += static_cast<std::uint64_t>(n);
                        }
                    }
                }
            } else if (key.unsafe_is_equal("center_id") || key.unsafe_is_equal("pincode")) {
                if (kv.value().get_int64().get(n)) return 0;
                sum += static_cast<std::uint64_t>(n);
            } else if (key.unsafe_is_equal("lat") || key.unsafe_is_equal("long")) {
                continue;  // skipped by our parser too
            } else if (key.unsafe_is_equal("vaccine_fees")) {
                sj::array fees;
                if (kv.value().get_array().get(fees)) return 0;
                for (auto fee : fees) {
                    sj::object obj;
                    if (fee.get_object().get(obj)) return 0;
                    for (auto g : obj) {
                        sj::field fkv;
                        if (std::move(g).get(fkv)) return 0;
                        if (fkv.value().get_string().get(s)) return 0;
                        sum += s.size();
                    }
                }
            } else {
                if (kv.value().get_string().get(s)) return 0;
                sum += s.size();
            }
        }
    }
    return sum;
}

}  // namespace cowin::bench
