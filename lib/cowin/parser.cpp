#include "cowin/parser.hpp"

#include <simdjson.h>
#include <xxhash.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "cowin/parse_kernel.hpp"
#include "util/text.hpp"

namespace cowin::api {

const std::size_t response_parser::padding = simdjson::SIMDJSON_PADDING;

// ---- view_builder: the portable side of the kernel boundary ----

void view_builder::reset(endpoint e) {
    v_.clear();
    v_.kind = e;
    index_.clear();
}
std::uint32_t view_builder::add_center() {
    v_.centers.emplace_back();
    return static_cast<std::uint32_t>(v_.centers.size() - 1);
}
center_view& view_builder::center(std::uint32_t i) { return v_.centers[i]; }
std::uint32_t view_builder::find_or_add_center(const center_view& c) {
    auto [it, inserted] = index_.try_emplace(c.center_id, static_cast<std::uint32_t>(v_.centers.size()));
    if (inserted) v_.centers.push_back(c);
    return it->second;
}
void view_builder::add_session(const session_view& s) { v_.sessions.push_back(s); }
std::uint32_t view_builder::session_count() const { return static_cast<std::uint32_t>(v_.sessions.size()); }
session_view& view_builder::session(std::uint32_t i) { return v_.sessions[i]; }
std::uint32_t view_builder::add_slot(const slot_view& s) {
    v_.slots.push_back(s);
    return static_cast<std::uint32_t>(v_.slots.size() - 1);
}
std::uint32_t view_builder::slot_count() const { return static_cast<std::uint32_t>(v_.slots.size()); }
std::uint32_t view_builder::add_fee(const vaccine_fee_view& f) {
    v_.fees.push_back(f);
    return static_cast<std::uint32_t>(v_.fees.size() - 1);
}
std::uint32_t view_builder::fee_count() const { return static_cast<std::uint32_t>(v_.fees.size()); }

std::uint64_t session_id_key(std::string_view session_id) { return XXH3_64bits(session_id.data(), session_id.size()); }

std::uint64_t derived_session_key(const session_view& s, std::int64_t center_id) {
    struct packed {
        std::int64_t center;
        std::int32_t date;
        std::int16_t min_age;
        std::uint8_t vaccine;
        std::uint8_t zero;
    } p{center_id, days_since_epoch(s.date), s.min_age, static_cast<std::uint8_t>(s.vaccine_id), 0};
    std::uint64_t seed = XXH3_64bits(&p, sizeof p);
    if (s.vaccine_id != vaccine::other) return seed;
    return XXH3_64bits_withSeed(s.vaccine_name.data(), s.vaccine_name.size(), seed);
}

// ---- errors ----

std::string parse_error::str() const {
    return "at " + (pointer.empty() ? std::string("/") : pointer) + " (byte " + std::to_string(offset) + "): " +
           message;
}

namespace {

parse_error to_parse_error(const kernel_failure& f, endpoint e, int max_depth) {
    parse_error pe;
    if (e == endpoint::find) {
        if (f.session_at >= 0) pe.pointer = "/sessions/" + std::to_string(f.session_at);
    } else if (f.center_at >= 0) {
        pe.pointer = e == endpoint::calendar ? "/centers/" + std::to_string(f.center_at) : "/centers";
        if (f.session_at >= 0) pe.pointer += "/sessions/" + std::to_string(f.session_at);
    }
    if (f.field != nullptr) pe.pointer += "/" + std::string(f.field);
    pe.offset = f.offset;
    const std::string detail = f.detail != nullptr ? f.detail : "";
    switch (f.code) {
        case static_cast<int>(kernel_errc::missing_field):
            pe.what = parse_error::kind::missing;
            pe.message = "missing " + std::string(f.field != nullptr ? f.field : "field");
            break;
        case static_cast<int>(kernel_errc::bad_value):
            pe.what = parse_error::kind::bad_value;
            pe.message = detail;
            break;
        case static_cast<int>(kernel_errc::too_deep):
            pe.what = parse_error::kind::too_deep;
            pe.message = "nesting deeper than " + std::to_string(max_depth) + " levels";
            break;
        case static_cast<int>(kernel_errc::trailing):
            pe.what = parse_error::kind::trailing;
            pe.message = "content after the end of the document";
            break;
        case static_cast<int>(kernel_errc::root_shape):
            pe.what = parse_error::kind::wrong_type;
            pe.message = detail;
            break;
        case simdjson::INCORRECT_TYPE:
            pe.what = parse_error::kind::wrong_type;
            pe.message = "wrong type (e.g. a string where a number belongs)";
            break;
        case simdjson::UTF8_ERROR:
            pe.what = parse_error::kind::utf8;
            pe.message = "invalid UTF-8";
            break;
        case simdjson::DEPTH_ERROR:
            pe.what = parse_error::kind::too_deep;
            pe.message = simdjson::error_message(simdjson::DEPTH_ERROR);
            break;
        case simdjson::NUMBER_ERROR:
        case simdjson::NUMBER_OUT_OF_RANGE:
            pe.what = parse_error::kind::bad_value;
            pe.message = std::string("bad number: ") + simdjson::error_message(static_cast<simdjson::error_code>(f.code));
            break;
        case simdjson::CAPACITY:
            pe.what = parse_error::kind::too_large;
            pe.message = simdjson::error_message(simdjson::CAPACITY);
            break;
        default:
            pe.what = parse_error::kind::syntax;
            pe.message = std::string("invalid JSON: ") + simdjson::error_message(static_cast<simdjson::error_code>(f.code));
            break;
    }
    return pe;
}

}  // namespace

bool haswell_supported() {
    static const bool supported = [] {
        const auto* impl = simdjson::get_available_implementations()["haswell"];
        return impl != nullptr && impl->supported_by_runtime_system() && make_haswell_kernel(0) != nullptr;
    }();
    return supported;
}

namespace {

std::unique_ptr<parse_kernel> choose_kernel(std::string_view wanted, std::size_t max_bytes) {
    if (wanted.empty()) {
        const char* env = std::getenv("COWIN_SIMDJSON_KERNEL");
        if (env != nullptr) wanted = env;
    }
    if (wanted != "fallback") {
        if (auto k = make_haswell_kernel(max_bytes)) return k;
    }
    return make_fallback_kernel(max_bytes);
}

}  // namespace

// ---- response_parser ----

response_parser::response_parser(std::size_t max_bytes, int max_depth, std::string_view kernel)
    : max_bytes_(max_bytes),
      max_depth_(max_depth),
      kernel_(choose_kernel(kernel, max_bytes)),
      builder_(std::make_unique<view_builder>(view_)) {}

response_parser::~response_parser() = default;

std::string_view response_parser::kernel_name() const { return kernel_->name(); }

std::optional<parse_error> response_parser::parse(endpoint e, std::string_view json) {
    if (json.size() > max_bytes_) return run(e, json);  // refused there, without copying
    if (copy_.size() < json.size() + padding) copy_.resize(json.size() + padding);
    std::memcpy(copy_.data(), json.data(), json.size());
    return run(e, std::string_view(copy_.data(), json.size()));
}

std::optional<parse_error> response_parser::parse_padded(endpoint e, std::string_view json) { return run(e, json); }

std::optional<parse_error> response_parser::run(endpoint e, std::string_view json) {
    if (json.size() > max_bytes_) {
        view_.clear();
        return parse_error{parse_error::kind::too_large, "", 0,
                           "response of " + std::to_string(json.size()) + " bytes is over the bound of " +
                               std::to_string(max_bytes_)};
    }
    kernel_failure why;
    if (kernel_->parse(e, json.data(), json.size(), max_depth_, *builder_, why)) return std::nullopt;
    view_.clear();
    return to_parse_error(why, e, max_depth_);
}

// ---- states and districts: small and rare, parsed with the portable front end ----

namespace {
namespace sj = simdjson::ondemand;


// {"<list>":[{"<id_key>":N,"<name_key>":"..."}...], ...}: the shape of both location endpoints.
template <class T>
int parse_location_list(sj::parser& parser, std::string_view json, const char* list, const char* id_key,
                        const char* name_key, std::vector<T>& out, std::int64_t T::*id, std::string T::*name) {
    simdjson::padded_string copy(json);
    sj::document doc;
    if (auto e = parser.iterate(copy).get(doc)) return e;
    sj::object root;
    if (auto e = doc.get_object().get(root)) return e;
    bool found = false;
    for (auto f : root) {
        sj::field kv;
        if (auto e = std::move(f).get(kv)) return e;
        if (!kv.key().unsafe_is_equal(list)) continue;
        found = true;
        sj::array arr;
        if (auto e = kv.value().get_array().get(arr)) return e;
        for (auto item : arr) {
            sj::object obj;
            if (auto e = item.get_object().get(obj)) return e;
            T t;
            for (auto g : obj) {
                sj::field entry;
                if (auto e = std::move(g).get(entry)) return e;
                if (entry.key().unsafe_is_equal(id_key)) {
                    if (auto e = entry.value().get_int64().get(t.*id)) return e;
                } else if (entry.key().unsafe_is_equal(name_key)) {
                    std::string_view s;
                    if (auto e = entry.value().get_string().get(s)) return e;
                    t.*name = std::string(util::trim_spaces(s));
                }
            }
            out.push_back(std::move(t));
        }
    }
    if (!found) return static_cast<int>(kernel_errc::missing_field);
    const char* rest = nullptr;
    return doc.current_location().get(rest) == simdjson::SUCCESS ? static_cast<int>(kernel_errc::trailing) : 0;
}
}  // namespace

std::optional<parse_error> response_parser::parse_states(std::string_view json, std::vector<state>& out) {
    out.clear();
    sj::parser parser;
    int e = parse_location_list(parser, json, "states", "state_id", "state_name", out, &state::state_id,
                                &state::state_name);
    if (e == 0) return std::nullopt;
    out.clear();
    kernel_failure f;
    f.code = e;
    if (e == static_cast<int>(kernel_errc::missing_field)) f.field = "states";
    return to_parse_error(f, endpoint::calendar, max_depth_);
}

std::optional<parse_error> response_parser::parse_districts(std::string_view json, std::vector<district>& out) {
    out.clear();
    sj::parser parser;
    int e = parse_location_list(parser, json, "districts", "district_id", "district_name", out,
                                &district::district_id, &district::district_name);
    if (e == 0) return std::nullopt;
    out.clear();
    kernel_failure f;
    f.code = e;
    if (e == static_cast<int>(kernel_errc::missing_field)) f.field = "districts";
    return to_parse_error(f, endpoint::calendar, max_depth_);
}

}  // namespace cowin::api
