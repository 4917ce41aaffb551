// Any bytes as a config file: load_string returns a config or errors with positions, never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto r = cowin::config::load_string(std::string_view(reinterpret_cast<const char*>(data), size), "/fuzz/c.yaml");
    if (r.cfg.has_value() == !r.diag.errors.empty()) std::abort();
    for (const auto& e : r.diag.errors) {
        if (e.line < 1 || e.column < 1 || e.message.empty()) std::abort();
    }
    return 0;
}
