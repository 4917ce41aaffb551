#include "app.hpp"

#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "cowin/parser.hpp"
#include "util/json_writer.hpp"

namespace cowin::sandbox {

response json_response(int status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    r.header("content-type", "application/json");
    return r;
}

response json_error(int status, std::string_view message) {
    util::json_writer w;
    w.begin_object().key("error").value(message).end_object();
    return json_response(status, w.take());
}

namespace {

constexpr std::string_view api_prefix = "/api/v2/";
constexpr std::string_view sessions_prefix = "/api/v2/appointment/sessions/public/";

std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

response cowin_error(std::string code, std::string message) {
    util::json_writer w;
    w.begin_object().key("errorCode").value(code).key("error").value(message).end_object();
    return json_response(400, w.take());
}

std::string gzip(std::string_view in) {
    z_stream z{};
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string canonical_target(const request& r) {
    std::string t = r.path;
    char sep = '?';
    for (const auto& [k, v] : r.query) {
        t += sep + k + "=" + v;
        sep = '&';
    }
    return t;
}

}  // namespace

app::app(app_settings s, world w) : settings_(std::move(s)), world_(std::move(w)) {}

void app::count(const std::string& endpoint, int status) { ++calls_[endpoint][status]; }

response app::handle(const request& r, clock::time_point now) {
    const double uptime = std::chrono::duration<double>(now - started_).count();
    if (r.path.rfind(api_prefix, 0) == 0) return cowin(r, now);
    if (r.path.rfind("/sandbox/v1/", 0) == 0) return control(r);
    if (r.path.rfind("/telegram/bot", 0) == 0) {
        std::string rest = r.path.substr(13);
        auto slash = rest.find('/');
        if (slash == std::string::npos) return json_error(404, "no such Telegram method");
        return telegram_.handle(r, rest.substr(0, slash), rest.substr(slash + 1), now, uptime);
    }
    if (r.path.rfind("/twilio/2010-04-01/Accounts/", 0) == 0 && r.method == "POST") {
        std::string rest = r.path.substr(28);
        auto slash = rest.find('/');
        if (slash == std::string::npos || rest.substr(slash) != "/Messages.json") return json_error(404, "no such Twilio resource");
        return sms_.twilio(r, rest.substr(0, slash), uptime);
    }
    if (r.path == "/msg91/api/v5/flow" && r.method == "POST") return sms_.msg91(r, uptime);
    if (r.path.rfind("/hooks/", 0) == 0 && r.method == "POST") {
        return hooks_.handle(r, r.path.substr(7), uptime, static_cast<std::int64_t>(std::time(nullptr)));
    }
    return json_error(404, "nothing at " + r.path);
}

response app::blocked(clock::time_point now, const std::deque<clock::time_point>& window) {
    if (settings_.blocked_status == 429) {
        auto wait = window.empty() ? std::chrono::seconds(1)
                                   : std::chrono::duration_cast<std::chrono::seconds>(window.front() + settings_.rate_period - now) +
                                         std::chrono::seconds(1);
        response r = json_response(429, R"({"error":"Too Many Requests"})");
        r.header("retry-after", std::to_string(std::max<std::int64_t>(1, wait.count())));
        return r;
    }
    response r;
    r.status = 403;
    r.body = settings_.blocked_page;
    r.header("content-type", "text/html").header("server", "CloudFront").header("x-cache", "Error from cloudfront");
    return r;
}

response app::cowin(const request& r, clock::time_point now) {
    const std::string endpoint = r.path.rfind(sessions_prefix, 0) == 0 ? r.path.substr(sessions_prefix.size())
                                 : r.path.rfind("/api/v2/admin/location/districts/", 0) == 0 ? "districts"
                                 : r.path == "/api/v2/admin/location/states"                  ? "states"
                                                                                              : "unknown";
    if (settings_.require_user_agent && r.header("user-agent").find("Mozilla/") == std::string::npos) {
        ++rejections_["user_agent"];
        count(endpoint, 403);
        response b = blocked(now, {});
        if (settings_.blocked_status == 429) {  // a missing User-Agent is always CloudFront's 403
            b = response{};
            b.status = 403;
            b.body = settings_.blocked_page;
            b.header("content-type", "text/html");
        }
        return b;
    }
    last_request_[endpoint] = {canonical_target(r), r.header("user-agent")};
    auto& window = calls_by_ip_[r.client];
    while (!window.empty() && now - window.front() >= settings_.rate_period) window.pop_front();
    if (static_cast<int>(window.size()) >= settings_.rate_calls) {
        ++rejections_["rate_limit"];
        count(endpoint, settings_.blocked_status);
        return blocked(now, window);
    }
    window.push_back(now);

    if (auto it = faults_.find(endpoint); it != faults_.end() && !it->second.empty()) {
        fault& f = it->second.front();
        const fault active = f;
        if (--f.count <= 0) it->second.pop_front();
        ++rejections_["fault"];
        switch (active.what) {
            case fault::mode::http500:
                count(endpoint, 500);
                return json_response(500, R"({"message":"Internal server error"})");
            case fault::mode::http401:
                count(endpoint, 401);
                return json_response(401, R"({"message":"Unauthenticated access!"})");
            case fault::mode::stall: {
                count(endpoint, 0);
                response s;
                s.stall = true;
                return s;
            }
            case fault::mode::truncated: {
                response a = cowin_answer(r, endpoint);
                a.body.resize(a.body.size() / 2);
                count(endpoint, a.status);
                return a;
            }
            case fault::mode::invalid: {
                count(endpoint, 200);
                return json_response(200, R"({"centers":[{"center_id":"not-a-number","sessions":[{"date":7}]}]})");
            }
            case fault::mode::slow: {
                response a = cowin_answer(r, endpoint);
                a.delay = active.delay;
                count(endpoint, a.status);
                return a;
            }
            case fault::mode::huge: {
                // 20 MB that starts like a calendar: more than any client should buffer.
                count(endpoint, 200);
                return json_response(200, R"({"centers":[)" + std::string(20u << 20, ' ') + "]}");
            }
            case fault::mode::http429: {
                // The rate limit's own answer, as CoWIN's gateway gives it when a burst is refused.
                count(endpoint, 429);
                response t = json_response(429, R"({"message":"Too Many Requests"})");
                t.header("retry-after", std::to_string(std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(active.delay).count())));
                return t;
            }
            case fault::mode::reset: {
                response a = cowin_answer(r, endpoint);
                a.reset_mid_body = true;
                count(endpoint, 0);
                return a;
            }
            case fault::mode::wrong_types: {
                // The right shape with the wrong types in it: a number as text, a text as a number.
                count(endpoint, 200);
                return json_response(200, R"({"centers":[{"center_id":701,"name":"PHC Wrong","address":"x","state_name":"S",)"
                                          R"("district_name":"D","block_name":"B","pincode":"411001","lat":18,"long":73,)"
                                          R"("from":"09:00:00","to":"17:00:00","fee_type":"Free","sessions":[{"session_id":)"
                                          R"("e1f2","date":"01-12-2026","available_capacity":"ten","min_age_limit":"18",)"
                                          R"("vaccine":7,"slots":"morning"}]}]})");
            }
            case fault::mode::blocked: {
                // CoWIN's CDN refusing this call as if over the limit (403 page or 429, per --blocked-status).
                count(endpoint, settings_.blocked_status);
                return blocked(now, window);
            }
        }
    }

