// The built daemon as systemd runs it: what it tells systemd over $NOTIFY_SOCKET (READY, STATUS,
// WATCHDOG, RELOADING, STOPPING), SIGHUP with a changed and with an invalid config, and SIGTERM in
// the middle of deliveries (exit 0 in time; the next start delivers the rest).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "support/background.hpp"
#include "support/http_client.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

namespace cowin {
namespace {

using namespace std::chrono_literals;
using test::background_process;
using test::wait_until;

constexpr const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string head(std::uint16_t sandbox, const std::string& state) {
    return "cowin:\n  base_url: http://127.0.0.1:" + std::to_string(sandbox) +
           "/api\n  user_agent: \"Mozilla/5.0 cowin-notifier-test\"\n  rate_limit: { calls: 600, period: 1m }\n" +
           "poll:\n  min_interval: 1s\nstate:\n" + state + "admin:\n  listen: 127.0.0.1:0\n  token: t\n" +
           "delivery:\n  webhook: { timeout: 5s, max_in_flight_per_host: 4 }\nlog:\n  level: info\nsubscriptions:\n";
}

std::string hook_sub(const std::string& id, std::uint16_t sandbox, const std::string& hook, const std::string& vaccine) {
    return "  - id: " + id + "\n    district_id: 363\n    vaccines: [" + vaccine + "]\n    notify:\n      webhook: { url: \"http://127.0.0.1:" +
           std::to_string(sandbox) + "/hooks/" + hook + "\", secret: \"" + secret + "\" }\n";
}

std::vector<std::string> daemon(const std::string& config_path) { return {COWIN_NOTIFIER_BIN, "--config", config_path}; }

// A datagram socket standing in for systemd's notification socket.
class notify_socket {
public:
    explicit notify_socket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        path.copy(a.sun_path, sizeof a.sun_path - 1);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    ~notify_socket() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    /// Everything received so far, one datagram per element.
    const std::vector<std::string>& messages() {
        char buf[4096];
        for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) got_.emplace_back(buf, static_cast<std::size_t>(n));
        return got_;
    }
    bool saw(const std::string& text) {
        for (const auto& m : messages()) {
            if (m.find(text) != std::string::npos) return true;
        }
        return false;
    }

private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> got_;
};

std::vector<std::string> received_sessions(test::http_client& control, const std::string& hook) {
    simdjson::dom::parser p, bp;
    const std::string text = control.get("/sandbox/v1/hooks/" + hook).body;
    simdjson::dom::element doc = p.parse(text).value();
    simdjson::dom::array deliveries = doc["deliveries"].get_array().value();
    std::vector<std::string> out;
    for (simdjson::dom::element d : deliveries) {
        const std::string raw(d["body"].get_string().value());
        simdjson::dom::element body = bp.parse(raw).value();
        simdjson::dom::array sessions = body["data"]["sessions"].get_array().value();
        for (simdjson::dom::element s : sessions) out.emplace_back(std::string_view(s["vaccine"]));
    }
    return out;
}

class service : public ::testing::Test {
protected:
    background_process sandbox{test::sandbox_command({"--districts", "363", "--rate-limit", "600/1m"}), "listening on"};
    test::http_client control{"127.0.0.1", sandbox.port()};
    test::temp_dir dir;

