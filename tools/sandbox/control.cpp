// The control API under /sandbox/v1/: what tests, the demo and operators use to script the outside
// world. Bodies are JSON; a bad one gets 400 with {"error": "..."} and changes nothing.
#include <simdjson.h>

#include <charconv>
#include <set>

#include "app.hpp"
#include "config/duration.hpp"
#include "util/json_writer.hpp"

namespace cowin::sandbox {

namespace {

/// A JSON object body with typed, checked access; remembers the first problem.
class body_reader {
public:
    explicit body_reader(const std::string& text, std::set<std::string> allowed) {
        if (text.empty()) {
            ok_ = true;
            return;
        }
        if (parser_.parse(text).get_object().get(obj_) != simdjson::SUCCESS) {
            error_ = "body is not a JSON object";
            return;
        }
        ok_ = true;
        for (auto [k, v] : obj_) {
            if (!allowed.count(std::string(k))) {
                error_ = "unknown field '" + std::string(k) + "'";
                return;
            }
        }
        empty_ = false;
    }
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    std::optional<std::int64_t> integer(const char* key) {
        simdjson::dom::element e;
        if (empty_ || obj_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
        std::int64_t v = 0;
        if (e.get_int64().get(v) != simdjson::SUCCESS) {
            fail(std::string(key) + " must be an integer");
            return std::nullopt;
        }
        return v;
    }
    std::optional<std::string> string(const char* key) {
        simdjson::dom::element e;
        if (empty_ || obj_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
        std::string_view v;
        if (e.get_string().get(v) != simdjson::SUCCESS) {
            fail(std::string(key) + " must be a string");
            return std::nullopt;
        }
        return std::string(v);
    }
    std::optional<bool> boolean(const char* key) {
        simdjson::dom::element e;
        if (empty_ || obj_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
        bool v = false;
        if (e.get_bool().get(v) != simdjson::SUCCESS) {
            fail(std::string(key) + " must be true or false");
            return std::nullopt;
        }
        return v;
    }
    std::optional<std::vector<int>> int_list(const char* key) {
        simdjson::dom::element e;
        if (empty_ || obj_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
        simdjson::dom::array arr;
        if (e.get_array().get(arr) != simdjson::SUCCESS) {
            fail(std::string(key) + " must be a list of integers");
            return std::nullopt;
        }
        std::vector<int> out;
        for (auto item : arr) {
            std::int64_t v = 0;
            if (item.get_int64().get(v) != simdjson::SUCCESS) {
                fail(std::string(key) + " must be a list of integers");
                return std::nullopt;
            }
            out.push_back(static_cast<int>(v));
        }
        return out;
    }
    void fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
    }

private:
    simdjson::dom::parser parser_;
    simdjson::dom::object obj_;
    bool ok_ = false;
    bool empty_ = true;
    std::string error_;
};

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        auto slash = path.find('/');
        parts.emplace_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    return parts;
}

}  // namespace

response app::control(const request& r) {
    // parts: sandbox v1 <resource> ...
    const auto parts = split_path(r.path);
    if (parts.size() < 3) return json_error(404, "no such control resource");
    const std::string& what = parts[2];
    const std::string& m = r.method;

    if (what == "sessions" && parts.size() == 4 && parts[3] == "open" && m == "POST") {
        body_reader b(r.body, {"district_id", "pincode", "center_id", "count", "capacity", "dose", "min_age_limit",
                               "max_age_limit", "vaccine", "fee_type", "date"});
        open_request o;
        if (auto v = b.integer("district_id")) o.district_id = *v;
        if (auto v = b.integer("pincode")) o.pincode = static_cast<int>(*v);
        if (auto v = b.integer("center_id")) o.center_id = *v;
        if (auto v = b.integer("count")) o.count = static_cast<int>(*v);
        if (auto v = b.integer("capacity")) o.capacity = static_cast<int>(*v);
        if (auto v = b.integer("dose")) o.dose = static_cast<int>(*v);
        if (auto v = b.integer("min_age_limit")) o.min_age_limit = static_cast<int>(*v);
        if (auto v = b.integer("max_age_limit")) o.max_age_limit = static_cast<int>(*v);
        if (auto v = b.string("vaccine")) o.vaccine = *v;
        if (auto v = b.string("fee_type")) o.fee_type = *v;
        if (auto v = b.string("date")) {
            o.date = api::parse_cowin_date(*v);
            if (!o.date) b.fail("date must be DD-MM-YYYY");
        }
        if (!b.ok()) return json_error(400, b.error());
        if (o.count < 1 || o.count > 1000) return json_error(400, "count must be between 1 and 1000");
        if (o.capacity < 0 || o.capacity > 100000) return json_error(400, "capacity must be between 0 and 100000");
        if (o.dose < 0 || o.dose > 2) return json_error(400, "dose must be 0 (both), 1 or 2");
        if (o.fee_type != "Free" && o.fee_type != "Paid") return json_error(400, "fee_type must be Free or Paid");
        if (!o.district_id && !o.pincode && !o.center_id) return json_error(400, "give district_id, pincode or center_id");
        std::string error;
        auto made = world_.open(o, today_in_india(), error);
        if (!error.empty()) return json_error(400, error);
        util::json_writer w;
        w.begin_object().key("sessions").begin_array();
        for (const auto& s : made) {
            w.begin_object().key("session_id").value(s.session_id).key("center_id").value(s.center_id)
                .key("date").value(api::to_cowin(s.date)).end_object();
        }
        w.end_array().end_object();
        return json_response(200, w.take());
    }
    if (what == "sessions" && parts.size() == 4 && m == "PATCH") {
        body_reader b(r.body, {"available_capacity", "available_capacity_dose1", "available_capacity_dose2"});
        auto total = b.integer("available_capacity");
        auto d1 = b.integer("available_capacity_dose1");
        auto d2 = b.integer("available_capacity_dose2");
        if (!b.ok()) return json_error(400, b.error());
        auto narrow = [](std::optional<std::int64_t> v) { return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt; };
        if (!world_.patch(parts[3], narrow(d1), narrow(d2), narrow(total))) return json_error(404, "no session " + parts[3]);
        return json_response(200, R"({"ok":true})");
    }
    if (what == "sessions" && parts.size() == 5 && parts[4] == "close" && m == "POST") {
        if (!world_.close(parts[3])) return json_error(404, "no session " + parts[3]);
        return json_response(200, R"({"ok":true})");
    }
    if (what == "churn" && parts.size() == 3 && m == "POST") {
        body_reader b(r.body, {"paused"});
        auto paused = b.boolean("paused");
        if (!b.ok()) return json_error(400, b.error());
        if (!paused) return json_error(400, "paused must be true or false");
        churn_paused_ = *paused;
        return json_response(200, R"({"ok":true})");
    }
    if (what == "faults" && parts.size() == 3 && m == "POST") {
        body_reader b(r.body, {"endpoint", "mode", "count", "delay"});
        auto endpoint = b.string("endpoint");
        auto mode = b.string("mode");
        auto n = b.integer("count");
        auto delay = b.string("delay");
        if (!b.ok()) return json_error(400, b.error());
        static const std::map<std::string, fault::mode> modes{
            {"truncated", fault::mode::truncated}, {"invalid", fault::mode::invalid}, {"http500", fault::mode::http500},
            {"http401", fault::mode::http401},     {"stall", fault::mode::stall},     {"slow", fault::mode::slow},
            {"huge", fault::mode::huge},           {"blocked", fault::mode::blocked},   {"http429", fault::mode::http429},
            {"reset", fault::mode::reset},         {"wrong_types", fault::mode::wrong_types}};
        static const std::set<std::string> endpoints{"calendarByDistrict", "calendarByPin", "calendarByCenter",
                                                     "findByPin", "findByDistrict", "states", "districts"};
        if (!endpoint || !endpoints.count(*endpoint)) return json_error(400, "endpoint must name a CoWIN endpoint");
        if (!mode || !modes.count(*mode)) return json_error(400, "mode must be truncated, invalid, http500, http401, http429, stall, slow, huge, blocked, reset or wrong_types");
        fault f;
        f.what = modes.at(*mode);
        f.count = static_cast<int>(n.value_or(1));
        if (f.count < 1) return json_error(400, "count must be at least 1");
        if (delay) {
            auto d = config::parse_duration(*delay);
            if (!d) return json_error(400, "delay must be a duration such as \"2s\"");
            f.delay = *d;
        }
        faults_[*endpoint].push_back(f);
        return json_response(200, R"({"ok":true})");
    }
    if (what == "hooks" && parts.size() == 4 && m == "PUT") {
        body_reader b(r.body, {"secret", "script", "delay"});
        auto secret = b.string("secret");
        auto script = b.int_list("script");
        auto delay = b.string("delay");
        if (!b.ok()) return json_error(400, b.error());
        hook_config& h = hooks_.configure(parts[3]);
        if (secret) {
            if (secret->rfind("whsec_", 0) != 0) return json_error(400, "secret must start with whsec_");
            h.secret = *secret;
        }
        if (script) {
            for (int s : *script) {
                if (s < 100 || s > 599) return json_error(400, "script holds HTTP statuses (100-599)");
            }
            h.script = *script;
            h.next = 0;
        }
        if (delay) {
            auto d = config::parse_duration(*delay);
            if (!d) return json_error(400, "delay must be a duration such as \"2s\"");
            h.delay = *d;
        }
        return json_response(200, R"({"ok":true})");
    }
    if (what == "hooks" && parts.size() == 4 && m == "GET") {
        util::json_writer w;
        w.begin_object().key("deliveries").begin_array();
        if (const hook_config* h = hooks_.find(parts[3])) {
            for (const auto& d : h->received) {
                auto header = [&](const char* k) {
                    auto it = d.headers.find(k);
                    return it == d.headers.end() ? std::string{} : it->second;
                };
                w.begin_object().key("webhook_id").value(header("webhook-id"))
                    .key("webhook_timestamp").value(header("webhook-timestamp"))
                    .key("webhook_signature").value(header("webhook-signature"))
                    .key("content_type").value(header("content-type"))
                    .key("user_agent").value(header("user-agent"));
                w.key("verified");
                if (d.verified) w.value(*d.verified); else w.null();
                w.key("verify_result").value(d.verify_result).key("status").value(d.status).key("at").value(d.at)
                    .key("body").value(d.body).end_object();
            }
        }
        w.end_array().end_object();
        return json_response(200, w.take());
    }
    if (what == "telegram" && parts.size() == 4 && parts[3] == "messages" && m == "GET") {
        util::json_writer w;
        w.begin_object().key("messages").begin_array();
        for (const auto& msg : telegram_.messages()) {
            w.begin_object().key("chat_id").value(msg.chat_id).key("text").value(msg.text).key("parse_mode").value(msg.parse_mode)
                .key("message_id").value(msg.message_id).key("at").value(msg.at).end_object();
        }
        w.end_array().key("rejected_429").value(telegram_.rejected_429()).key("storm_429").value(telegram_.storm_429()).end_object();
        return json_response(200, w.take());
    }
    if (what == "telegram" && parts.size() == 4 && parts[3] == "storm" && m == "POST") {
        body_reader b(r.body, {"count", "retry_after"});
        auto n = b.integer("count");
        auto after = b.integer("retry_after");
        if (!b.ok()) return json_error(400, b.error());
        if (!n || *n < 1 || *n > 100000) return json_error(400, "count must be 1 to 100000");
        if (after && (*after < 1 || *after > 3600)) return json_error(400, "retry_after must be 1 to 3600 seconds");
        telegram_.storm(static_cast<int>(*n), static_cast<int>(after.value_or(1)));
        return json_response(200, R"({"ok":true})");
    }
    if (what == "telegram" && parts.size() == 5 && parts[3] == "chats" && m == "PUT") {
        std::int64_t chat = 0;
        auto [end, ec] = std::from_chars(parts[4].data(), parts[4].data() + parts[4].size(), chat);
        if (ec != std::errc{} || end != parts[4].data() + parts[4].size()) return json_error(400, "chat id must be an integer");
        body_reader b(r.body, {"blocked", "missing"});
        auto blocked_flag = b.boolean("blocked");
        auto missing_flag = b.boolean("missing");
        if (!b.ok()) return json_error(400, b.error());
        telegram_.set_chat(chat, blocked_flag.value_or(false), missing_flag.value_or(false));
        return json_response(200, R"({"ok":true})");
    }
    if (what == "sms" && parts.size() == 4 && parts[3] == "messages" && m == "GET") {
        util::json_writer w;
        w.begin_object().key("messages").begin_array();
        for (const auto& msg : sms_.messages()) {
            w.begin_object().key("provider").value(msg.provider).key("to").value(msg.to).key("from").value(msg.from)
                .key("body").value(msg.body).key("template_id").value(msg.template_id).key("at").value(msg.at).end_object();
        }
        w.end_array().end_object();
        return json_response(200, w.take());
    }
    if (what == "stats" && parts.size() == 3 && m == "GET") {
        util::json_writer w;
        w.begin_object().key("calls").begin_object();
        std::int64_t total = 0;
        for (const auto& [endpoint, by_status] : calls_) {
            w.key(endpoint).begin_object();
            for (const auto& [status, n] : by_status) {
                w.key(std::to_string(status)).value(n);
                total += n;
            }
            w.end_object();
        }
        w.end_object().key("total_calls").value(total).key("rejections").begin_object();
        for (const auto& [reason, n] : rejections_) w.key(reason).value(n);
        w.end_object().key("served").begin_object();
        for (const auto& [district, times] : served_) {
            w.key(std::to_string(district)).begin_array();
            for (double t : times) w.value(t);
            w.end_array();
        }
        w.end_object().key("last_request").begin_object();
        for (const auto& [endpoint, req] : last_request_) {
            w.key(endpoint).begin_object().key("target").value(req.first).key("user_agent").value(req.second).end_object();
        }
        w.end_object().end_object();
        return json_response(200, w.take());
    }
    if (what == "reset" && parts.size() == 3 && m == "POST") {
        world_.reset();
        telegram_.reset();
        sms_.reset();
        hooks_.reset();
        calls_by_ip_.clear();
        cache_.clear();
        faults_.clear();
        calls_.clear();
        rejections_.clear();
        served_.clear();
        last_request_.clear();
        return json_response(200, R"({"ok":true})");
    }
    return json_error(404, "no control resource " + m + " " + r.path);
}

}  // namespace cowin::sandbox
