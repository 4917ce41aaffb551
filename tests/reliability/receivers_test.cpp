// Reliability scenario 4 (DESIGN.md §9): receivers that fail then recover, stall past the timeout
// (10 s), are gone (410), throttle (429 + Retry-After), Telegram chats that blocked the bot and a
// storm of Telegram 429s. The healthy receivers, on another host, must not wait for any of them;
// every alert is delivered or dead-lettered, and the dead letters are exactly the ones expected.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <cstdio>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/hook_history.hpp"
#include "support/http_client.hpp"
#include "support/prometheus.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

namespace cowin {
namespace {

using namespace std::chrono_literals;
using test::background_process;

const char* const secret = test::webhook_secret;
constexpr int healthy = 50, flaky = 10, slow = 10, gone = 5, throttled = 10, chats = 20, blocked_chats = 3, storm = 10;

// "delivered <alert> to <sub> by webhook in N ms" of the healthy subscribers, in log order.
std::vector<double> healthy_latencies(const std::string& log) {
    std::vector<double> out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        const auto to = line.find(" to h");
        const auto in_at = line.find(" by webhook in ");
        if (line.find("delivered alt_") == std::string::npos || to == std::string::npos || in_at == std::string::npos) continue;
        out.push_back(std::stod(line.substr(in_at + 15)));
    }
    return out;
}

double p99(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(0.99 * static_cast<double>(v.size())))];
}