    void open(const std::string& vaccine) {
        auto r = control.request("POST", "/sandbox/v1/sessions/open",
                                 R"({"district_id":363,"capacity":30,"vaccine":")" + vaccine + R"("})");
        ASSERT_EQ(r.status, 200) << r.body;
    }
};

TEST_F(service, tells_systemd_ready_status_watchdog_and_stopping) {
    const std::string path = dir.write("c.yaml", head(sandbox.port(), "  backend: memory\n") +
                                                     hook_sub("s1", sandbox.port(), "n", "SPUTNIK V"));
    notify_socket sock(dir.file("notify"));
    ::setenv("NOTIFY_SOCKET", dir.file("notify").c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);  // a ping at least every 100 ms
    background_process notifier(daemon(path), "starting:", dir.file("log"));
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ASSERT_TRUE(wait_until([&] { return sock.saw("READY=1"); }, 30s)) << notifier.output();
    EXPECT_TRUE(sock.saw("STATUS=serving: 1 subscriptions"));
    const auto pings = [&] {
        std::size_t n = 0;
        for (const auto& m : sock.messages()) n += m == "WATCHDOG=1";
        return n;
    };
    const std::size_t before = pings();
    EXPECT_TRUE(wait_until([&] { return pings() >= before + 3; }, 10s)) << "watchdog pings keep coming";
    ::kill(notifier.pid(), SIGHUP);
    EXPECT_TRUE(wait_until([&] { return sock.saw("RELOADING=1"); }, 10s));
    EXPECT_TRUE(notifier.wait_for_output("reloaded")) << notifier.output();
    EXPECT_EQ(notifier.stop(), 0);
    EXPECT_TRUE(sock.saw("STOPPING=1"));
}

TEST_F(service, sighup_applies_a_changed_filter_and_keeps_the_old_config_when_the_new_is_invalid) {
    const std::string path = dir.write("c.yaml", head(sandbox.port(), "  backend: memory\n") +
                                                     hook_sub("s1", sandbox.port(), "h", "SPUTNIK V"));
    background_process notifier(daemon(path), "starting:", dir.file("log"));
    ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();

    // The subscriber changes its mind: ZYCOV-D now, not SPUTNIK V.
    dir.write("c.yaml", head(sandbox.port(), "  backend: memory\n") + hook_sub("s1", sandbox.port(), "h", "ZYCOV-D"));
    ::kill(notifier.pid(), SIGHUP);
    ASSERT_TRUE(notifier.wait_for_output("reloaded")) << notifier.output();
    open("SPUTNIK V");
    open("ZYCOV-D");
    ASSERT_TRUE(wait_until([&] { return !received_sessions(control, "h").empty(); }, 30s)) << notifier.output();
    // Two more polls: a SPUTNIK V alert, had the old filter stayed, would have come by now.
    ASSERT_TRUE(notifier.wait_for_count("poll district 363", notifier.count_output("poll district 363") + 2));
    EXPECT_EQ(received_sessions(control, "h"), std::vector<std::string>{"ZYCOV-D"});

    // A broken file: refused with its error, the running config stays and polling goes on.
    dir.write("c.yaml", head(sandbox.port(), "  backend: memory\n") + "  - id: broken\n    district_id: 99999999\n");
    ::kill(notifier.pid(), SIGHUP);
    ASSERT_TRUE(notifier.wait_for_output("reload refused")) << notifier.output();
    EXPECT_NE(notifier.output().find("subscriptions[0]"), std::string::npos) << notifier.output();
    EXPECT_TRUE(notifier.wait_for_count("poll district 363", notifier.count_output("poll district 363") + 1));
    open("ZYCOV-D");
    EXPECT_TRUE(wait_until([&] { return received_sessions(control, "h").size() >= 2; }, 30s)) << notifier.output();
    EXPECT_EQ(notifier.stop(), 0);
}

TEST_F(service, sigterm_during_deliveries_exits_0_in_time_and_the_next_start_delivers_the_rest) {
    test::redis_server redis;
    std::string subs;
    for (int i = 0; i < 20; ++i) subs += hook_sub("t" + std::to_string(i), sandbox.port(), "slow", "SPUTNIK V");
    const std::string path = dir.write(
        "c.yaml", head(sandbox.port(), "  backend: redis\n  redis: { port: " + std::to_string(redis.port()) + " }\n") + subs);
    // One second per delivery, four at a time: 20 take five seconds.
    ASSERT_EQ(control.request("PUT", "/sandbox/v1/hooks/slow", std::string(R"({"secret":")") + secret + R"(","delay":"1s"})").status,
              200);
    {
        background_process notifier(daemon(path), "starting:", dir.file("log1"));
        ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
        open("SPUTNIK V");
        ASSERT_TRUE(wait_until([&] { return !received_sessions(control, "slow").empty(); }, 30s)) << notifier.output();
        // stop() kills what has not exited 10 s after SIGTERM (systemd's TimeoutStopSec): 0 means in time.
        EXPECT_EQ(notifier.stop(), 0) << notifier.output();
    }
    const std::size_t before = received_sessions(control, "slow").size();
    EXPECT_LT(before, 20u) << "the stop came after every delivery: nothing was tested";
    background_process again(daemon(path), "starting:", dir.file("log2"));
    EXPECT_TRUE(wait_until([&] { return received_sessions(control, "slow").size() >= 20; }, 60s)) << again.output();
    EXPECT_EQ(again.stop(), 0);
}

}  // namespace
}  // namespace cowin
