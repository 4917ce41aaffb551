#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cowin::config {

/// "500ms", "30s", "5m", "2h", "1d", or compounds such as "1h30m". No sign, no fractions.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// The shortest exact spelling parse_duration() reads back: 300000ms -> "5m", 1500ms -> "1s500ms".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace cowin::config
