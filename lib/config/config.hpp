#pragma once
// The configuration of one cowin-notifier process (DESIGN.md §4), as plain aggregates with defaults.
// Produced by config::load(); nothing here does I/O.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/secret.hpp"
#include "log/log.hpp"

namespace cowin::config {

using duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

struct rate_limit {
    /// Calls allowed per period, per egress IP (CoWIN: 100 per 5 minutes).
    int calls = 100;
    duration period = 5min;
};

struct cowin_settings {
    std::string base_url = "https://cdn-api.co-vin.in/api";
    /// Sent as x-api-key where set (protected APIs only).
    secret api_key;
    std::string user_agent = "Mozilla/5.0 (X11; Linux x86_64) cowin-notifier/0.1";
    std::string accept_language = "en_US";
    duration timeout = 10s;
    /// Extra trusted CA (PEM) besides the system store; TLS is always verified.
    std::string ca_file;
    struct rate_limit rate_limit;
    duration block_backoff = 5min;
    duration block_backoff_max = 30min;
    /// 1 or 2 calendar calls (7 days each) per target.
    int weeks_ahead = 1;
};

enum class poll_weighting {
    equal,        ///< every target is as important as any other
    subscribers,  ///< staleness is weighted by the number of subscribers of a target
};

struct poll_settings {
    duration min_interval = 30s;
    /// Districts polled even without subscribers.
    std::vector<std::int64_t> districts;
    poll_weighting weighting = poll_weighting::equal;
};

enum class state_backend {
    redis,   ///< durable; what production runs on
    memory,  ///< in-process; durable nothing
};

struct redis_settings {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    secret password;
    std::string key_prefix = "cowin:";
};

struct state_settings {
    state_backend backend = state_backend::redis;
    redis_settings redis;
};

struct admin_settings {
    std::string listen = "127.0.0.1:8080";
    secret token{.value = {}, .origin = {}, .file = "/etc/cowin-notifier/admin-token", .file_is_default = true};
};

struct webhook_settings {
    duration timeout = 15s;
    int max_in_flight_per_host = 32;
};

struct telegram_settings {
    std::string api_url = "https://api.telegram.org";
    secret bot_token;
    int messages_per_second = 30;
};

enum class sms_provider { twilio, msg91 };

struct twilio_settings {
    std::string api_url = "https://api.twilio.com";
    std::string account_sid;
    secret auth_token;
    std::string from;
};

struct msg91_settings {
    std::string api_url = "https://control.msg91.com";
    secret auth_key;
    std::string template_id;
};

struct sms_settings {
    sms_provider provider = sms_provider::twilio;
    twilio_settings twilio;
    msg91_settings msg91;
};

struct delivery_settings {
    /// Delays before the 2nd, 3rd, ... attempt; after the last one the alert is dead-lettered.
    std::vector<duration> retry_schedule{5s, 30s, 2min, 10min};
    duration alert_ttl = 15min;
    /// The audit trail keeps about this many attempts (Redis trims whole nodes, so a few more).
    std::int64_t audit_max_entries = 1'000'000;
    webhook_settings webhook;
    telegram_settings telegram;
    sms_settings sms;
};

struct log_settings {
    log::level level = log::level::info;
};

enum class fee_filter : std::uint8_t { any, free, paid };

struct webhook_target {
    std::string url;
    /// "whsec_" + base64 of the HMAC key, as Standard Webhooks gives it to consumers.
    std::string secret;
};

struct telegram_target {
    std::int64_t chat_id = 0;
};

struct sms_target {
    /// E.164, e.g. +919812345678.
    std::string to;
};

struct notify_settings {
    std::optional<webhook_target> webhook;
    std::optional<telegram_target> telegram;
    std::optional<sms_target> sms;
    /// Writes the alert as one JSON line to the log.
    bool log = false;

    bool any() const { return webhook || telegram || sms || log; }
};

/// One subscriber's wish (DESIGN.md §2, filter semantics).
struct subscription {
    std::string id;
    std::optional<std::int64_t> district_id;
    std::optional<std::string> pincode;
    std::optional<int> age;
    std::optional<int> dose;
    /// Upper-cased; empty means any vaccine.
    std::vector<std::string> vaccines;
    fee_filter fee_type = fee_filter::any;
    int min_capacity = 1;
    /// Only sessions within this many days from today; empty means the whole calendar.
    std::optional<int> days;
    std::vector<std::int64_t> center_ids;
    notify_settings notify;
};

struct config {
    /// The file this was loaded from; relative *_file paths resolve against its folder.
    std::string path;
    cowin_settings cowin;
    poll_settings poll;
    state_settings state;
    admin_settings admin;
    delivery_settings delivery;
    log_settings log;
    std::vector<subscription> subscriptions;
};

}  // namespace cowin::config