TEST(reliability, bad_receivers_do_not_hold_up_healthy_ones_and_dead_letters_are_exact) {
    test::redis_server redis;
    background_process cowin(test::district_363_sandbox(),
                             "listening on");
    background_process bad(test::sandbox_command(), "listening on");  // another host for the bad receivers
    test::http_client a("127.0.0.1", cowin.port()), b("127.0.0.1", bad.port());
    const std::string base_a = "http://127.0.0.1:" + std::to_string(cowin.port());
    const std::string base_b = "http://127.0.0.1:" + std::to_string(bad.port());
    auto put_hook = [&](test::http_client& c, const std::string& name, const std::string& extra) {
        ASSERT_EQ(c.request("PUT", "/sandbox/v1/hooks/" + name, std::string(R"({"secret":")") + secret + "\"" + extra + "}").status, 200);
    };
    put_hook(a, "healthy", "");
    put_hook(b, "slow", R"(,"delay":"10s")");

    std::string subs;
    for (int i = 0; i < healthy; ++i) subs += test::webhook_subscriber("h" + std::to_string(i), "SPUTNIK V, ZYCOV-D", base_a + "/hooks/healthy");
    for (int i = 0; i < flaky; ++i) {
        put_hook(b, "flaky" + std::to_string(i), R"(,"script":[500,500])");
        subs += test::webhook_subscriber("f" + std::to_string(i), "SPUTNIK V", base_b + "/hooks/flaky" + std::to_string(i));
    }
    for (int i = 0; i < slow; ++i) subs += test::webhook_subscriber("s" + std::to_string(i), "SPUTNIK V", base_b + "/hooks/slow");
    for (int i = 0; i < gone; ++i) {
        put_hook(b, "gone" + std::to_string(i), R"(,"script":[410])");
        subs += test::webhook_subscriber("g" + std::to_string(i), "SPUTNIK V", base_b + "/hooks/gone" + std::to_string(i));
    }
    for (int i = 0; i < throttled; ++i) {
        put_hook(b, "throttled" + std::to_string(i), R"(,"script":[429])");
        subs += test::webhook_subscriber("t" + std::to_string(i), "SPUTNIK V", base_b + "/hooks/throttled" + std::to_string(i));
    }
    for (int i = 0; i < chats; ++i) {
        subs += "  - id: c" + std::to_string(i) + "\n    district_id: 363\n    vaccines: [SPUTNIK V]\n    notify:\n" +
                "      telegram: { chat_id: " + std::to_string(1000 + i) + " }\n";
    }
    for (int i = 0; i < blocked_chats; ++i) {
        ASSERT_EQ(b.request("PUT", "/sandbox/v1/telegram/chats/" + std::to_string(1000 + i), R"({"blocked":true})").status, 200);
    }
    test::temp_dir dir;
    test::daemon_config cfg(cowin.port(), redis.port());
    cfg.delivery = "  retry_schedule: [1s, 2s]\n  webhook: { timeout: 2s, max_in_flight_per_host: 8 }\n"
                   "  telegram: { api_url: " + base_b + "/telegram, bot_token: \"123:abc\", messages_per_second: 25 }\n";
    cfg.subscriptions = subs;
    const std::string path = dir.write("c.yaml", cfg.yaml());
    background_process d({COWIN_NOTIFIER_BIN, "--config", path}, "starting:", dir.file("log"));
    ASSERT_TRUE(d.wait_for_output("poll district 363: ok")) << d.output();
    std::set<std::string> opened;
    auto open = [&](const char* vaccine) {
        auto r = a.request("POST", "/sandbox/v1/sessions/open", std::string(R"({"district_id":363,"capacity":9,"vaccine":")") + vaccine + "\"}");
        ASSERT_EQ(r.status, 200);
        simdjson::dom::parser sp;
        opened.insert(std::string(sp.parse(r.body)["sessions"].at(0)["session_id"].get_string().value()));
    };

    // Without the bad ones: ZYCOV-D only the healthy subscribers want.
    open("ZYCOV-D");
    ASSERT_TRUE(test::wait_until([&] { return healthy_latencies(d.output()).size() >= healthy; }, 30s)) << d.output();
    const auto alone = healthy_latencies(d.output());

    // With them: SPUTNIK V, wanted by everyone, during a Telegram storm.
    ASSERT_EQ(b.request("POST", "/sandbox/v1/telegram/storm", std::string(R"({"count":)") + std::to_string(storm) + R"(,"retry_after":2})").status,
              200);
    open("SPUTNIK V");
    ASSERT_TRUE(test::wait_until([&] { return healthy_latencies(d.output()).size() >= 2 * healthy; }, 30s)) << d.output();
    const std::string at_healthy_done = d.output();
    auto all = healthy_latencies(at_healthy_done);
    const std::vector<double> beside(all.begin() + healthy, all.end());
    // The healthy fan-out was over before the first stalled attempt even timed out: nothing of theirs
    // waited behind a bad receiver.
    EXPECT_EQ(at_healthy_done.find(" for s0 by webhook: attempt 1 failed"), std::string::npos) << at_healthy_done;

    // Every bad receiver comes to its end: delivered after retries, or dead-lettered.
    test::http_client admin("127.0.0.1", test::admin_port(d));
    auto metric = [&](const std::string& name, const std::string& channel) {
        const auto m = test::parse_prometheus(admin.get("/metrics").body);
        auto it = m.samples.find("cowin_notifier_" + name + "{channel=\"" + channel + "\"}");
        return it == m.samples.end() ? 0.0 : it->second;
    };
    const double want_delivered_webhook = 2 * healthy + flaky + throttled;
    const double want_dead_webhook = slow + gone;
    EXPECT_TRUE(test::wait_until([&] {
        return metric("alerts_delivered_total", "webhook") >= want_delivered_webhook &&
               metric("alerts_dead_lettered_total", "webhook") >= want_dead_webhook &&
               metric("alerts_delivered_total", "telegram") >= chats - blocked_chats &&
               metric("alerts_dead_lettered_total", "telegram") >= blocked_chats;
    }, 60s)) << d.output();
    // Two more seconds: nothing further may be dead-lettered or delivered.
    std::this_thread::sleep_for(2s);
    const double delivered_webhook = metric("alerts_delivered_total", "webhook");
    const double dead_webhook = metric("alerts_dead_lettered_total", "webhook");
    const double delivered_telegram = metric("alerts_delivered_total", "telegram");
    const double dead_telegram = metric("alerts_dead_lettered_total", "telegram");
    EXPECT_EQ(delivered_webhook, want_delivered_webhook);
    EXPECT_EQ(dead_webhook, want_dead_webhook);
    EXPECT_EQ(delivered_telegram, chats - blocked_chats);
    EXPECT_EQ(dead_telegram, blocked_chats);
    simdjson::dom::parser p;
    const std::string tg = b.get("/sandbox/v1/telegram/messages").body;
    simdjson::dom::element t = p.parse(tg).value();
    const std::int64_t storm_429 = t["storm_429"].get_int64().value(), limit_429 = t["rejected_429"].get_int64().value();
    EXPECT_EQ(storm_429, storm);
    EXPECT_EQ(limit_429, 0) << "paced within Telegram's limits through the storm";
    const double expected = 2 * healthy + flaky + slow + gone + throttled + chats;
    const double lost = expected - (delivered_webhook + dead_webhook + delivered_telegram + dead_telegram);
    EXPECT_EQ(lost, 0);
    // The gone receivers and the blocked chats deactivated their subscriptions.
    const std::string out = d.output();
    std::size_t deactivated = 0;
    for (auto at = out.find("deactivated"); at != std::string::npos; at = out.find("deactivated", at + 1)) ++deactivated;
    EXPECT_GE(deactivated, static_cast<std::size_t>(gone + blocked_chats));

    // The healthy receivers' own history: both openings each, once by id.
    const auto healthy_history = test::read_hook_history(a, "healthy", opened);
    EXPECT_EQ(healthy_history.pairs_delivered(), static_cast<std::size_t>(2 * healthy));
    EXPECT_EQ(healthy_history.pairs_duplicated(), 0u);
    EXPECT_EQ(healthy_history.foreign, 0u);
    const double p99_alone = p99(alone), p99_beside = p99(beside);
    std::printf("receivers: healthy p99 %.0f ms alone, %.0f ms beside the bad ones (%.1fx); webhook delivered %.0f of %.0f "
                "(flaky after 2 failures, throttled after Retry-After), dead letters %.0f (expected %.0f: %d stalled, %d gone); "
                "telegram delivered %.0f, dead %.0f (expected %d blocked), storm 429s %lld, limit 429s %lld; alerts expected %.0f, lost %.0f; "
                "healthy receivers: %s\n",
                p99_alone, p99_beside, p99_alone > 0 ? p99_beside / p99_alone : 0.0, delivered_webhook, want_delivered_webhook,
                dead_webhook, want_dead_webhook, slow, gone, delivered_telegram, dead_telegram, blocked_chats,
                static_cast<long long>(storm_429), static_cast<long long>(limit_429), expected, lost,
                healthy_history.summary(2 * healthy).c_str());
    EXPECT_EQ(d.stop(), 0) << d.output();
}

}  // namespace
}  // namespace cowin
