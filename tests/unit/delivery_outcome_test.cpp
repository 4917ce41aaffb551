// How each receiver answer is settled, one row per class (DESIGN.md §5, reference/delivery.md), and
// the retry schedule.
#include <gtest/gtest.h>

#include "delivery/outcome.hpp"
#include "delivery/senders.hpp"
#include "delivery/worker.hpp"

namespace cowin::delivery {
namespace {

using kind = outcome::kind;
using namespace std::chrono_literals;

struct webhook_row {
    int status;
    const char* retry_after;
    const char* failure;
    kind want;
    std::optional<std::chrono::milliseconds> wait;
};

TEST(outcome, webhook_answers) {
    const webhook_row rows[] = {
        {200, "", "", kind::delivered, std::nullopt},
        {204, "", "", kind::delivered, std::nullopt},
        {301, "", "", kind::retry, std::nullopt},  // redirects are not followed
        {400, "", "", kind::retry, std::nullopt},
        {404, "", "", kind::retry, std::nullopt},
        {410, "", "", kind::gone, std::nullopt},
        {429, "7", "", kind::retry, 7s},
        {503, "120", "", kind::retry, 120s},
        {503, "soon", "", kind::retry, std::nullopt},
        {500, "", "", kind::retry, std::nullopt},
        {0, "", "timeout: no answer in 15s", kind::retry, std::nullopt},
        {0, "", "connect: refused", kind::retry, std::nullopt},
    };
    for (const auto& r : rows) {
        auto o = webhook_outcome(r.status, r.retry_after, r.failure);
        EXPECT_EQ(o.what, r.want) << r.status << " " << r.failure;
        EXPECT_EQ(o.retry_after, r.wait) << r.status;
        EXPECT_FALSE(o.detail.empty());
    }
    EXPECT_EQ(webhook_outcome(410, "", "").detail, "webhook answered 410 Gone");
}

TEST(outcome, telegram_answers) {
    EXPECT_EQ(telegram_outcome(200, R"({"ok":true,"result":{"message_id":1}})", "").what, kind::delivered);
    auto flood = telegram_outcome(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}})", "");
    EXPECT_EQ(flood.what, kind::retry);
    EXPECT_EQ(flood.retry_after, std::optional<std::chrono::milliseconds>(5s));
    EXPECT_EQ(telegram_outcome(403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})", "").what,
              kind::gone);
    EXPECT_EQ(telegram_outcome(403, R"({"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"})", "").what,
              kind::gone);
    EXPECT_EQ(telegram_outcome(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})", "").what,
              kind::gone);
    EXPECT_EQ(telegram_outcome(400, R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"})", "").what,
              kind::retry);
    EXPECT_EQ(telegram_outcome(502, "<html>Bad Gateway</html>", "").what, kind::retry);
    EXPECT_EQ(telegram_outcome(200, "not json", "").what, kind::retry);
    EXPECT_EQ(telegram_outcome(0, "", "reset: connection reset").what, kind::retry);
}

TEST(outcome, sms_answers) {
    EXPECT_EQ(sms_outcome(201, R"({"sid":"SM1"})", "", "").what, kind::delivered);
    EXPECT_EQ(sms_outcome(400, R"({"code":21211,"message":"Invalid 'To' Phone Number"})", "", "").what, kind::gone);
    EXPECT_EQ(sms_outcome(400, R"({"type":"error","message":"Invalid mobile number"})", "", "").what, kind::gone);
    auto limited = sms_outcome(429, "", "3", "");
    EXPECT_EQ(limited.what, kind::retry);
    EXPECT_EQ(limited.retry_after, std::optional<std::chrono::milliseconds>(3s));
    EXPECT_EQ(sms_outcome(500, "", "", "").what, kind::retry);
    EXPECT_EQ(sms_outcome(401, "", "", "").what, kind::retry);
}

TEST(outcome, retry_after_as_seconds_or_a_date) {
    const auto now = std::chrono::system_clock::from_time_t(1795774500);  // Fri, 27 Nov 2026 10:15:00 GMT
    EXPECT_EQ(parse_retry_after("30", now), std::optional<std::chrono::milliseconds>(30s));
    EXPECT_EQ(parse_retry_after("Fri, 27 Nov 2026 10:16:00 GMT", now), std::optional<std::chrono::milliseconds>(60s));
    EXPECT_EQ(parse_retry_after("Fri, 27 Nov 2026 10:00:00 GMT", now), std::optional<std::chrono::milliseconds>(0ms));
    EXPECT_EQ(parse_retry_after("", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("tomorrow", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("99999999", now), std::optional<std::chrono::milliseconds>(std::chrono::hours(24)));
}

TEST(retry_schedule, follows_the_steps_with_jitter_and_ends) {
    const std::vector<std::chrono::milliseconds> schedule{5s, 30s, 2min, 10min};
    EXPECT_EQ(worker::next_delay(schedule, 1, std::nullopt, 0.5), std::optional<std::chrono::milliseconds>(5s));
    EXPECT_EQ(worker::next_delay(schedule, 2, std::nullopt, 0.0), std::optional<std::chrono::milliseconds>(27s));
    EXPECT_EQ(worker::next_delay(schedule, 4, std::nullopt, 1.0), std::optional<std::chrono::milliseconds>(660s));
    EXPECT_EQ(worker::next_delay(schedule, 5, std::nullopt, 0.5), std::nullopt);  // dead-lettered
    // Retry-After is a floor, never shortened by the schedule.
    EXPECT_EQ(worker::next_delay(schedule, 1, 60s, 0.5), std::optional<std::chrono::milliseconds>(60s));
    EXPECT_EQ(worker::next_delay(schedule, 3, 1s, 0.5), std::optional<std::chrono::milliseconds>(2min));
    EXPECT_EQ(worker::next_delay({}, 1, std::nullopt, 0.5), std::nullopt);
}

// Webhooks share a slot limit per host: what before the path, query or fragment, port included.
TEST(webhook_host, is_what_the_url_names_before_its_path) {
    EXPECT_EQ(senders::host_of("https://hooks.example:8443/in/a?x=1"), "hooks.example:8443");
    EXPECT_EQ(senders::host_of("http://127.0.0.1:9000?x=/y"), "127.0.0.1:9000");
    EXPECT_EQ(senders::host_of("http://h.example#frag/x"), "h.example");
    EXPECT_EQ(senders::host_of("http://h.example"), "h.example");
    EXPECT_EQ(senders::host_of("h.example/x"), "h.example");
    EXPECT_EQ(senders::host_of("http://"), "");
}

}  // namespace
}  // namespace cowin::delivery
