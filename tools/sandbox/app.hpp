#pragma once
// Everything the sandbox does, as one function from request to response: the CoWIN API with its rate
// limit, User-Agent rule, CDN cache, gzip and injected faults; the delivery fakes; the control API.
// Single-threaded by design: the server calls it from one strand.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "fakes.hpp"
#include "http_types.hpp"
#include "world.hpp"

namespace cowin::sandbox {

struct app_settings {
    int rate_calls = 100;
    std::chrono::milliseconds rate_period = std::chrono::minutes(5);
    int blocked_status = 403;  ///< 403 (CloudFront page) or 429 (with Retry-After)
    bool require_user_agent = false;
    std::chrono::milliseconds cache_ttl{0};
    std::string blocked_page;  ///< CloudFront's 403 HTML, verbatim
};

struct fault {
    enum class mode { truncated, invalid, http500, http401, stall, slow, huge, blocked, http429, reset, wrong_types };
    mode what = mode::http500;
    int count = 1;
    std::chrono::milliseconds delay{5000};  ///< for slow; for http429, the Retry-After (whole seconds)
};

class app {
public:
    app(app_settings s, world w);

    response handle(const request& r, clock::time_point now);
    /// Serves a recorded calendar response's centres and sessions; "" or an error.
    std::string load_calendar(const std::string& json);
    /// Generates a district now rather than on its first request; false if there is no such district.
    bool prepare(std::int64_t district_id);
    /// Advances the dynamic mode: openings per district per minute.
    void churn(double per_minute, std::chrono::milliseconds step);

private:
    response cowin(const request& r, clock::time_point now);
    response cowin_answer(const request& r, const std::string& endpoint);
    response control(const request& r);
    response blocked(clock::time_point now, const std::deque<clock::time_point>& window);
    void count(const std::string& endpoint, int status);

    app_settings settings_;
    world world_;
    telegram_fake telegram_;
    sms_fake sms_;
    hook_fake hooks_;
    clock::time_point started_ = clock::now();
    std::mt19937 churn_rng_{7};
    bool churn_paused_ = false;  ///< POST /sandbox/v1/churn {"paused":true}: the world holds still

    std::map<std::string, std::deque<clock::time_point>> calls_by_ip_;
    struct cached {
        std::string body;
        int status = 200;
        clock::time_point at;
    };
    std::map<std::string, cached> cache_;
    std::map<std::string, std::deque<fault>> faults_;
    // stats
    std::map<std::string, std::map<int, std::int64_t>> calls_;
    std::map<std::string, std::int64_t> rejections_;
    std::map<std::int64_t, std::vector<double>> served_;
    std::map<std::string, std::pair<std::string, std::string>> last_request_;  ///< endpoint -> (query, user agent)
};

}  // namespace cowin::sandbox
