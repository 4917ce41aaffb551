// Any bytes as a POST /v1/subscriptions body: read_subscription_json gives a subscription or errors
// naming what was wrong, never both, never neither, and never crashes or hangs (depth is capped).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/subscription_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    for (bool id_required : {false, true}) {
        auto r = cowin::config::read_subscription_json(body, id_required);
        if (r.sub.has_value() == !r.errors.empty()) std::abort();
        for (const auto& e : r.errors) {
            if (e.message.empty()) std::abort();
        }
        if (r.sub && id_required && r.sub->id.empty()) std::abort();
    }
    return 0;
}
