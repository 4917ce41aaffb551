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

}  // namespace cowin::api
