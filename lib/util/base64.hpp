#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace cowin::util {

/// Standard base64 (RFC 4648 §4, with padding).
std::string base64_encode(std::string_view bytes);
/// Strict: the length must be a multiple of 4 and only the alphabet and trailing '=' may appear.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cowin::util
