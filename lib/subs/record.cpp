#include "subs/record.hpp"

#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "util/json_writer.hpp"

namespace cowin::subs {

namespace {
void put_digits(char* at, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
}
}  // namespace

// Written by hand, not by gmtime_r and snprintf: every alert carries two of these, and formatting them
// was a fifth of the time to render an alert.
std::string iso_time(std::int64_t unix_ms) {
    constexpr std::int64_t year_10000_ms = 253402300800000;
    if (unix_ms >= 0 && unix_ms < year_10000_ms) {
        using namespace std::chrono;
        const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)));
        const year_month_day ymd(day);
        const auto in_day = static_cast<unsigned>(unix_ms - day.time_since_epoch().count() * std::int64_t{86400000});
        std::string out = "0000-00-00T00:00:00.000Z";
        put_digits(&out[0], static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
        put_digits(&out[5], static_cast<unsigned>(ymd.month()), 2);
        put_digits(&out[8], static_cast<unsigned>(ymd.day()), 2);
        put_digits(&out[11], in_day / 3600000, 2);
        put_digits(&out[14], in_day / 60000 % 60, 2);
        put_digits(&out[17], in_day / 1000 % 60, 2);
        put_digits(&out[20], in_day % 1000, 3);
        return out;
    }
    const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];  // room for any int the compiler imagines, so no truncation warning
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
    return buf;
}

std::string generate_id() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[24];
    std::snprintf(buf, sizeof buf, "sub_%016llx", static_cast<unsigned long long>(rng()));
    return buf;
}

namespace {
const char* fee_name(config::fee_filter f) {
    switch (f) {
        case config::fee_filter::free: return "free";
        case config::fee_filter::paid: return "paid";
        case config::fee_filter::any: break;
    }
    return "any";
}
}  // namespace

std::string to_json(const record& r, secrets secret_policy) {
    const config::subscription& s = r.sub;
    util::json_writer w;
    w.begin_object().key("id").value(s.id);
    if (s.district_id) w.key("district_id").value(*s.district_id);
    if (s.pincode) w.key("pincode").value(*s.pincode);
    if (s.age) w.key("age").value(*s.age);
    if (s.dose) w.key("dose").value(*s.dose);
    if (!s.vaccines.empty()) {
        w.key("vaccines").begin_array();
        for (const auto& v : s.vaccines) w.value(v);
        w.end_array();
    }
    w.key("fee_type").value(fee_name(s.fee_type));
    w.key("min_capacity").value(s.min_capacity);
    if (s.days) w.key("days").value(*s.days);
    if (!s.center_ids.empty()) {
        w.key("center_ids").begin_array();
        for (auto c : s.center_ids) w.value(c);
        w.end_array();
    }
    w.key("notify").begin_object();
    if (s.notify.webhook) {
        w.key("webhook").begin_object().key("url").value(s.notify.webhook->url);
        w.key("secret").value(secret_policy == secrets::reveal ? s.notify.webhook->secret : std::string("whsec_***"));
        w.end_object();
    }
    if (s.notify.telegram) w.key("telegram").begin_object().key("chat_id").value(s.notify.telegram->chat_id).end_object();
    if (s.notify.sms) w.key("sms").begin_object().key("to").value(s.notify.sms->to).end_object();
    if (s.notify.log) w.key("log").value(true);
    w.end_object();
    w.key("source").value(r.from == origin::config ? "config" : "api");
    if (secret_policy == secrets::reveal) {
        w.key("created_ms").value(r.created_ms).key("updated_ms").value(r.updated_ms);
    } else {
        w.key("created_at").value(iso_time(r.created_ms)).key("updated_at").value(iso_time(r.updated_ms));
    }
    w.key("active").value(r.active);
    if (!r.active) w.key("inactive_reason").value(r.inactive_reason);
    w.end_object();
    return w.take();
}

namespace {

// The stored form was written by to_json(); anything else is refused, not guessed at.
bool read_record(simdjson::dom::object o, record& r) {
    config::subscription& s = r.sub;
    for (auto field : o) {
        const std::string_view k = field.key;
        simdjson::dom::element v = field.value;
        if (k == "id") {
            std::string_view id;
            if (v.get(id)) return false;
            s.id = id;
        } else if (k == "district_id") {
            std::int64_t d = 0;
            if (v.get(d)) return false;
            s.district_id = d;
        } else if (k == "pincode") {
            std::string_view p;
            if (v.get(p)) return false;
            s.pincode = std::string(p);
        } else if (k == "age" || k == "dose" || k == "days" || k == "min_capacity") {
            std::int64_t n = 0;
            if (v.get(n)) return false;
            if (k == "age") s.age = static_cast<int>(n);
            if (k == "dose") s.dose = static_cast<int>(n);
            if (k == "days") s.days = static_cast<int>(n);
            if (k == "min_capacity") s.min_capacity = static_cast<int>(n);
        } else if (k == "vaccines") {
            simdjson::dom::array a;
            if (v.get(a)) return false;
            for (auto item : a) {
                std::string_view name;
                if (item.get(name)) return false;
                s.vaccines.emplace_back(name);
            }
        } else if (k == "fee_type") {
            std::string_view f;
            if (v.get(f)) return false;
            s.fee_type = f == "free" ? config::fee_filter::free : f == "paid" ? config::fee_filter::paid : config::fee_filter::any;
        } else if (k == "center_ids") {
            simdjson::dom::array a;
            if (v.get(a)) return false;
            for (auto item : a) {
                std::int64_t c = 0;
                if (item.get(c)) return false;
                s.center_ids.push_back(c);
            }
        } else if (k == "notify") {
            simdjson::dom::object n;
            if (v.get(n)) return false;
            for (auto ch : n) {
                const std::string_view name = ch.key;
                if (name == "webhook") {
                    std::string_view url, secret;
                    if (ch.value["url"].get(url) || ch.value["secret"].get(secret)) return false;
                    s.notify.webhook = config::webhook_target{std::string(url), std::string(secret)};
                } else if (name == "telegram") {
                    std::int64_t chat = 0;
                    if (ch.value["chat_id"].get(chat)) return false;
                    s.notify.telegram = config::telegram_target{chat};
                } else if (name == "sms") {
                    std::string_view to;
                    if (ch.value["to"].get(to)) return false;
                    s.notify.sms = config::sms_target{std::string(to)};
                } else if (name == "log") {
                    bool b = false;
                    if (ch.value.get(b)) return false;
                    s.notify.log = b;
                }
            }
        } else if (k == "source") {
            std::string_view src;
            if (v.get(src)) return false;
            r.from = src == "config" ? origin::config : origin::api;
        } else if (k == "created_ms") {
            if (v.get(r.created_ms)) return false;
        } else if (k == "updated_ms") {
            if (v.get(r.updated_ms)) return false;
        } else if (k == "active") {
            if (v.get(r.active)) return false;
        } else if (k == "inactive_reason") {
            std::string_view why;
            if (v.get(why)) return false;
            r.inactive_reason = why;
        }
    }
    return !s.id.empty() && (s.district_id.has_value() != s.pincode.has_value()) && s.notify.any();
}

}  // namespace

std::optional<record> from_json(std::string_view json) {
    static thread_local simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(json.data(), json.size()).get(o)) return std::nullopt;
    record r;
    if (!read_record(o, r)) return std::nullopt;
    return r;
}

}  // namespace cowin::subs
