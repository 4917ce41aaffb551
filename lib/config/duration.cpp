#include "config/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

namespace cowin::config {

namespace {
using unit = std::pair<std::string_view, std::int64_t>;
// Longest suffix first, so "ms" is not read as "m" followed by garbage.
constexpr std::array<unit, 5> units{{{"ms", 1}, {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}}};
constexpr std::int64_t max_ms = std::int64_t{365} * 86'400'000;  // a year is plenty for any setting
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    while (!text.empty()) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc{} || end == text.data()) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        bool matched = false;
        for (auto [suffix, scale] : units) {
            if (text.starts_with(suffix)) {
                if (n < 0 || n > max_ms / scale) return std::nullopt;
                total += n * scale;
                text.remove_prefix(suffix.size());
                matched = true;
                break;
            }
        }
        if (!matched || total > max_ms) return std::nullopt;
    }
    return std::chrono::milliseconds{total};
}

std::string format_duration(std::chrono::milliseconds d) {
    std::int64_t ms = d.count();
    if (ms == 0) return "0s";
    std::string out;
    for (auto [suffix, scale] : {unit{"d", 86'400'000}, unit{"h", 3'600'000}, unit{"m", 60'000}, unit{"s", 1'000},
                                 unit{"ms", 1}}) {
        if (ms >= scale) {
            out += std::to_string(ms / scale);
            out += suffix;
            ms %= scale;
        }
    }
    return out;
}

}  // namespace cowin::config
