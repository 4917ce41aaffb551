#include "delivery/senders.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "log/redact.hpp"
#include "util/base64.hpp"
#include "util/json_writer.hpp"
#include "version.hpp"
#include "webhook/signature.hpp"

namespace cowin::delivery {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {
const std::string user_agent = std::string("cowin-notifier/") + cowin::version;
}  // namespace

std::string senders::host_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    // Once per attempt: a loop rather than find_first_of, which calls memchr for every character.
    const auto end = std::find_if(url.begin() + static_cast<std::ptrdiff_t>(std::min(start, url.size())), url.end(),
                                  [](char c) { return c == '/' || c == '?' || c == '#'; });
    return std::string(url.begin() + static_cast<std::ptrdiff_t>(std::min(start, url.size())), end);
}

// Not a coroutine itself: a webhook, nearly every delivery, is the webhook coroutine's frame alone.
net::awaitable<outcome> senders::send(const alert& a, const config::subscription& to) {
    if (a.via == channel::webhook && to.notify.webhook) return webhook(a, *to.notify.webhook);
    return send_other(a, to);
}

net::awaitable<outcome> senders::send_other(const alert& a, const config::subscription& to) {
    switch (a.via) {
        case channel::webhook:
            break;
        case channel::telegram:
            if (to.notify.telegram) co_return co_await telegram(a, *to.notify.telegram);
            break;
        case channel::sms:
            if (to.notify.sms) co_return co_await sms(a, *to.notify.sms);
            break;
        case channel::log:
            log_.notice("alert ", a.id, " for ", a.subscription_id, ": ", a.body);
            co_return outcome{outcome::kind::delivered, "logged", std::nullopt};
    }
    // The subscription no longer uses this channel: nothing to deliver, nothing to retry.
    co_return outcome{outcome::kind::delivered, "channel removed from the subscription", std::nullopt};
}

std::vector<std::pair<std::string, std::string>> senders::webhook_headers(const alert& a, const config::webhook_target& t,
                                                                          std::int64_t unix_now) {
    const auto key = webhook::decode_secret(t.secret);
    // Emplaced one by one: a braced list would build every string and then copy each into the vector,
    // and this runs once per delivery.
    std::vector<std::pair<std::string, std::string>> headers;
    headers.reserve(6);
    headers.emplace_back("Content-Type", "application/json");
    headers.emplace_back("User-Agent", user_agent);
    headers.emplace_back("webhook-id", a.id);
    headers.emplace_back("webhook-timestamp", std::to_string(unix_now));
    headers.emplace_back("webhook-signature", webhook::sign(key.value_or(""), a.id, unix_now, a.body));
    headers.emplace_back("Accept-Encoding", "identity");
    return headers;
}

net::awaitable<outcome> senders::webhook(const alert& a, const config::webhook_target& t) {
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto headers = webhook_headers(a, t, now);  // named: GCC 12 and temporaries in co_await
    auto r = co_await client_.request("POST", t.url, std::move(headers), a.body);
    co_return webhook_outcome(r.status, r.header("retry-after"),
                              r.ok() ? std::string_view{} : std::string(http::to_string(r.error)) + ": " + r.error_text);
}