    // The CDN: identical bytes until the TTL passes, with their age.
    const std::string key = canonical_target(r);
    response out;
    if (auto it = cache_.find(key); settings_.cache_ttl.count() > 0 && it != cache_.end() && now - it->second.at < settings_.cache_ttl) {
        out = json_response(it->second.status, it->second.body);
        out.header("age", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - it->second.at).count()));
        out.header("x-cache", "Hit from cloudfront");
    } else {
        out = cowin_answer(r, endpoint);
        if (settings_.cache_ttl.count() > 0 && out.status == 200) cache_[key] = {out.body, out.status, now};
        out.header("x-cache", "Miss from cloudfront");
    }
    count(endpoint, out.status);
    if (out.status == 200) {
        if (auto d = to_int(r.param("district_id"))) served_[*d].push_back(std::chrono::duration<double>(now - started_).count());
    }
    if (r.header("accept-encoding").find("gzip") != std::string::npos) {
        out.body = gzip(out.body);
        out.header("content-encoding", "gzip");
    }
    return out;
}

response app::cowin_answer(const request& r, const std::string& endpoint) {
    const api::civil_date today = today_in_india();
    if (endpoint == "states") return json_response(200, world_.states_json());
    if (endpoint == "districts") {
        auto id = to_int(r.path.substr(r.path.rfind('/') + 1));
        if (!id) return cowin_error("USRRES0001", "Invalid state id");
        auto body = world_.districts_json(*id);
        return body ? json_response(200, *body) : json_response(200, R"({"districts":[],"ttl":24})");
    }
    if (endpoint == "unknown") return json_response(404, R"({"message":"Not Found"})");
    if (!r.has_param("date")) return cowin_error("USRRES0001", "Input parameter missing");
    auto date = api::parse_cowin_date(r.param("date"));
    if (!date) return cowin_error("APPOIN0013", "Invalid Date");
    if (endpoint == "calendarByDistrict" || endpoint == "findByDistrict") {
        if (!r.has_param("district_id")) return cowin_error("USRRES0001", "Input parameter missing");
        auto id = to_int(r.param("district_id"));
        if (!id || !world_.has_district(*id)) return cowin_error("APPOIN0017", "Invalid District");
        return json_response(200, endpoint == "calendarByDistrict" ? world_.calendar_by_district(*id, *date, today)
                                                                   : world_.find_by_district(*id, *date, today));
    }
    if (endpoint == "calendarByPin" || endpoint == "findByPin") {
        if (!r.has_param("pincode")) return cowin_error("USRRES0001", "Input parameter missing");
        const std::string pin = r.param("pincode");
        auto n = to_int(pin);
        if (pin.size() != 6 || !n || pin[0] == '0') return cowin_error("APPOIN0018", "Invalid Pincode");
        return json_response(200, endpoint == "calendarByPin" ? world_.calendar_by_pin(static_cast<int>(*n), *date, today)
                                                              : world_.find_by_pin(static_cast<int>(*n), *date, today));
    }
    if (endpoint == "calendarByCenter") {
        if (!r.has_param("center_id")) return cowin_error("USRRES0001", "Input parameter missing");
        auto id = to_int(r.param("center_id"));
        auto body = id ? world_.calendar_by_center(*id, *date) : std::nullopt;
        if (!body) return cowin_error("APPOIN0019", "Invalid Center");
        return json_response(200, *body);
    }
    return json_response(404, R"({"message":"Not Found"})");
}

std::string app::load_calendar(const std::string& json) {
    api::response_parser parser;
    if (auto e = parser.parse(api::endpoint::calendar, json)) return "not a calendar response: " + e->str();
    return world_.load_calendar(parser.view());
}

bool app::prepare(std::int64_t district_id) {
    if (!world_.has_district(district_id)) return false;
    world_.prepare(district_id, today_in_india());
    return true;
}

void app::churn(double per_minute, std::chrono::milliseconds step) {
    if (churn_paused_) return;
    const double probability = per_minute * std::chrono::duration<double>(step).count() / 60.0;
    world_.churn(probability, today_in_india(), churn_rng_);
}

}  // namespace cowin::sandbox
