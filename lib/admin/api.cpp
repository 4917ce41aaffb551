#include "admin/api.hpp"

#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

#include "config/load.hpp"
#include "config/subscription_json.hpp"
#include "config/validators.hpp"
#include "cowin/request.hpp"
#include "util/json_writer.hpp"

namespace cowin::admin {

namespace net = boost::asio;
namespace http = boost::beast::http;

bool token_matches(std::string_view presented, std::string_view expected) {
    // Digests first, so that neither the length nor the first differing byte shows in the timing.
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), a);
    SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
    return !expected.empty() && CRYPTO_memcmp(a, b, sizeof a) == 0;
}

namespace {

response text(unsigned status, std::string body, std::string_view type = "text/plain; charset=utf-8") {
    response res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, type);
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    return res;
}

response method_not_allowed(std::string_view allow) {
    auto res = error_response(405, "method_not_allowed", "allowed: " + std::string(allow));
    res.set(http::field::allow, allow);
    return res;
}

std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

net::awaitable<response> create(api_context& ctx, request& req) {
    auto parsed = config::read_subscription_json(req.body(), false);
    if (!parsed.sub) {
        // An unknown key first: it usually explains the rest ("notfy" is also "notify missing").
        auto it = std::find_if(parsed.errors.begin(), parsed.errors.end(),
                               [](const config::diagnostic& d) { return d.message.starts_with("unknown key"); });
        const auto& e = it != parsed.errors.end() ? *it : parsed.errors.front();
        std::string message = e.path.empty() ? e.message : e.path + ": " + e.message;
        if (parsed.errors.size() > 1) message += " (and " + std::to_string(parsed.errors.size() - 1) + " more)";
        co_return error_response(400, "invalid_argument", message, e.path);
    }
    if (auto missing = config::missing_channel_setup(ctx.delivery, parsed.sub->notify); !missing.empty()) {
        const auto& m = missing.front();
        co_return error_response(400, "invalid_argument",
                                 m.field + ": this server cannot send " + m.channel + " messages (" + m.setting +
                                     " is not configured)",
                                 m.field);
    }
    auto [rec, err] = co_await ctx.subscriptions.create(std::move(*parsed.sub), subs::origin::api);
    if (err == subs::service::create_error::exists) {
        co_return error_response(409, "already_exists", "a subscription with id " + rec.sub.id + " exists", "id");
    }
    auto res = json_response(201, subs::to_json(rec, subs::secrets::redact));
    res.set(http::field::location, "/v1/subscriptions/" + rec.sub.id);
    co_return res;
}

net::awaitable<response> list(api_context& ctx, const boost::urls::url_view& url) {
    std::optional<std::int64_t> district, pincode;
    std::uint32_t cursor = 0;
    std::size_t limit = 100;
    for (auto param : url.params()) {
        const std::string key = param.key;
        const std::string value = param.has_value ? std::string(param.value) : std::string();
        auto n = to_int(value);
        if (key == "district_id") {
            if (!n || config::check::district_id(*n)) {
                co_return error_response(400, "invalid_argument", "district_id must be " + *config::check::district_id(0), key);
            }
            district = n;
        } else if (key == "pincode") {
            if (config::check::pincode(value)) {
                co_return error_response(400, "invalid_argument", "pincode must be " + *config::check::pincode(""), key);
            }
            pincode = n;
        } else if (key == "cursor") {
            if (!n || *n < 0 || *n > UINT32_MAX) co_return error_response(400, "invalid_argument", "cursor is not one this API gave", key);
            cursor = static_cast<std::uint32_t>(*n);
        } else if (key == "limit") {
            if (!n || *n < 1 || *n > 1000) co_return error_response(400, "invalid_argument", "limit must be between 1 and 1000", key);
            limit = static_cast<std::size_t>(*n);
        } else {
            co_return error_response(400, "invalid_argument",
                                     "unknown parameter " + key + " (known: district_id, pincode, cursor, limit)", key);
        }
    }
    auto page = co_await ctx.subscriptions.list(district, pincode, cursor, limit);
    std::string body = "{\"items\":[";
    for (std::size_t i = 0; i < page.items.size(); ++i) {
        if (i) body += ',';
        body += subs::to_json(page.items[i], subs::secrets::redact);
    }
    body += "],\"next_cursor\":";
    body += page.next ? "\"" + std::to_string(page.next) + "\"" : "null";
    body += "}";
    co_return json_response(200, std::move(body));
}

net::awaitable<response> one(api_context& ctx, request& req, const std::string& id, bool explain) {
    if (explain) {
        if (req.method() != http::verb::get) co_return method_not_allowed("GET");
        auto text = co_await ctx.subscriptions.explain(id, api::india_date(std::chrono::system_clock::now()));
        if (!text) co_return error_response(404, "not_found", "no subscription " + id);
        co_return json_response(200, std::move(*text));
    }
    if (req.method() == http::verb::get) {
        auto rec = co_await ctx.subscriptions.get(id);
        if (!rec) co_return error_response(404, "not_found", "no subscription " + id);
        co_return json_response(200, subs::to_json(*rec, subs::secrets::redact));
    }
    if (req.method() == http::verb::delete_) {
        switch (co_await ctx.subscriptions.remove(id)) {
            case subs::service::remove_result::removed: co_return text(204, "");
            case subs::service::remove_result::not_found: co_return error_response(404, "not_found", "no subscription " + id);
            case subs::service::remove_result::from_config:
                co_return error_response(409, "failed_precondition",
                                         "subscription " + id + " is defined in the config file; remove it there and reload");
        }
    }
    co_return method_not_allowed("GET, DELETE");
}