net::awaitable<void> senders::pace_telegram(std::int64_t chat) {
    // Evenly spaced reservations first (fair among concurrent sends), then a check of what was really
    // sent in the last 1.05 s: a loop woken late must not release a burst. 5% under the limits (the
    // bot's and each chat's one per second), as Telegram counts arrivals and the network can bunch
    // them: a first message that waits for a connection arrives later than it left.
    const int limit = std::max(1, settings_.telegram.messages_per_second);
    const auto window = 1050ms;
    const auto spacing = std::chrono::duration_cast<std::chrono::steady_clock::duration>(window) / limit;
    auto now = std::chrono::steady_clock::now();
    auto at = std::max(now, bot_next_);
    auto& chat_at = chat_next_[chat];
    at = std::max(at, chat_at);
    bot_next_ = at + spacing;
    chat_at = at + window;
    if (chat_next_.size() > 100000) {
        for (auto it = chat_next_.begin(); it != chat_next_.end();) it = it->second < now ? chat_next_.erase(it) : std::next(it);
        for (auto it = chat_sent_.begin(); it != chat_sent_.end();) it = it->second + window < now ? chat_sent_.erase(it) : std::next(it);
    }
    net::steady_timer wait(co_await net::this_coro::executor);
    for (;;) {
        now = std::chrono::steady_clock::now();
        while (!bot_sent_.empty() && now - bot_sent_.front() >= window) bot_sent_.pop_front();
        // The chat's last message really left then (perhaps later than reserved, held by the bot's limit).
        auto last = chat_sent_.find(chat);
        const auto chat_free = last == chat_sent_.end() ? now : last->second + window;
        if (static_cast<int>(bot_sent_.size()) < limit && now >= at && now >= chat_free) break;
        auto until = static_cast<int>(bot_sent_.size()) < limit ? at : std::max(at, bot_sent_.front() + window);
        until = std::max(until, chat_free);
        wait.expires_at(until);
        co_await wait.async_wait(net::as_tuple(net::use_awaitable));
    }
    bot_sent_.push_back(now);
    chat_sent_[chat] = now;
}

net::awaitable<outcome> senders::telegram(const alert& a, const config::telegram_target& t) {
    co_await pace_telegram(t.chat_id);
    util::json_writer w;
    w.begin_object().key("chat_id").value(t.chat_id).key("text").value(a.text).key("parse_mode").value("HTML");
    w.key("disable_web_page_preview").value(true).end_object();
    const std::string url = settings_.telegram.api_url + "/bot" + settings_.telegram.bot_token.value + "/sendMessage";
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    auto r = co_await client_.request("POST", url, std::move(headers), w.take());
    co_return telegram_outcome(r.status, r.body,
                               r.ok() ? std::string_view{} : std::string(http::to_string(r.error)) + ": " + log::redact_url(r.error_text));
}

namespace {
std::string form_escape(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}
}  // namespace

net::awaitable<outcome> senders::sms(const alert& a, const config::sms_target& t) {
    http::response r;
    if (settings_.sms.provider == config::sms_provider::twilio) {
        const auto& tw = settings_.sms.twilio;
        const std::string url = tw.api_url + "/2010-04-01/Accounts/" + tw.account_sid + "/Messages.json";
        const std::string body = "To=" + form_escape(t.to) + "&From=" + form_escape(tw.from) + "&Body=" + form_escape(a.sms);
        std::vector<std::pair<std::string, std::string>> headers{
            {"Content-Type", "application/x-www-form-urlencoded"},
            {"Authorization", "Basic " + util::base64_encode(tw.account_sid + ":" + tw.auth_token.value)}};
        r = co_await client_.request("POST", url, std::move(headers), body);
    } else {
        const auto& m = settings_.sms.msg91;
        util::json_writer w;
        // MSG91 wants the number without "+"; the template carries the words, the alert its one variable.
        w.begin_object().key("template_id").value(m.template_id).key("short_url").value("0");
        w.key("recipients").begin_array().begin_object().key("mobiles").value(t.to.substr(t.to.starts_with('+') ? 1 : 0));
        w.key("alert").value(a.sms).end_object().end_array().end_object();
        std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"},
                                                                 {"authkey", m.auth_key.value}};
        r = co_await client_.request("POST", m.api_url + "/api/v5/flow", std::move(headers), w.take());
    }
    auto o = sms_outcome(r.status, r.body, r.header("retry-after"),
                         r.ok() ? std::string_view{} : std::string(http::to_string(r.error)) + ": " + r.error_text);
    if (o.what != outcome::kind::delivered) o.detail += " (to " + log::redact_phone(t.to) + ")";
    co_return o;
}

}  // namespace cowin::delivery
