#pragma once
// A subscription as kept: the subscriber's wish (config::subscription, validated) plus what we know
// about it. Stored as JSON (readable with redis-cli) and served in the same shape by the admin API.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace cowin::subs {

enum class origin : std::uint8_t {
    config,  ///< listed in the config file; a reload may change or remove it
    api,     ///< created through the admin API; only the API removes it
};

struct record {
    config::subscription sub;
    origin from = origin::api;
    std::int64_t created_ms = 0;  ///< unix milliseconds
    std::int64_t updated_ms = 0;
    bool active = true;
    /// Why it was deactivated ("webhook answered 410 Gone"); empty while active.
    std::string inactive_reason;
};

enum class secrets { reveal, redact };

/// The JSON form. Stored with secrets revealed; served by the API with the webhook secret redacted
/// (it was given once, by the caller; it is not handed out again).
std::string to_json(const record& r, secrets s);

/// Reads the stored form back; nullopt when it is not one (a hand-edited or foreign value).
std::optional<record> from_json(std::string_view json);

/// "2026-11-27T10:15:03.120Z".
std::string iso_time(std::int64_t unix_ms);

/// A fresh id for a subscription created without one: "sub_" + 16 hex digits.
std::string generate_id();

}  // namespace cowin::subs
