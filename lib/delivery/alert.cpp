#include "delivery/alert.hpp"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <random>

#include "subs/index.hpp"
#include "subs/record.hpp"
#include "util/json_writer.hpp"

namespace cowin::delivery {

std::string_view to_string(channel c) {
    switch (c) {
        case channel::webhook: return "webhook";
        case channel::telegram: return "telegram";
        case channel::sms: return "sms";
        case channel::log: return "log";
    }
    return "log";
}

std::optional<channel> channel_named(std::string_view name) {
    for (auto c : {channel::webhook, channel::telegram, channel::sms, channel::log}) {
        if (to_string(c) == name) return c;
    }
    return std::nullopt;
}

std::string new_alert_id(std::int64_t made_ms) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "alt_";
    out.resize(4 + 24);
    auto minute = static_cast<std::uint64_t>(std::max<std::int64_t>(0, made_ms) / 60000) & 0xffffffffu;
    std::uint64_t random = rng();
    for (int i = 11; i >= 4; --i, minute >>= 4) out[static_cast<std::size_t>(i)] = hex[minute & 0xf];
    for (int i = 27; i >= 12; --i, random >>= 4) out[static_cast<std::size_t>(i)] = hex[random & 0xf];
    return out;
}

// Read once per attempt recorded: the minute's 8 digits are checked, the random 16 only counted.
std::optional<std::int64_t> minute_of_alert_id(std::string_view id) {
    if (id.size() != 28 || id.substr(0, 4) != "alt_") return std::nullopt;
    std::int64_t minute = 0;
    for (std::size_t i = 4; i < 12; ++i) {
        const char c = id[i];
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return std::nullopt;
        minute = minute * 16 + digit;
    }
    return minute;
}

