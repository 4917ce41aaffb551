#pragma once
// The channel adapters: one attempt to deliver one alert to one subscription's receiver. Webhook
// (Standard Webhooks signed POST), Telegram (sendMessage, paced to the bot's limits), SMS (Twilio or
// MSG91) and the log. Base URLs come from the config, so tests point them at cowin-sandbox.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "delivery/alert.hpp"
#include "delivery/outcome.hpp"
#include "http/client.hpp"
#include "log/log.hpp"

namespace cowin::delivery {

class senders {
public:
    senders(http::client& client, config::delivery_settings settings, const log::logger& log)
        : client_(client), settings_(std::move(settings)), log_(log) {}

    boost::asio::awaitable<outcome> send(const alert& a, const config::subscription& to);
    /// New channel settings (a reload); pacing state is kept.
    void reconfigure(config::delivery_settings s) { settings_ = std::move(s); }

    /// "host:port" of a webhook URL, the unit of max_in_flight_per_host.
    static std::string host_of(const std::string& url);
    /// What a webhook attempt sends besides Host and Content-Length: the Standard Webhooks headers,
    /// signed at `unix_now` (seconds).
    static std::vector<std::pair<std::string, std::string>> webhook_headers(const alert& a, const config::webhook_target& t,
                                                                            std::int64_t unix_now);

private:
    boost::asio::awaitable<outcome> send_other(const alert& a, const config::subscription& to);
    boost::asio::awaitable<outcome> webhook(const alert& a, const config::webhook_target& t);
    boost::asio::awaitable<outcome> telegram(const alert& a, const config::telegram_target& t);
    boost::asio::awaitable<outcome> sms(const alert& a, const config::sms_target& t);
    /// Waits for this chat's and the bot's next free sending slot (<= messages_per_second overall,
    /// <= 1 per second per chat), reserving it before waiting so concurrent sends queue up fairly.
    boost::asio::awaitable<void> pace_telegram(std::int64_t chat);

    http::client& client_;
    config::delivery_settings settings_;
    const log::logger& log_;
    std::chrono::steady_clock::time_point bot_next_{};
    std::deque<std::chrono::steady_clock::time_point> bot_sent_;  ///< sends in the last window
    std::map<std::int64_t, std::chrono::steady_clock::time_point> chat_next_;  ///< per chat: next reservation
    std::map<std::int64_t, std::chrono::steady_clock::time_point> chat_sent_;  ///< per chat: last real send
};

}  // namespace cowin::delivery
