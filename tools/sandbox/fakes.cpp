#include "fakes.hpp"

#include <simdjson.h>

#include <algorithm>

#include "util/base64.hpp"
#include "util/json_writer.hpp"
#include "webhook/signature.hpp"

namespace cowin::sandbox {

namespace {

response telegram_error(int status, const std::string& description, std::optional<int> retry_after = {}) {
    util::json_writer w;
    w.begin_object().key("ok").value(false).key("error_code").value(status).key("description").value(description);
    if (retry_after) w.key("parameters").begin_object().key("retry_after").value(*retry_after).end_object();
    w.end_object();
    response r = json_response(status, w.take());
    if (retry_after) r.header("retry-after", std::to_string(*retry_after));
    return r;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
    std::map<std::string, std::string> out;
    while (!body.empty()) {
        auto amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        auto eq = pair.find('=');
        out[url_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    }
    return out;
}

// Telegram takes parameters as JSON, form or query; the tests and the daemon use JSON.
std::map<std::string, std::string> telegram_params(const request& r) {
    std::map<std::string, std::string> p = r.query;
    if (r.header("content-type").find("application/json") != std::string::npos) {
        simdjson::dom::parser parser;
        simdjson::dom::object obj;
        if (parser.parse(r.body).get_object().get(obj) == simdjson::SUCCESS) {
            for (auto [k, v] : obj) {
                std::string_view s;
                if (v.get_string().get(s) == simdjson::SUCCESS) {
                    p[std::string(k)] = std::string(s);
                } else {
                    p[std::string(k)] = simdjson::minify(v);
                }
            }
        }
    } else if (!r.body.empty()) {
        for (auto& [k, v] : parse_form(r.body)) p[k] = v;
    }
    return p;
}

std::size_t utf8_length(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

namespace {
// "#1234" or "#x1F600".
bool numeric_entity(const std::string& e) {
    if (e.size() < 2 || e[0] != '#') return false;
    const bool hex = e[1] == 'x';
    const std::size_t start = hex ? 2 : 1;
    if (e.size() == start || e.size() - start > 7) return false;
    return std::all_of(e.begin() + static_cast<std::ptrdiff_t>(start), e.end(), [hex](char c) {
        return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '9');
    });
}
}  // namespace

std::string telegram_html_error(const std::string& text) {
    static const std::set<std::string> tags{"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
                                            "pre", "tg-spoiler", "span", "blockquote"};
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '<') {
            auto end = text.find('>', i);
            if (end == std::string::npos) return "Unclosed start tag at byte offset " + std::to_string(i);
            std::string tag = text.substr(i + 1, end - i - 1);
            if (!tag.empty() && tag[0] == '/') tag.erase(0, 1);
            tag = tag.substr(0, tag.find(' '));
            if (!tags.count(tag)) return "Unsupported start tag \"" + tag + "\" at byte offset " + std::to_string(i);
            i = end;
        } else if (text[i] == '&') {
            auto end = text.find(';', i);
            std::string entity = end == std::string::npos ? "" : text.substr(i + 1, end - i - 1);
            if (entity != "lt" && entity != "gt" && entity != "amp" && entity != "quot" && !numeric_entity(entity)) {
                return "Character entity expected at byte offset " + std::to_string(i);
            }
            i = end;
        } else if (text[i] == '>') {
            return "Unexpected end tag at byte offset " + std::to_string(i);
        }
    }
    return "";
}

response telegram_fake::handle(const request& r, const std::string& token, const std::string& method,
                               clock::time_point now, double uptime) {
    if (token.empty() || token.find(':') == std::string::npos) return telegram_error(401, "Unauthorized");
    if (method == "getUpdates") return json_response(200, R"({"ok":true,"result":[]})");
    if (method == "getMe") {
        return json_response(200, R"({"ok":true,"result":{"id":1,"is_bot":true,"first_name":"sandbox","username":"sandbox_bot"}})");
    }
    if (method != "sendMessage") return telegram_error(404, "Not Found");

    auto p = telegram_params(r);
    if (!p.count("chat_id") || p["chat_id"].empty()) return telegram_error(400, "Bad Request: chat_id is empty");
    std::int64_t chat = 0;
    try {
        chat = std::stoll(p["chat_id"]);
    } catch (...) {
        return telegram_error(400, "Bad Request: chat not found");
    }
    const std::string text = p["text"];
    if (text.empty()) return telegram_error(400, "Bad Request: message text is empty");
    if (utf8_length(text) > 4096) return telegram_error(400, "Bad Request: message is too long");
    if (p["parse_mode"] == "HTML") {
        if (auto e = telegram_html_error(text); !e.empty()) {
            return telegram_error(400, "Bad Request: can't parse entities: " + e);
        }
    }
    if (missing_.count(chat)) return telegram_error(400, "Bad Request: chat not found");
    if (blocked_.count(chat)) return telegram_error(403, "Forbidden: bot was blocked by the user");

    if (storm_left_ > 0) {
        --storm_left_;
        ++storm_429_;
        return telegram_error(429, "Too Many Requests: retry after " + std::to_string(storm_retry_after_), storm_retry_after_);
    }
    // Flood control: 30 messages per second per bot, 1 per second per chat.
    auto& window = per_bot_[token];
    while (!window.empty() && now - window.front() >= std::chrono::seconds(1)) window.pop_front();
    if (window.size() >= per_bot_per_second) {
        ++rejected_429_;
        return telegram_error(429, "Too Many Requests: retry after 1", 1);
    }
    if (auto it = last_per_chat_.find(chat); it != last_per_chat_.end() && now - it->second < std::chrono::seconds(1)) {
        ++rejected_429_;
        return telegram_error(429, "Too Many Requests: retry after 1", 1);
    }
    window.push_back(now);
    last_per_chat_[chat] = now;
    telegram_message m{token, chat, text, p["parse_mode"], next_id_++, uptime};
    messages_.push_back(m);
    util::json_writer w;
    w.begin_object().key("ok").value(true).key("result").begin_object()
        .key("message_id").value(m.message_id)
        .key("chat").begin_object().key("id").value(chat).key("type").value("private").end_object()
        .key("date").value(static_cast<std::int64_t>(std::time(nullptr)))
        .key("text").value(text)
        .end_object().end_object();
    return json_response(200, w.take());
}

void telegram_fake::set_chat(std::int64_t chat_id, bool blocked, bool missing) {
    if (blocked) blocked_.insert(chat_id); else blocked_.erase(chat_id);
    if (missing) missing_.insert(chat_id); else missing_.erase(chat_id);
}

void telegram_fake::reset() {
    messages_.clear();
    per_bot_.clear();
    last_per_chat_.clear();
    blocked_.clear();
    missing_.clear();
    rejected_429_ = 0;
    storm_left_ = 0;
    storm_429_ = 0;
}

namespace {
response twilio_error(int status, int code, const std::string& message) {
    util::json_writer w;
    w.begin_object().key("code").value(code).key("message").value(message)
        .key("more_info").value("https://www.twilio.com/docs/errors/" + std::to_string(code))
        .key("status").value(status).end_object();
    return json_response(status, w.take());
}
bool is_e164(const std::string& s) {
    return s.size() >= 9 && s.size() <= 16 && s[0] == '+' && s[1] != '0' &&
           std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

response sms_fake::twilio(const request& r, const std::string& account_sid, double uptime) {
    const std::string auth = r.header("authorization");
    std::optional<std::string> decoded;
    if (auth.rfind("Basic ", 0) == 0) decoded = util::base64_decode(auth.substr(6));
    if (!decoded || decoded->find(':') == std::string::npos || decoded->substr(0, decoded->find(':')) != account_sid ||
        decoded->size() == account_sid.size() + 1) {
        return twilio_error(401, 20003, "Authenticate");
    }
    auto form = parse_form(r.body);
    if (form["To"].empty()) return twilio_error(400, 21604, "A 'To' phone number is required.");
    if (!is_e164(form["To"])) return twilio_error(400, 21211, "The 'To' number " + form["To"] + " is not a valid phone number.");
    if (form["From"].empty() && form["MessagingServiceSid"].empty()) {
        return twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
    }
    if (form["Body"].empty()) return twilio_error(400, 21602, "Message body is required.");
    if (utf8_length(form["Body"]) > 1600) return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    messages_.push_back({"twilio", form["To"], form["From"], form["Body"], "", uptime});
    char sid[40];
    std::snprintf(sid, sizeof sid, "SM%032llx", static_cast<unsigned long long>(next_++));
    util::json_writer w;
    w.begin_object().key("sid").value(sid).key("account_sid").value(account_sid).key("to").value(form["To"])
        .key("from").value(form["From"]).key("body").value(form["Body"]).key("status").value("queued")
        .key("num_segments").value("1").end_object();
    return json_response(201, w.take());
}

response sms_fake::msg91(const request& r, double uptime) {
    if (r.header("authkey").empty()) return json_response(401, R"({"type":"error","message":"Authentication failure"})");
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(r.body).get_object().get(obj) != simdjson::SUCCESS) {
        return json_response(400, R"({"type":"error","message":"Invalid JSON"})");
    }
    std::string_view template_id;
    if (obj["template_id"].get_string().get(template_id) != simdjson::SUCCESS || template_id.empty()) {
        return json_response(400, R"({"type":"error","message":"Template ID missing"})");
    }
    simdjson::dom::array recipients;
    if (obj["recipients"].get_array().get(recipients) != simdjson::SUCCESS || recipients.size() == 0) {
        return json_response(400, R"({"type":"error","message":"Recipients missing"})");
    }
    for (auto rec : recipients) {
        std::string_view mobiles;
        if (rec["mobiles"].get_string().get(mobiles) != simdjson::SUCCESS || mobiles.empty()) {
            return json_response(400, R"({"type":"error","message":"Mobile number missing"})");
        }
        messages_.push_back({"msg91", std::string(mobiles), "", simdjson::minify(rec), std::string(template_id), uptime});
    }
    char id[32];
    std::snprintf(id, sizeof id, "%024llx", static_cast<unsigned long long>(next_++));
    return json_response(200, std::string(R"({"type":"success","message":")") + id + "\"}");
}

response hook_fake::handle(const request& r, const std::string& name, double uptime, std::int64_t unix_now) {
    hook_config& h = hooks_[name];
    hook_delivery d;
    d.headers = r.headers;
    d.body = r.body;
    d.at = uptime;
    if (!h.secret.empty()) {
        auto key = webhook::decode_secret(h.secret);
        auto v = key ? webhook::verify(*key, r.header("webhook-id"), r.header("webhook-timestamp"), r.body,
                                       r.header("webhook-signature"), unix_now)
                     : webhook::verdict::mismatch;
        d.verified = v == webhook::verdict::valid;
        static const char* names[] = {"valid", "no_signature", "mismatch", "stale_timestamp", "bad_timestamp"};
        d.verify_result = names[static_cast<int>(v)];
    }
    d.status = h.next < h.script.size() ? h.script[h.next++] : 200;
    h.received.push_back(d);
    response out = json_response(d.status, d.status < 300 ? R"({"ok":true})" : R"({"ok":false})");
    if (d.status == 429 || d.status == 503) out.header("retry-after", "1");
    out.delay = h.delay;
    return out;
}

const hook_config* hook_fake::find(const std::string& name) const {
    auto it = hooks_.find(name);
    return it == hooks_.end() ? nullptr : &it->second;
}

}  // namespace cowin::sandbox