namespace {

std::int64_t ms_of(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "2026-11-27T10:15:03Z": the payload's times are to the second.
std::string iso_seconds(std::int64_t ms) {
    std::string s = subs::iso_time(ms);
    s.resize(19);
    s += 'Z';
    return s;
}

const char* fee_name(api::fee_kind f) {
    switch (f) {
        case api::fee_kind::free: return "Free";
        case api::fee_kind::paid: return "Paid";
        case api::fee_kind::unknown: break;
    }
    return "";
}

void write_session(util::json_writer& w, const api::session_detail& s) {
    w.begin_object();
    w.key("center_id").value(s.center_id).key("center_name").value(s.center_name).key("address").value(s.address);
    w.key("block_name").value(s.block_name).key("district_name").value(s.district_name);
    w.key("state_name").value(s.state_name).key("pincode").value(static_cast<std::int64_t>(s.pincode));
    w.key("fee_type").value(fee_name(s.fee));
    if (!s.fee_amount.empty()) w.key("fee").value(s.fee_amount);
    w.key("session_id").value(s.session_id).key("date").value(api::to_iso(s.date)).key("vaccine").value(s.vaccine);
    w.key("min_age_limit").value(static_cast<int>(s.min_age)).key("max_age_limit");
    if (s.max_age >= 0) {
        w.value(static_cast<int>(s.max_age));
    } else {
        w.null();
    }
    if (s.allow_all_age != api::tristate::absent) w.key("allow_all_age").value(s.allow_all_age == api::tristate::yes);
    w.key("available_capacity").value(s.cap.total);
    w.key("available_capacity_dose1");
    if (s.cap.dose1 >= 0) {
        w.value(s.cap.dose1);
    } else {
        w.null();
    }
    w.key("available_capacity_dose2");
    if (s.cap.dose2 >= 0) {
        w.value(s.cap.dose2);
    } else {
        w.null();
    }
    w.key("slots").begin_array();
    for (const auto& slot : s.slots) w.value(slot);
    w.end_array().end_object();
}

std::string ddmm(api::civil_date d) {
    std::string out = "00-00";
    out[0] = static_cast<char>('0' + d.day / 10 % 10);
    out[1] = static_cast<char>('0' + d.day % 10);
    out[3] = static_cast<char>('0' + d.month / 10 % 10);
    out[4] = static_cast<char>('0' + d.month % 10);
    return out;
}

}  // namespace

namespace {
// The subscribers of one poll who wait for the same sessions get the same array: it is written once
// (the last one is remembered), not once per subscriber.
const std::string& sessions_json(const subs::alert_draft& d) {
    struct last_rendered {
        std::shared_ptr<const void> pool;  // held, so its address cannot be reused by another poll's pool
        std::vector<std::uint32_t> sessions;
        std::string json;
    };
    static thread_local last_rendered last;
    const bool same = last.pool == d.pool && last.sessions.size() == d.sessions.size() &&
                      std::equal(d.sessions.begin(), d.sessions.end(), last.sessions.begin());
    if (!same) {
        util::json_writer w;
        w.begin_array();
        for (auto i : d.sessions) write_session(w, (*d.pool)[i]);
        w.end_array();
        last.json = w.take();
        last.pool = d.pool;
        last.sessions.assign(d.sessions.begin(), d.sessions.end());
    }
    return last.json;
}
}  // namespace

std::string webhook_body(const subs::alert_draft& d, std::int64_t detected_ms) {
    const std::string& sessions = sessions_json(d);
    util::json_writer w;
    w.reserve(224 + d.subscription_id.size() + sessions.size());
    w.begin_object().key("type").value("slots.opened").key("timestamp").value(iso_seconds(detected_ms));
    w.key("data").begin_object().key("subscription_id").value(d.subscription_id);
    w.key("district_id");
    if (d.by_pincode) {
        w.null().key("pincode").value(d.target_id);
    } else {
        w.value(d.target_id).key("pincode").null();
    }
    w.key("fetched_at").value(iso_seconds(ms_of(d.fetched_at)));
    w.key("sessions").raw(sessions);
    w.end_object().end_object();
    return w.take();
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

std::string telegram_text(const subs::alert_draft& d) {
    constexpr std::size_t limit = 4096;
    const std::size_t total = d.sessions.size();
    std::string head = "<b>Vaccination slots open</b> (" + std::to_string(total) + " session" + (total == 1 ? "" : "s") + ")\n";
    std::string out = head;
    std::size_t shown = 0;
    for (auto i : d.sessions) {
        const auto& s = (*d.pool)[i];
        std::string line = "\n<b>" + html_escape(s.center_name) + "</b>, " + html_escape(s.district_name) + " " +
                           std::to_string(s.pincode) + "\n" + api::to_iso(s.date) + " · " + html_escape(s.vaccine) + " · " +
                           std::to_string(s.min_age) + (s.max_age >= 0 ? "-" + std::to_string(s.max_age) : std::string("+")) +
                           " · " + (s.fee == api::fee_kind::paid ? "Paid" : "Free") + "\n" + std::to_string(s.cap.total) +
                           " doses";
        if (s.cap.dose1 >= 0) line += " (dose 1: " + std::to_string(s.cap.dose1) + ", dose 2: " + std::to_string(s.cap.dose2) + ")";
        line += "\n";
        const std::string more = "\n+" + std::to_string(total - shown - 1) + " more";
        // Keep room for the "+N more" line that follows when not everything fits.
        if (utf8_length(out) + utf8_length(line) + (shown + 1 < total ? utf8_length(more) + 8 : 0) > limit) break;
        out += line;
        ++shown;
    }
    if (shown < total) out += "\n+" + std::to_string(total - shown) + " more";
    out += "\nBook at https://www.cowin.gov.in";
    if (utf8_length(out) > limit) out = head + "\n+" + std::to_string(total) + " sessions; book at https://www.cowin.gov.in";
    return out;
}

std::string sms_text(const subs::alert_draft& d) {
    // One GSM-7 segment is 160 characters; names are cut to fit rather than spilling into a second.
    const auto& s = (*d.pool)[d.sessions.front()];
    const std::string tail = " on " + ddmm(s.date) + " " + s.vaccine +
                             (d.sessions.size() > 1 ? " (+" + std::to_string(d.sessions.size() - 1) + " more)" : "") +
                             ". cowin.gov.in";
    std::string head = "CoWIN: " + std::to_string(s.cap.total) + " doses at ";
    std::string place = s.center_name + " " + std::to_string(s.pincode);
    const std::size_t room = 160 > head.size() + tail.size() ? 160 - head.size() - tail.size() : 0;
    if (place.size() > room) place = place.substr(0, room > 3 ? room - 3 : 0) + "...";
    return head + place + tail;
}

std::string summary_text(const subs::alert_draft& d) {
    const auto& s = (*d.pool)[d.sessions.front()];
    std::string out = std::string(d.by_pincode ? "pincode " : "district ") + std::to_string(d.target_id) + ", " +
                      s.center_name + ": " + std::to_string(s.cap.total) + " doses on " + ddmm(s.date) + " " + s.vaccine;
    if (d.sessions.size() > 1) out += " (+" + std::to_string(d.sessions.size() - 1) + " more)";
    return out;
}

std::vector<alert> alerts_for(const subs::alert_draft& d, std::uint8_t channels) {
    std::vector<alert> out;
    if (d.sessions.empty() || !d.pool) return out;
    alert base;
    base.subscription_id = d.subscription_id;
    base.fetched_ms = ms_of(d.fetched_at);
    base.detected_ms = ms_of(d.detected_at);
    base.id = new_alert_id(base.detected_ms);
    base.summary = summary_text(d);
    std::string body = webhook_body(d, base.detected_ms);
    // Usually one channel: the last alert takes base and body over instead of copying them.
    const int wanted = std::popcount(static_cast<unsigned>(channels & (subs::webhook | subs::telegram | subs::sms | subs::log)));
    for (auto [bit, c] : {std::pair{subs::webhook, channel::webhook}, std::pair{subs::telegram, channel::telegram},
                          std::pair{subs::sms, channel::sms}, std::pair{subs::log, channel::log}}) {
        if ((channels & bit) == 0) continue;
        const bool last = static_cast<int>(out.size()) + 1 == wanted;
        alert a;
        if (last) {
            a = std::move(base);
        } else {
            a = base;
        }
        a.via = c;
        if (c == channel::webhook || c == channel::log) {
            if (last) {
                a.body = std::move(body);
            } else {
                a.body = body;
            }
        }
        if (c == channel::telegram) a.text = telegram_text(d);
        if (c == channel::sms) a.sms = sms_text(d);
        out.push_back(std::move(a));
    }
    return out;
}

namespace {
// The field that carries what the channel sends.
std::string alert::*payload_of(channel c) {
    switch (c) {
        case channel::telegram: return &alert::text;
        case channel::sms: return &alert::sms;
        case channel::webhook:
        case channel::log: break;
    }
    return &alert::body;
}
}  // namespace

// One line of JSON with the alert's particulars, a newline, then what the channel sends as it is.
// The payload (a webhook body is JSON itself) is not escaped into a JSON string: writing, storing in
// Redis and reading it back cost a third less. The line stays readable with redis-cli.
std::string encode(const alert& a) {
    const std::string& payload = a.*payload_of(a.via);
    util::json_writer w;
    // The head is a few hundred bytes: room for it and the payload, which is appended after.
    w.reserve(256 + a.id.size() + a.subscription_id.size() + a.last_error.size() + a.summary.size() + payload.size());
    w.begin_object().key("id").value(a.id).key("channel").value(to_string(a.via)).key("sub").value(a.subscription_id);
    w.key("fetched_ms").value(a.fetched_ms).key("detected_ms").value(a.detected_ms).key("attempt").value(a.attempt);
    if (!a.last_error.empty()) w.key("last_error").value(a.last_error);
    if (!a.summary.empty()) w.key("summary").value(a.summary);
    w.end_object();
    std::string out = w.take();
    out.reserve(out.size() + 1 + payload.size());
    out += '\n';
    out += payload;
    return out;
}

// Also reads the earlier form, one JSON object with the payload as a string field (entries written
// before an upgrade are still delivered).
std::optional<alert> decode(std::string_view blob) {
    static thread_local simdjson::dom::parser parser;
    const auto newline = blob.find('\n');
    const std::string_view head = newline == std::string_view::npos ? blob : blob.substr(0, newline);
    simdjson::dom::object o;
    if (parser.parse(head.data(), head.size()).get(o)) return std::nullopt;
    alert a;
    for (auto field : o) {
        const std::string_view k = field.key;
        std::string_view s;
        std::int64_t n = 0;
        if (k == "id" && !field.value.get(s)) a.id = s;
        else if (k == "channel" && !field.value.get(s)) {
            auto c = channel_named(s);
            if (!c) return std::nullopt;
            a.via = *c;
        } else if (k == "sub" && !field.value.get(s)) a.subscription_id = s;
        else if (k == "fetched_ms" && !field.value.get(n)) a.fetched_ms = n;
        else if (k == "detected_ms" && !field.value.get(n)) a.detected_ms = n;
        else if (k == "attempt" && !field.value.get(n)) a.attempt = static_cast<int>(n);
        else if (k == "last_error" && !field.value.get(s)) a.last_error = s;
        else if (k == "summary" && !field.value.get(s)) a.summary = s;
        else if (newline == std::string_view::npos && k == "body" && !field.value.get(s)) a.body = s;
        else if (newline == std::string_view::npos && k == "text" && !field.value.get(s)) a.text = s;
        else if (newline == std::string_view::npos && k == "sms" && !field.value.get(s)) a.sms = s;
        else return std::nullopt;
    }
    if (a.id.empty() || a.subscription_id.empty()) return std::nullopt;
    if (newline != std::string_view::npos) a.*payload_of(a.via) = std::string(blob.substr(newline + 1));
    return a;
}

}  // namespace cowin::delivery
