// Reliability scenario 3 (DESIGN.md §9): CoWIN misbehaving in every way it did in 2021, one fault after
// another, while a subscriber waits. The daemon must stay up, keep its memory, never spend more than
// the budget (the sandbox counts rate-limit rejections), alert nobody while nothing opened, and still
// alert exactly once when something does.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace cowin {
namespace {

using namespace std::chrono_literals;
using test::background_process;

TEST(reliability, cowin_faults_in_sequence_leave_the_daemon_up_within_budget_and_without_false_alerts) {
    background_process sandbox(test::district_363_sandbox(),
                               "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    ASSERT_EQ(control.request("PUT", "/sandbox/v1/hooks/r", R"({"secret":")" + secret + R"("})").status, 200);
    test::temp_dir dir;
    const std::string base = "http://127.0.0.1:" + std::to_string(sandbox.port());
    const std::string path = dir.write(
        "c.yaml", "cowin:\n  base_url: " + base + "/api\n  user_agent: \"Mozilla/5.0 cowin-notifier-test\"\n" +
                      "  rate_limit: { calls: 600, period: 1m }\n  timeout: 1s\n  block_backoff: 2s\n  block_backoff_max: 4s\n" +
                      "poll:\n  min_interval: 1s\nstate:\n  backend: memory\nadmin:\n  listen: 127.0.0.1:0\n  token: t\n" +
                      "subscriptions:\n  - id: waiting\n    district_id: 363\n    vaccines: [SPUTNIK V]\n    notify:\n" +
                      "      webhook: { url: \"" + base + "/hooks/r\", secret: \"" + secret + "\" }\n");
    background_process notifier({COWIN_NOTIFIER_BIN, "--config", path}, "starting:", dir.file("log"));
    ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
    const double rss_before = test::rss_mb(notifier.pid());

    // Each fault, then a good answer, before the next: every one is met and survived. A reset on a
    // kept-alive connection is retried once on a fresh one (the server may simply have closed it), so
    // it comes twice to be seen.
    struct step {
        const char* mode;
        int count;
        const char* evidence;
    };
    const step faults[] = {
        {"blocked", 1, "CoWIN blocked the poll"}, {"truncated", 1, "unparsable response dropped"},
        {"http500", 1, ": http 500,"},            {"invalid", 1, "unparsable response dropped"},
        {"stall", 1, "timed out"},                {"huge", 1, "body over"},
        {"http401", 1, "http 401"},               {"blocked", 1, "likely cause"},
        {"http429", 1, "pausing every call for 3s"}, {"reset", 2, "poll district 363: connection reset"},
        {"wrong_types", 1, "unparsable response dropped"},
    };
    for (const auto& f : faults) {
        SCOPED_TRACE(f.mode);
        const std::size_t seen = notifier.count_output(f.evidence);
        const std::size_t good = notifier.count_output("poll district 363: unchanged");
        // http429's delay is its Retry-After: longer than block_backoff, so the pause must follow it.
        ASSERT_EQ(control.request("POST", "/sandbox/v1/faults",
                                  std::string(R"({"endpoint":"calendarByDistrict","delay":"3s","count":)") +
                                      std::to_string(f.count) + R"(,"mode":")" + f.mode + "\"}").status,
                  200);
        ASSERT_TRUE(notifier.wait_for_count(f.evidence, seen + 1)) << notifier.output();
        ASSERT_TRUE(notifier.wait_for_count("poll district 363: unchanged", good + 1)) << notifier.output();
    }
    // Then mixed: four faults queued at once, met by consecutive polls (the reset's fresh retry meets
    // the next one), then good answers again. Few, as each failure in a row doubles the target's
    // backoff (5 s, 10 s, 20 s, ...).
    const auto faults_served = [&] {
        simdjson::dom::parser sp;
        const std::string stats = control.get("/sandbox/v1/stats").body;
        return sp.parse(stats)["rejections"]["fault"].get_int64().value_unsafe();
    };
    const std::int64_t served_before = faults_served();
    const std::pair<const char*, int> mixed[] = {{"http500", 1}, {"reset", 1}, {"wrong_types", 1}, {"http429", 1}};
    for (auto [mode, n] : mixed) {
        ASSERT_EQ(control.request("POST", "/sandbox/v1/faults",
                                  std::string(R"({"endpoint":"calendarByDistrict","delay":"1s","count":)") + std::to_string(n) +
                                      R"(,"mode":")" + mode + "\"}").status,
                  200);
    }
    ASSERT_TRUE(test::wait_until([&] { return faults_served() == served_before + 4; }, 60s)) << notifier.output();
    const std::size_t good = notifier.count_output("poll district 363: unchanged");
    ASSERT_TRUE(notifier.wait_for_count("poll district 363: unchanged", good + 1)) << notifier.output();
    const double rss_after = test::rss_mb(notifier.pid());
    simdjson::dom::parser p;
    const std::string before_opening = control.get("/sandbox/v1/hooks/r").body;
    const std::size_t false_alerts = p.parse(before_opening)["deliveries"].get_array().size();

    // Now something opens: one alert, exactly.
    ASSERT_EQ(control.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"vaccine":"SPUTNIK V","capacity":5})").status,
              200);
    auto deliveries = [&] {
        const std::string body = control.get("/sandbox/v1/hooks/r").body;
        return p.parse(body)["deliveries"].get_array().size();
    };
    ASSERT_TRUE(test::wait_until([&] { return deliveries() > 0; }, 30s)) << notifier.output();
    // Two more polls: a second alert for the same opening would have come by now.
    ASSERT_TRUE(notifier.wait_for_count("poll district 363", notifier.count_output("poll district 363") + 2));
    const std::string hooks = control.get("/sandbox/v1/hooks/r").body;
    const std::size_t delivered = p.parse(hooks)["deliveries"].get_array().size();
    const std::string stats = control.get("/sandbox/v1/stats").body;
    simdjson::dom::element s = p.parse(stats).value();
    const bool over_budget = !s["rejections"]["rate_limit"].error();

    std::printf("cowin faults: %zu in sequence and 4 mixed survived; alerts expected 1, delivered %zu, lost %d, "
                "duplicates %zu, false %zu; "
                "RSS %.0f MB before, %.0f MB after; calls over CoWIN's limit: %s\n",
                std::size(faults), delivered, delivered == 0 ? 1 : 0, delivered > 1 ? delivered - 1 : 0, false_alerts, rss_before, rss_after,
                over_budget ? "some" : "none");
    EXPECT_EQ(false_alerts, 0u) << before_opening;
    EXPECT_EQ(delivered, 1u) << hooks;
    EXPECT_FALSE(over_budget) << stats;
    EXPECT_LT(rss_after, rss_before + 100) << "a 20 MB answer must not stay in memory";
    EXPECT_EQ(notifier.stop(), 0) << notifier.output();
}

}  // namespace
}  // namespace cowin
