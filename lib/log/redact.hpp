#pragma once
// The one place that decides how user data looks in logs: secrets vanish, phone numbers keep only
// what an operator needs to tell two apart (+91******5678), URLs lose credentials and bot tokens.

#include <string>
#include <string_view>

namespace cowin::log {

/// Any secret (tokens, passwords, webhook secrets): "***" whatever its length, "" stays "".
std::string redact_secret(std::string_view secret);

/// "+919812345678" -> "+91******5678": the country code (two digits after '+') and the last four
/// digits stay. Anything shorter than that is masked whole.
std::string redact_phone(std::string_view phone);

/// Removes user:password@, query strings, and the token in Telegram's "/bot<token>/" path segment.
std::string redact_url(std::string_view url);

}  // namespace cowin::log
