// Reliability scenario 1 (DESIGN.md §9): the daemon is killed with SIGKILL at random points (seeded:
// COWIN_CHAOS_SEED repeats a run) while it polls and fans out 10 openings to 200 subscribers (2,000
// alerts), and is started again each time. The history the sandbox's receiver kept is then checked:
// every (subscriber, opening) pair delivered, none under two different webhook-ids, nothing that
// never opened; a second delivery is allowed only with the same webhook-id.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/hook_history.hpp"
#include "support/http_client.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

namespace cowin {
namespace {

using namespace std::chrono_literals;
using test::background_process;

constexpr int subscribers = 200;
constexpr int openings = 10;
const char* const secret = test::webhook_secret;

std::uint64_t chaos_seed() {
    if (const char* s = std::getenv("COWIN_CHAOS_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

TEST(reliability, sigkill_at_random_points_during_polling_and_fan_out_loses_no_alert) {
    test::redis_server redis{test::free_port(), test::redis_server::durability::aof_always};
    background_process sandbox(test::district_363_sandbox(),
                               "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    // 15 ms per delivery, 8 at a time: a fan-out of 200 takes about 400 ms, so kills land inside it.
    ASSERT_EQ(control.request("PUT", "/sandbox/v1/hooks/chaos", std::string(R"({"secret":")") + secret + R"(","delay":"15ms"})").status,
              200);
    test::temp_dir dir;
    test::daemon_config cfg(sandbox.port(), redis.port());
    cfg.delivery = "  retry_schedule: [1s, 2s, 5s, 10s, 20s]\n  webhook: { timeout: 2s, max_in_flight_per_host: 8 }\n";
    const std::string path = dir.write("c.yaml", cfg.sputnik_subscribers("k", subscribers, "chaos").yaml());
    const std::uint64_t seed = chaos_seed();
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> kill_after_ms(0, 1500);
    std::printf("chaos seed %llu (COWIN_CHAOS_SEED=%llu repeats the schedule)\n", static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(seed));

    std::set<std::string> opened;
    int before_fan_out = 0, mid_fan_out = 0, after_fan_out = 0;
    auto daemon = std::make_unique<background_process>(std::vector<std::string>{COWIN_NOTIFIER_BIN, "--config", path},
                                                       "starting:", dir.file("log0"));
    ASSERT_TRUE(daemon->wait_for_output("poll district 363: ok")) << daemon->output();
    for (int round = 1; round <= openings; ++round) {
        auto r = control.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"vaccine":"SPUTNIK V","capacity":40})");
        ASSERT_EQ(r.status, 200) << r.body;
        simdjson::dom::parser p;
        const std::string session(p.parse(r.body)["sessions"].at(0)["session_id"].get_string().value());
        opened.insert(session);
        std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
        ASSERT_EQ(daemon->stop(9), 128 + 9);
        // Where the kill landed, for this opening: before its fan-out, inside it, or after it.
        std::size_t got = 0;
        for (const auto& [sub, sessions] : test::read_hook_history(control, "chaos", opened).seen) got += sessions.count(session);
        ++(got == 0 ? before_fan_out : got < static_cast<std::size_t>(subscribers) ? mid_fan_out : after_fan_out);
        daemon.reset();
        daemon = std::make_unique<background_process>(std::vector<std::string>{COWIN_NOTIFIER_BIN, "--config", path},
                                                      "starting:", dir.file("log" + std::to_string(round)));
    }

    const std::size_t expected = static_cast<std::size_t>(subscribers) * openings;
    test::hook_history h;
    EXPECT_TRUE(test::wait_until([&] {
        h = test::read_hook_history(control, "chaos", opened);
        return h.pairs_delivered() >= expected;
    }, 120s)) << daemon->output();
    // Two more polls: an alert sent twice under new ids would have come by now.
    ASSERT_TRUE(daemon->wait_for_count("poll district 363", daemon->count_output("poll district 363") + 2)) << daemon->output();
    h = test::read_hook_history(control, "chaos", opened);
    std::printf("kill -9: %d kills (seed %llu): %d before a fan-out, %d inside one, %d after; %s\n", openings,
                static_cast<unsigned long long>(seed), before_fan_out, mid_fan_out, after_fan_out, h.summary(expected).c_str());
    EXPECT_EQ(h.pairs_delivered(), expected) << "lost alerts (seed " << seed << ")";
    EXPECT_EQ(h.pairs_duplicated(), 0u) << "an opening alerted twice under different ids (seed " << seed << ")";
    EXPECT_EQ(h.foreign, 0u);
    EXPECT_EQ(h.unverified, 0u);
    EXPECT_EQ(daemon->stop(), 0) << daemon->output();
}

}  // namespace
}  // namespace cowin
