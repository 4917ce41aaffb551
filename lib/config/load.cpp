#include "config/load.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "config/subscription_reader.hpp"
#include "config/validators.hpp"
#include "config/yaml_reader.hpp"

namespace cowin::config {

namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

void read_url(map_reader& m, std::string_view key, std::string& out) {
    m.get(key, out);
    if (auto v = check::http_url(out); v && m.has(key)) m.reader().expected(m.take(key), m.mark_of(key), m.path_of(key), *v);
}

void read_cowin(map_reader& root, cowin_settings& c) {
    map_reader m(root.reader(), root.take("cowin"), "cowin", root.mark());
    read_url(m, "base_url", c.base_url);
    m.get_secret("api_key", c.api_key);
    m.get("user_agent", c.user_agent);
    m.get("accept_language", c.accept_language);
    m.get("timeout", c.timeout, 100ms, 5min);
    m.get("ca_file", c.ca_file);
    {
        map_reader rl(m.reader(), m.take("rate_limit"), "cowin.rate_limit", m.mark());
        rl.get("calls", c.rate_limit.calls, 1, 10000);
        rl.get("period", c.rate_limit.period, 1s, 24h);
    }
    m.get("block_backoff", c.block_backoff, 1s, 24h);
    m.get("block_backoff_max", c.block_backoff_max, 1s, 7 * 24h);
    m.get("weeks_ahead", c.weeks_ahead, 1, 2);
    if (c.block_backoff > c.block_backoff_max) {
        m.reader().error(m.mark_of("block_backoff"), "cowin.block_backoff",
                         "expected at most cowin.block_backoff_max, got a longer duration");
    }
}

void read_poll(map_reader& root, poll_settings& p) {
    map_reader m(root.reader(), root.take("poll"), "poll", root.mark());
    m.get("min_interval", p.min_interval, 1s, 24h);
    if (YAML::Node n = m.take("districts")) {
        if (!n.IsSequence()) {
            m.reader().expected(n, m.mark_of("districts"), "poll.districts", "a list of district ids");
        } else {
            for (std::size_t i = 0; i < n.size(); ++i) {
                if (auto v = m.reader().to_int(n[i], m.mark_of("districts"), "poll.districts[" + std::to_string(i) + "]",
                                               1, 99999)) {
                    p.districts.push_back(*v);
                }
            }
        }
    }
    m.get_enum("weighting", p.weighting, {{"equal", poll_weighting::equal}, {"subscribers", poll_weighting::subscribers}});
}

void read_state(map_reader& root, state_settings& s) {
    map_reader m(root.reader(), root.take("state"), "state", root.mark());
    m.get_enum("backend", s.backend, {{"redis", state_backend::redis}, {"memory", state_backend::memory}});
    map_reader r(m.reader(), m.take("redis"), "state.redis", m.mark());
    r.get("host", s.redis.host);
    r.get("port", s.redis.port, 1, 65535);
    r.get("db", s.redis.db, 0, 15);
    r.get_secret("password", s.redis.password);
    r.get("key_prefix", s.redis.key_prefix);
}

void read_admin(map_reader& root, admin_settings& a) {
    map_reader m(root.reader(), root.take("admin"), "admin", root.mark());
    m.get("listen", a.listen);
    if (auto v = check::listen_address(a.listen); v && m.has("listen")) {
        m.reader().expected(m.take("listen"), m.mark_of("listen"), "admin.listen", *v);
    }
    m.get_secret("token", a.token);
}

void read_retry_schedule(map_reader& m, std::vector<milliseconds>& out) {
    YAML::Node n = m.take("retry_schedule");
    if (!n) return;
    if (!n.IsSequence() || n.size() > 20) {
        m.reader().expected(n, m.mark_of("retry_schedule"), "delivery.retry_schedule", "a list of at most 20 durations");
        return;
    }
    out.clear();
    for (std::size_t i = 0; i < n.size(); ++i) {
        if (auto d = m.reader().to_duration(n[i], m.mark_of("retry_schedule"),
                                            "delivery.retry_schedule[" + std::to_string(i) + "]", 0ms, 24h)) {
            out.push_back(*d);
        }
    }
}

void read_delivery(map_reader& root, delivery_settings& d) {
    map_reader m(root.reader(), root.take("delivery"), "delivery", root.mark());
    read_retry_schedule(m, d.retry_schedule);
    m.get("alert_ttl", d.alert_ttl, 1s, 24h);
    m.get("audit_max_entries", d.audit_max_entries, 1000, 100'000'000);
    {
        map_reader w(m.reader(), m.take("webhook"), "delivery.webhook", m.mark());
        w.get("timeout", d.webhook.timeout, 100ms, 5min);
        w.get("max_in_flight_per_host", d.webhook.max_in_flight_per_host, 1, 1024);
    }
    {
        map_reader t(m.reader(), m.take("telegram"), "delivery.telegram", m.mark());
        read_url(t, "api_url", d.telegram.api_url);
        t.get_secret("bot_token", d.telegram.bot_token);
        t.get("messages_per_second", d.telegram.messages_per_second, 1, 30);
    }
    map_reader s(m.reader(), m.take("sms"), "delivery.sms", m.mark());
    s.get_enum("provider", d.sms.provider, {{"twilio", sms_provider::twilio}, {"msg91", sms_provider::msg91}});
    {
        map_reader t(s.reader(), s.take("twilio"), "delivery.sms.twilio", s.mark());
        read_url(t, "api_url", d.sms.twilio.api_url);
        t.get("account_sid", d.sms.twilio.account_sid);
        t.get_secret("auth_token", d.sms.twilio.auth_token);
        t.get("from", d.sms.twilio.from);
    }
    map_reader g(s.reader(), s.take("msg91"), "delivery.sms.msg91", s.mark());
    read_url(g, "api_url", d.sms.msg91.api_url);
    g.get_secret("auth_key", d.sms.msg91.auth_key);
    g.get("template_id", d.sms.msg91.template_id);
}

void read_log(map_reader& root, log_settings& l) {
    map_reader m(root.reader(), root.take("log"), "log", root.mark());
    m.get_enum("level", l.level,
               {{"error", log::level::error}, {"warning", log::level::warning}, {"notice", log::level::notice},
                {"info", log::level::info}, {"debug", log::level::debug}});
}

void read_subscriptions(map_reader& root, config& c) {
    YAML::Node n = root.take("subscriptions");
    if (!n) return;
    yaml_reader& r = root.reader();
    if (!n.IsSequence()) {
        r.expected(n, root.mark_of("subscriptions"), "subscriptions", "a list of subscriptions");
        return;
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < n.size(); ++i) {
        std::string path = "subscriptions[" + std::to_string(i) + "]";
        YAML::Mark at = mark_or(n[i], root.mark_of("subscriptions"));
        subscription s = read_subscription(r, n[i], path, at);
        if (!s.id.empty() && !ids.insert(s.id).second) {
            r.error(mark_or(n[i]["id"], at), path + ".id", "duplicate subscription id '" + s.id + "'");
        }
        c.subscriptions.push_back(std::move(s));
    }
}

// Rules that join two parts of the file: a channel used by a subscription needs its credentials.
void check_channels(yaml_reader& r, const YAML::Node& root, const config& c) {
    YAML::Mark at = mark_or(root["subscriptions"], root.Mark());
    notify_settings used;
    for (const auto& s : c.subscriptions) {
        if (s.notify.telegram) used.telegram = s.notify.telegram;
        if (s.notify.sms) used.sms = s.notify.sms;
    }
    for (const auto& m : missing_channel_setup(c.delivery, used)) {
        r.error(at, m.setting, "expected " + m.needs + ": a subscription notifies by " + m.channel);
    }
}

}  // namespace

