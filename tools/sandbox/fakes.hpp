#pragma once
// The delivery side of the outside world: Telegram's Bot API, Twilio, MSG91 and webhook receivers.
// Each keeps what it received and enforces the limits and errors that reference/delivery.md records.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http_types.hpp"

namespace cowin::sandbox {

struct telegram_message {
    std::string token;
    std::int64_t chat_id = 0;
    std::string text;
    std::string parse_mode;
    std::int64_t message_id = 0;
    double at = 0;  ///< seconds since the sandbox started
};

class telegram_fake {
public:
    /// POST /telegram/bot<token>/<method>.
    response handle(const request& r, const std::string& token, const std::string& method, clock::time_point now,
                    double uptime);
    void set_chat(std::int64_t chat_id, bool blocked, bool missing);
    /// The next `count` sendMessage calls get 429 with `retry_after` seconds, whatever the rate (a
    /// storm of Telegram's own making, as in its outages).
    void storm(int count, int retry_after) {
        storm_left_ = count;
        storm_retry_after_ = retry_after;
    }
    const std::vector<telegram_message>& messages() const { return messages_; }
    /// 429s for going over the limits (the sender's fault), and those of a storm.
    std::int64_t rejected_429() const { return rejected_429_; }
    std::int64_t storm_429() const { return storm_429_; }
    void reset();

    static constexpr int per_bot_per_second = 30;

private:
    std::vector<telegram_message> messages_;
    std::map<std::string, std::deque<clock::time_point>> per_bot_;
    std::map<std::int64_t, clock::time_point> last_per_chat_;
    std::set<std::int64_t> blocked_, missing_;
    std::int64_t next_id_ = 1;
    std::int64_t rejected_429_ = 0;
    int storm_left_ = 0;
    int storm_retry_after_ = 1;
    std::int64_t storm_429_ = 0;
};

/// Checks Telegram's HTML parse mode: only its tags, only &lt; &gt; &amp; &quot; and numeric entities.
/// Returns an error description, or "" when the text is acceptable.
std::string telegram_html_error(const std::string& text);

struct sms_message {
    std::string provider;  ///< "twilio" or "msg91"
    std::string to;
    std::string from;
    std::string body;      ///< Twilio's Body, or MSG91's variables as JSON
    std::string template_id;
    double at = 0;
};

class sms_fake {
public:
    response twilio(const request& r, const std::string& account_sid, double uptime);
    response msg91(const request& r, double uptime);
    const std::vector<sms_message>& messages() const { return messages_; }
    void reset() { messages_.clear(); }

private:
    std::vector<sms_message> messages_;
    std::int64_t next_ = 1;
};

struct hook_delivery {
    std::map<std::string, std::string> headers;
    std::string body;
    std::optional<bool> verified;  ///< set when the receiver has a secret
    std::string verify_result;
    int status = 0;                ///< what the receiver answered
    double at = 0;
};

struct hook_config {
    std::string secret;          ///< "whsec_..."; empty: no verification
    std::vector<int> script;     ///< statuses answered in turn; 200 after the last
    std::chrono::milliseconds delay{0};
    std::size_t next = 0;
    std::vector<hook_delivery> received;
};

class hook_fake {
public:
    response handle(const request& r, const std::string& name, double uptime, std::int64_t unix_now);
    hook_config& configure(const std::string& name) { return hooks_[name]; }
    const hook_config* find(const std::string& name) const;
    void reset() { hooks_.clear(); }

private:
    std::map<std::string, hook_config> hooks_;
};

}  // namespace cowin::sandbox
