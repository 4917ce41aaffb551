#include "cowin/classify.hpp"

#include <simdjson.h>

#include <charconv>

namespace cowin::api {

namespace {
std::optional<std::chrono::seconds> parse_retry_after(std::string_view h) {
    while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
    std::int64_t s = 0;
    auto [end, ec] = std::from_chars(h.data(), h.data() + h.size(), s);
    if (ec != std::errc{} || end == h.data() || s < 0) return std::nullopt;
    return std::chrono::seconds(std::min<std::int64_t>(s, 86400));
}
}  // namespace

answer_class classify(int status, std::string_view body, std::string_view retry_after_header) {
    answer_class c;
    c.retry_after = parse_retry_after(retry_after_header);
    if (status == 200) {
        c.what = answer_class::kind::ok;
        c.reason = "ok";
        return c;
    }
    if (status == 403 || status == 429) {
        c.what = answer_class::kind::blocked;
        if (body.find("cloudfront") != std::string_view::npos || body.find("CloudFront") != std::string_view::npos) {
            // CloudFront says nothing about why; these are the causes seen in 2021.
            c.reason = "CloudFront 403: over the rate limit, a non-browser User-Agent, or an IP outside India";
        } else if (status == 429) {
            c.reason = "429 Too Many Requests: over the rate limit";
        } else {
            c.reason = "403 Forbidden";
        }
        return c;
    }
    if (status == 400) {
        simdjson::dom::parser parser;
        simdjson::dom::object obj;
        std::string_view code, error;
        if (parser.parse(body.data(), body.size()).get_object().get(obj) == simdjson::SUCCESS &&
            obj["errorCode"].get_string().get(code) == simdjson::SUCCESS &&
            obj["error"].get_string().get(error) == simdjson::SUCCESS) {
            c.what = answer_class::kind::misconfigured;
            c.reason = std::string(code) + " " + std::string(error);
            return c;
        }
    }
    c.what = answer_class::kind::transient;
    c.reason = status == 401 ? "http 401 Unauthenticated access" : "http " + std::to_string(status);
    return c;
}

std::string likely_block_cause(const answer_class& c, const block_context& ctx) {
    if (c.reason.starts_with("429")) return "likely cause: the rate limit (CoWIN said so)";
    // CloudFront's 403 page gives no reason; these are the causes 2021's notifiers met, most telling first.
    if (!ctx.user_agent.starts_with("Mozilla/")) {
        return "likely cause: the User-Agent \"" + std::string(ctx.user_agent) +
               "\" is not a browser's, which CoWIN's CDN refuses (set cowin.user_agent)";
    }
    if (ctx.calls_in_window * 10 >= ctx.limit * 9) {
        return "likely cause: the rate limit (" + std::to_string(ctx.calls_in_window) + " of " + std::to_string(ctx.limit) +
               " calls used in the window)";
    }
    if (!ctx.ever_succeeded) {
        return "likely cause: this IP is outside India (CoWIN's CDN answers only Indian addresses) or shared with "
               "another program using up the rate limit; no call from here has succeeded yet";
    }
    return "likely cause: the rate limit, spent by another program on this IP (" + std::to_string(ctx.calls_in_window) +
           " of " + std::to_string(ctx.limit) + " calls used by this one)";
}

}  // namespace cowin::api