std::vector<missing_setup> missing_channel_setup(const delivery_settings& d, const notify_settings& n) {
    std::vector<missing_setup> out;
    if (n.telegram && d.telegram.bot_token.empty()) {
        out.push_back({"notify.telegram", "delivery.telegram.bot_token", "a bot token (bot_token, bot_token_file or bot_token_env)",
                       "Telegram"});
    }
    if (n.sms && d.sms.provider == sms_provider::twilio) {
        const auto& t = d.sms.twilio;
        if (t.account_sid.empty() || t.auth_token.empty() || t.from.empty()) {
            out.push_back({"notify.sms", "delivery.sms.twilio", "account_sid, auth_token and from", "SMS through Twilio"});
        }
    }
    if (n.sms && d.sms.provider == sms_provider::msg91) {
        const auto& g = d.sms.msg91;
        if (g.auth_key.empty() || g.template_id.empty()) {
            out.push_back({"notify.sms", "delivery.sms.msg91", "auth_key and template_id", "SMS through MSG91"});
        }
    }
    return out;
}

namespace {
}  // namespace

load_result load_string(std::string_view yaml, const std::string& file_name) {
    load_result result;
    yaml_reader r(file_name, result.diag);
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        r.error(e.mark, "", "YAML syntax error: " + e.msg);
        return result;
    }
    config c;
    c.path = file_name;
    {
        YAML::Mark top;
        top.line = 0;
        top.column = 0;
        map_reader m(r, root, "", top);
        read_cowin(m, c.cowin);
        read_poll(m, c.poll);
        read_state(m, c.state);
        read_admin(m, c.admin);
        read_delivery(m, c.delivery);
        read_log(m, c.log);
        read_subscriptions(m, c);
    }
    if (root.IsMap()) check_channels(r, root, c);
    if (result.diag.errors.empty()) result.cfg = std::move(c);
    return result;
}

load_result load_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        load_result result;
        result.diag.errors.push_back({path, 1, 1, "", "cannot open the config file"});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return load_string(text.str(), path);
}

}  // namespace cowin::config
