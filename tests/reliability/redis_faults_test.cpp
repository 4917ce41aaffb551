// Reliability scenario 2 (DESIGN.md §9): Redis away when the daemon starts, slow behind a proxy that
// holds every chunk, and cut off in the middle of a fan-out. The daemon must say it is not ready
// (/readyz) while Redis is away, make no CoWIN call it could not record, and once Redis is back
// deliver every alert, none twice under different ids. (Redis killed and restarted from its AOF
// during a fan-out is delivery_crash_test's second case.)
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/hook_history.hpp"
#include "support/http_client.hpp"
#include "support/redis_server.hpp"
#include "support/tcp_proxy.hpp"
#include "support/temp_dir.hpp"

namespace cowin {
namespace {

using namespace std::chrono_literals;
using test::background_process;

constexpr int subscribers = 100;
const char* const secret = test::webhook_secret;

class redis_faults : public ::testing::Test {
protected:
    background_process sandbox{test::district_363_sandbox(),
                               "listening on"};
    test::http_client control{"127.0.0.1", sandbox.port()};
    test::temp_dir dir;
    std::set<std::string> opened;

    void SetUp() override {
        ASSERT_EQ(control.request("PUT", "/sandbox/v1/hooks/r", std::string(R"({"secret":")") + secret + R"(","delay":"10ms"})").status,
                  200);
    }

    std::unique_ptr<background_process> start(std::uint16_t redis_port, const std::string& log) {
        return std::make_unique<background_process>(
            std::vector<std::string>{COWIN_NOTIFIER_BIN, "--config",
                                     dir.write(log + ".yaml", test::daemon_config(sandbox.port(), redis_port).sputnik_subscribers("r", subscribers, "r").yaml())}, "starting:",
            dir.file(log));
    }

    std::string open_session() {
        auto r = control.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"vaccine":"SPUTNIK V","capacity":40})");
        simdjson::dom::parser p;
        std::string id(p.parse(r.body)["sessions"].at(0)["session_id"].get_string().value());
        opened.insert(id);
        return id;
    }

    std::size_t delivered_of(const std::string& session) {
        std::size_t n = 0;
        for (const auto& [sub, sessions] : test::read_hook_history(control, "r", opened).seen) n += sessions.count(session);
        return n;
    }

    std::int64_t cowin_calls() {
        simdjson::dom::parser p;
        const std::string stats = control.get("/sandbox/v1/stats").body;
        return p.parse(stats)["total_calls"].get_int64().value();
    }

    // Every subscriber got every opening, once by id, and nothing else.
    test::hook_history expect_all_delivered(const background_process& daemon) {
        const std::size_t expected = subscribers * opened.size();
        test::hook_history h;
        EXPECT_TRUE(test::wait_until([&] {
            h = test::read_hook_history(control, "r", opened);
            return h.pairs_delivered() >= expected;
        }, 60s)) << daemon.output();
        EXPECT_EQ(h.pairs_delivered(), expected);
        EXPECT_EQ(h.pairs_duplicated(), 0u);
        EXPECT_EQ(h.foreign, 0u);
        EXPECT_EQ(h.unverified, 0u);
        return h;
    }
};

TEST_F(redis_faults, redis_unreachable_at_start_means_not_ready_and_no_calls_then_it_runs) {
    const std::uint16_t port = test::free_port();
    auto daemon = start(port, "log");
    ASSERT_TRUE(daemon->wait_for_output("Failed to connect to Redis")) << daemon->output();
    test::http_client admin("127.0.0.1", test::admin_port(*daemon));
    // Two seconds of asking: never ready, and not one CoWIN call it could not have recorded.
    int not_ready = 0;
    for (int i = 0; i < 20; ++i) {
        not_ready += admin.get("/readyz").status == 503 ? 1 : 0;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(not_ready, 20);
    EXPECT_EQ(cowin_calls(), 0);
    EXPECT_EQ(admin.get("/healthz").status, 200) << "alive, only not ready";

    test::redis_server redis(port);
    EXPECT_TRUE(test::wait_until([&] { return admin.get("/readyz").status == 200; }, 30s)) << daemon->output();
    ASSERT_TRUE(daemon->wait_for_output("poll district 363: ok")) << daemon->output();
    open_session();
    const auto h = expect_all_delivered(*daemon);
    std::printf("redis unreachable at start: /readyz 503 for 2 s with 0 CoWIN calls, 200 once Redis came; %s\n",
                h.summary(subscribers * opened.size()).c_str());
    EXPECT_EQ(daemon->stop(), 0);
}

TEST_F(redis_faults, slow_redis_then_cut_off_mid_fan_out_loses_nothing_and_readiness_follows) {
    test::redis_server redis;
    test::tcp_proxy proxy(redis.port(), 5ms);  // about 10 ms added to every round trip
    auto daemon = start(proxy.port(), "log");
    ASSERT_TRUE(daemon->wait_for_output("poll district 363: ok", 60s)) << daemon->output();
    test::http_client admin("127.0.0.1", test::admin_port(*daemon));

    // Slow: the whole fan-out goes through, and the daemon stays ready throughout.
    const std::string first = open_session();
    int ready = 0, asked = 0;
    EXPECT_TRUE(test::wait_until([&] {
        ++asked;
        ready += admin.get("/readyz").status == 200 ? 1 : 0;
        return delivered_of(first) >= static_cast<std::size_t>(subscribers);
    }, 60s)) << daemon->output();
    EXPECT_EQ(ready, asked) << "a slow Redis is still a ready one";

    // Cut off in the middle of the next fan-out: not ready while cut, ready again after, nothing lost.
    const std::string second = open_session();
    ASSERT_TRUE(test::wait_until([&] { return delivered_of(second) >= 10; }, 60s)) << daemon->output();
    proxy.cut();
    const std::size_t at_cut = delivered_of(second);
    EXPECT_TRUE(test::wait_until([&] { return admin.get("/readyz").status == 503; }, 20s)) << daemon->output();
    std::this_thread::sleep_for(2s);
    proxy.restore();
    EXPECT_TRUE(test::wait_until([&] { return admin.get("/readyz").status == 200; }, 30s)) << daemon->output();
    const auto h = expect_all_delivered(*daemon);
    std::printf("slow redis (+10 ms a round trip): ready %d of %d checks; cut off after %zu of %d deliveries for 2 s: "
                "/readyz 503, then 200; %s\n",
                ready, asked, at_cut, subscribers, h.summary(subscribers * opened.size()).c_str());
    EXPECT_EQ(daemon->stop(), 0);
}

}  // namespace
}  // namespace cowin
