#pragma once
#include <string>
#include <string_view>

namespace cowin::util {

/// ASCII lower case (HTTP header names, names compared without case).
std::string to_lower_ascii(std::string_view s);
/// Without leading and trailing spaces (CoWIN serves "Aurangabad ").
std::string_view trim_spaces(std::string_view s);

}  // namespace cowin::util