// GET /v1/audit?since=<unix ms>&after=<cursor>&limit=<1..1000>: every delivery attempt's outcome,
// oldest first; `next_after` continues where a full page ended.
net::awaitable<response> audit(api_context& ctx, const boost::urls::url_view& url) {
    if (ctx.outbox == nullptr) co_return error_response(404, "not_found", "no delivery audit in this process");
    std::int64_t since = 0;
    std::string after;
    int limit = 100;
    for (auto param : url.params()) {
        const std::string key = param.key;
        const std::string value = param.has_value ? std::string(param.value) : std::string();
        auto n = to_int(value);
        if (key == "since" && n && *n >= 0) {
            since = *n;
        } else if (key == "after" && !value.empty() &&
                   value.find_first_not_of("0123456789-") == std::string::npos) {
            after = value;
        } else if (key == "limit" && n && *n >= 1 && *n <= 1000) {
            limit = static_cast<int>(*n);
        } else {
            co_return error_response(400, "invalid_argument",
                                     key == "since"   ? "since must be unix milliseconds"
                                     : key == "after" ? "after must be a next_after this API gave"
                                     : key == "limit" ? "limit must be between 1 and 1000"
                                                      : "unknown parameter " + key + " (known: since, after, limit)",
                                     key);
        }
    }
    auto records = co_await ctx.outbox->audit_since(since, after, limit);
    util::json_writer w;
    w.begin_object().key("items").begin_array();
    for (const auto& r : records) {
        w.begin_object().key("alert_id").value(r.alert_id).key("subscription_id").value(r.subscription_id);
        w.key("channel").value(r.channel).key("status").value(r.status).key("detail").value(r.detail);
        w.key("at").value(subs::iso_time(r.at_ms)).key("at_ms").value(r.at_ms).end_object();
    }
    w.end_array().key("next_after");
    if (static_cast<int>(records.size()) == limit) {
        w.value(records.back().cursor);
    } else {
        w.null();
    }
    w.end_object();
    co_return json_response(200, w.take());
}

net::awaitable<response> v1(api_context& ctx, request& req, const boost::urls::url_view& url) {
    std::vector<std::string> seg;
    for (auto s : url.segments()) seg.push_back(s);
    if (seg.size() == 2 && seg[1] == "audit") {
        if (req.method() != http::verb::get) co_return method_not_allowed("GET");
        co_return co_await audit(ctx, url);
    }
    if (seg.size() == 3 && seg[1] == "alerts") {
        if (req.method() != http::verb::get) co_return method_not_allowed("GET");
        if (ctx.outbox == nullptr) co_return error_response(404, "not_found", "no delivery in this process");
        auto attempts = co_await ctx.outbox->attempts_of(seg[2]);
        if (attempts.empty()) co_return error_response(404, "not_found", "no attempts recorded for alert " + seg[2]);
        util::json_writer w;
        w.begin_object().key("id").value(seg[2]).key("subscription_id").value(attempts.front().subscription_id);
        w.key("attempts").begin_array();
        for (const auto& a : attempts) {
            w.begin_object().key("channel").value(a.channel).key("status").value(a.status).key("detail").value(a.detail);
            w.key("at").value(subs::iso_time(a.at_ms)).end_object();
        }
        w.end_array().end_object();
        co_return json_response(200, w.take());
    }
    if (seg.size() == 2 && seg[1] == "status") {
        if (req.method() != http::verb::get) co_return method_not_allowed("GET");
        co_return json_response(200, ctx.status ? ctx.status() : "{}");
    }
    if (seg.size() >= 2 && seg[1] == "subscriptions") {
        if (seg.size() == 2) {
            if (req.method() == http::verb::post) co_return co_await create(ctx, req);
            if (req.method() == http::verb::get) co_return co_await list(ctx, url);
            co_return method_not_allowed("GET, POST");
        }
        if (seg.size() == 3 || (seg.size() == 4 && seg[3] == "explain")) {
            co_return co_await one(ctx, req, seg[2], seg.size() == 4);
        }
    }
    co_return error_response(404, "not_found", "no such endpoint: " + std::string(url.path()));
}

}  // namespace

net::awaitable<response> handle(api_context& ctx, request& req) {
    auto parsed = boost::urls::parse_origin_form(req.target());
    if (!parsed) co_return error_response(400, "invalid_argument", "the request target is not a valid path");
    const boost::urls::url_view url = *parsed;
    const std::string path = url.path();
    if (path == "/healthz") co_return text(200, "ok\n");
    if (path == "/readyz") {
        if (ctx.ready && ctx.ready()) co_return text(200, "ready\n");
        co_return text(503, "not ready: the state store (Redis) is not reachable\n");
    }
    if (path == "/metrics") {
        if (req.method() != http::verb::get) co_return method_not_allowed("GET");
        co_return text(200, ctx.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path != "/v1" && !path.starts_with("/v1/")) co_return error_response(404, "not_found", "no such endpoint: " + path);
    const auto auth = req[http::field::authorization];
    if (ctx.token.empty()) {
        co_return error_response(401, "unauthenticated", "no admin token is configured (admin.token_file or admin.token_env)");
    }
    if (!auth.starts_with("Bearer ") || !token_matches(auth.substr(7), ctx.token)) {
        auto res = error_response(401, "unauthenticated", "missing or wrong bearer token");
        res.set(http::field::www_authenticate, "Bearer");
        co_return res;
    }
    try {
        co_return co_await v1(ctx, req, url);
    } catch (const std::runtime_error& e) {
        // The repository is Redis: down means "try again", not "your request was wrong".
        co_return error_response(503, "unavailable", std::string("state store unavailable: ") + e.what());
    }
}

}  // namespace cowin::admin
