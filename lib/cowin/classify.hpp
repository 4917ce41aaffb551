#pragma once
// What a CoWIN answer means for the poller (DESIGN.md §2, reference/cowin-api.md §4.2).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cowin::api {

struct answer_class {
    enum class kind {
        ok,             ///< 200: parse it
        misconfigured,  ///< 400 with CoWIN's {"errorCode","error"}: this request will never work; park it
        transient,      ///< 401, 5xx, anything unexpected: retry this target later, the rest go on
        blocked,        ///< 403 (CloudFront) or 429: every call pauses
    };
    kind what = kind::transient;
    /// For logs and status: "APPOIN0018 Invalid Pincode", "http 503", "CloudFront 403 (rate limit, ...)".
    std::string reason;
    /// From a Retry-After header in seconds (HTTP-dates are not used by CoWIN's CDN).
    std::optional<std::chrono::seconds> retry_after;
};

answer_class classify(int status, std::string_view body, std::string_view retry_after_header);

/// What the poller knew when CoWIN blocked it, to say which cause is likely.
struct block_context {
    int calls_in_window = 0;       ///< this host's calls in the rate window, the blocked one included
    int limit = 100;               ///< cowin.rate_limit.calls
    std::string_view user_agent;   ///< what was sent
    bool ever_succeeded = false;   ///< any call from this process got a 200
};

/// "likely cause: ..." for a blocked answer: a non-browser User-Agent, this IP outside India (no call
/// ever succeeded, budget far from spent), or the rate limit (spent, or another program on this IP).
std::string likely_block_cause(const answer_class& c, const block_context& ctx);

}  // namespace cowin::api
