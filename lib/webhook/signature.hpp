#pragma once
// Standard Webhooks signatures (v1, HMAC-SHA256): what the webhook channel sends and what the
// sandbox's receivers check. https://github.com/standard-webhooks/standard-webhooks (spec 1.0.0).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cowin::webhook {

/// The key bytes of a "whsec_<base64>" secret (the prefix is optional); nullopt if not base64.
std::optional<std::string> decode_secret(std::string_view secret);

/// "v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>".
std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body);

enum class verdict {
    valid,
    no_signature,     ///< no "v1," entry in the header
    mismatch,         ///< no entry matches
    stale_timestamp,  ///< outside the tolerance
    bad_timestamp,    ///< not an integer
};

/// Checks a `webhook-signature` header (a space-separated list, for key rotation) in constant time
/// per entry, and that `timestamp` is within `tolerance_s` of `now`.
verdict verify(std::string_view key, std::string_view id, std::string_view timestamp, std::string_view body,
               std::string_view signature_header, std::int64_t now, std::int64_t tolerance_s = 300);

}  // namespace cowin::webhook
