#include "delivery/outcome.hpp"

#include <simdjson.h>

#include <charconv>
#include <ctime>

namespace cowin::delivery {

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty()) return std::nullopt;
    std::int64_t secs = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (ec == std::errc{} && end == v.data() + v.size()) {
        if (secs < 0) return std::nullopt;
        return std::chrono::seconds(std::min<std::int64_t>(secs, 86400));
    }
    std::tm tm{};
    const std::string text(v);
    if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
    const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (at <= now) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::min<std::chrono::system_clock::duration>(at - now, std::chrono::hours(24)));
}

outcome webhook_outcome(int status, std::string_view retry_after, std::string_view failure) {
    outcome o;
    if (!failure.empty()) {
        o.detail = std::string(failure);
        return o;
    }
    o.detail = "http " + std::to_string(status);
    if (status >= 200 && status < 300) {
        o.what = outcome::kind::delivered;
    } else if (status == 410) {
        o.what = outcome::kind::gone;
        o.detail = "webhook answered 410 Gone";
    } else if (status == 429 || status == 503) {
        o.retry_after = parse_retry_after(retry_after, std::chrono::system_clock::now());
    } else if (status >= 300 && status < 400) {
        o.detail += " (redirects are not followed)";
    }
    return o;
}

outcome telegram_outcome(int status, std::string_view body, std::string_view failure) {
    outcome o;
    if (!failure.empty()) {
        o.detail = std::string(failure);
        return o;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    bool ok = false;
    std::string_view description;
    std::int64_t retry_after = -1;
    if (!parser.parse(body.data(), body.size()).get(doc)) {
        // Each field is optional: a missing one keeps its default.
        if (doc["ok"].get(ok) != simdjson::SUCCESS) ok = false;
        if (doc["description"].get(description) != simdjson::SUCCESS) description = {};
        if (doc["parameters"]["retry_after"].get(retry_after) != simdjson::SUCCESS) retry_after = -1;
    }
    o.detail = "telegram " + std::to_string(status) + (description.empty() ? "" : ": " + std::string(description));
    if (status == 200 && ok) {
        o.what = outcome::kind::delivered;
    } else if (status == 429) {
        if (retry_after >= 0) o.retry_after = std::chrono::seconds(std::min<std::int64_t>(retry_after, 3600));
    } else if ((status == 403 && (description.find("blocked") != std::string_view::npos ||
                                  description.find("deactivated") != std::string_view::npos ||
                                  description.find("kicked") != std::string_view::npos)) ||
               (status == 400 && description.find("chat not found") != std::string_view::npos)) {
        o.what = outcome::kind::gone;
    }
    return o;
}

outcome sms_outcome(int status, std::string_view body, std::string_view retry_after, std::string_view failure) {
    outcome o;
    if (!failure.empty()) {
        o.detail = std::string(failure);
        return o;
    }
    o.detail = "sms provider " + std::to_string(status);
    if (status >= 200 && status < 300) {
        o.what = outcome::kind::delivered;
    } else if (status == 429 || status >= 500) {
        o.retry_after = parse_retry_after(retry_after, std::chrono::system_clock::now());
    } else if (status == 400 && (body.find("21211") != std::string_view::npos || body.find("21614") != std::string_view::npos ||
                                 body.find("nvalid mobile") != std::string_view::npos)) {
        o.what = outcome::kind::gone;
        o.detail = "the SMS provider refused the number";
    }
    return o;
}

}  // namespace cowin::delivery
