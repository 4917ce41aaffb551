// The built daemon, a real redis-server and cowin-sandbox: 500 subscribers are alerted to one
// opening, and in the middle of the fan-out the daemon is killed with SIGKILL (then restarted), or
// Redis is (then restarted from its AOF). Every subscriber must get its alert; a second delivery is
// allowed only with the same webhook-id; nobody gets an alert for a session that did not open.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
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
using test::wait_until;

constexpr int subscribers = 500;
const char* const secret = test::webhook_secret;

std::string config(std::uint16_t sandbox, std::uint16_t redis) {
    test::daemon_config c(sandbox, redis);
    c.delivery = "  retry_schedule: [1s, 2s, 5s, 10s, 20s]\n  webhook: { timeout: 2s, max_in_flight_per_host: 8 }\n";
    return c.sputnik_subscribers("s", subscribers, "crash").yaml();
}

std::vector<std::string> daemon(const std::string& config_path) { return {COWIN_NOTIFIER_BIN, "--config", config_path}; }

class delivery_crash : public ::testing::Test {
protected:
    test::redis_server redis{test::free_port(), test::redis_server::durability::aof_always};
    background_process sandbox{test::sandbox_command({"--districts", "363", "--rate-limit", "600/1m"}), "listening on"};
    test::http_client control{"127.0.0.1", sandbox.port()};
    test::temp_dir dir;
    std::string config_path = dir.write("c.yaml", config(sandbox.port(), redis.port()));

    void SetUp() override {
        // Slow enough that the fan-out of 500 takes a few seconds, so a crash lands in its middle.
        auto r = control.request("PUT", "/sandbox/v1/hooks/crash",
                                 std::string(R"({"secret":")") + secret + R"(","delay":"30ms"})");
        ASSERT_EQ(r.status, 200) << r.body;
    }

    std::string open_session() {
        auto r = control.request("POST", "/sandbox/v1/sessions/open",
                                 R"({"district_id":363,"vaccine":"SPUTNIK V","capacity":40})");
        simdjson::dom::parser p;
        return std::string(p.parse(r.body)["sessions"].at(0)["session_id"].get_string().value());
    }

    std::size_t deliveries(const std::string& opened) {
        return test::read_hook_history(control, "crash", {opened}).deliveries;
    }
    std::size_t subscribers_alerted(const std::string& opened) {
        return test::read_hook_history(control, "crash", {opened}).seen.size();
    }

    // Every subscriber has its alert exactly once by webhook-id, and nothing else arrived.
    void expect_every_alert_once(const std::string& opened, const char* scenario) {
        test::hook_history h;
        EXPECT_TRUE(wait_until([&] {
            h = test::read_hook_history(control, "crash", {opened});
            return h.seen.size() == subscribers;
        }, 90s)) << h.seen.size() << " of " << subscribers << " subscribers alerted";
        EXPECT_EQ(h.pairs_delivered(), static_cast<std::size_t>(subscribers));
        EXPECT_EQ(h.pairs_duplicated(), 0u);
        EXPECT_EQ(h.unverified, 0u);
        EXPECT_EQ(h.foreign, 0u);
        std::printf("%s: %s\n", scenario, h.summary(subscribers).c_str());
    }
};

TEST_F(delivery_crash, sigkill_mid_fan_out_then_restart_delivers_every_alert_once) {
    std::string opened;
    {
        background_process notifier(daemon(config_path), "starting:", dir.file("log1"));
        ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
        opened = open_session();
        ASSERT_TRUE(wait_until([&] { return deliveries(opened) >= 100; }, 60s)) << notifier.output();
        EXPECT_EQ(notifier.stop(9), 128 + 9);
    }
    const std::size_t before = subscribers_alerted(opened);
    EXPECT_LT(before, static_cast<std::size_t>(subscribers)) << "the kill came after the fan-out: nothing was tested";
    background_process again(daemon(config_path), "starting:", dir.file("log2"));
    expect_every_alert_once(opened, "sigkill");
    // The restart found the snapshot committed with the alerts: no new opening, only the takeover.
    EXPECT_TRUE(again.wait_for_output("taking over")) << again.output();
    EXPECT_EQ(again.output().find("opening for"), std::string::npos) << again.output();
    EXPECT_EQ(again.stop(), 0);
}

TEST_F(delivery_crash, redis_killed_mid_fan_out_and_restarted_loses_nothing) {
    background_process notifier(daemon(config_path), "starting:", dir.file("log"));
    ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
    const std::string opened = open_session();
    ASSERT_TRUE(wait_until([&] { return deliveries(opened) >= 100; }, 60s)) << notifier.output();
    redis.crash();
    std::this_thread::sleep_for(1500ms);
    redis.start();
    expect_every_alert_once(opened, "redis restart");
    // Deliveries went on while Redis was away; recording them waited for its return.
    EXPECT_NE(notifier.output().find("failed"), std::string::npos) << notifier.output();
    EXPECT_NE(notifier.output().find("retrying"), std::string::npos) << notifier.output();
    EXPECT_EQ(notifier.stop(), 0);
}

}  // namespace
}  // namespace cowin
