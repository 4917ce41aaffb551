#pragma once
// What one delivery attempt came to, from the receiver's answer. Pure, so that every answer class has
// a table row in the tests.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cowin::delivery {

struct outcome {
    enum class kind {
        delivered,
        retry,  ///< transient: try again on the schedule (or after retry_after)
        gone,   ///< the receiver disowned the subscription (410, blocked bot, no such chat): deactivate it
    };
    kind what = kind::retry;
    std::string detail;  ///< "http 503", "timeout", "bot was blocked by the user", ...
    std::optional<std::chrono::milliseconds> retry_after;
};

/// Webhook (DESIGN.md §5): 2xx delivered; 410 gone; 429/503 honour Retry-After (seconds or an HTTP
/// date); redirects and everything else retried. `failure` is the transport error ("" when answered).
outcome webhook_outcome(int status, std::string_view retry_after, std::string_view failure);

/// Telegram Bot API: {"ok":true} delivered; 429 waits parameters.retry_after; 403 "bot was blocked by
/// the user" / "user is deactivated" and 400 "chat not found" are gone; anything else retried.
outcome telegram_outcome(int status, std::string_view body, std::string_view failure);

/// Twilio and MSG91: 2xx delivered; 429 and 5xx retried (Retry-After honoured); 400 for an invalid
/// number (Twilio 21211/21614, MSG91 "invalid mobile") is gone; other 4xx retried.
outcome sms_outcome(int status, std::string_view body, std::string_view retry_after, std::string_view failure);

/// "120" or an HTTP date, relative to `now`; nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace cowin::delivery
