// Reliability scenario 5 (DESIGN.md §9): hostile requests at the running daemon's admin API, as raw
// bytes: each is refused with its status (or the connection closed), nothing is half-created, and the
// daemon goes on serving and polling. Then slow-loris clients and 10,000 connections at once, also
// with the daemon short of descriptors: refused cleanly, no descriptor leaked, alerts still sent.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace cowin {
namespace {

using namespace std::chrono_literals;
using test::background_process;

const std::map<std::string, std::string> auth{{"authorization", "Bearer t"}};

// Sends `bytes` and returns the status of the answer, 0 when the connection closed without one.
int raw_status(std::uint16_t port, const std::string& bytes) {
    int fd = test::connect_loopback(port);
    if (fd < 0) return -1;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (std::size_t sent = 0; sent < bytes.size();) {
        const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // refused mid-send: the answer may already be waiting
        sent += static_cast<std::size_t>(n);
    }
    char buf[64] = {};
    const auto got = ::recv(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    const std::string head(buf, got > 0 ? static_cast<std::size_t>(got) : 0);
    return head.rfind("HTTP/1.1 ", 0) == 0 && head.size() >= 12 ? std::stoi(head.substr(9, 3)) : 0;
}

std::string post(const std::string& body, const std::string& extra_headers = "Authorization: Bearer t\r\n") {
    return "POST /v1/subscriptions HTTP/1.1\r\nHost: x\r\n" + extra_headers + "Content-Type: application/json\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::size_t open_descriptors(pid_t pid) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
    return n;
}

class admin_abuse : public ::testing::Test {
protected:
    background_process sandbox{test::district_363_sandbox(),
                               "listening on"};
    test::http_client control{"127.0.0.1", sandbox.port()};
    test::temp_dir dir;

    std::vector<std::string> daemon_argv(const std::string& prefix = "") {
        test::daemon_config cfg(sandbox.port());
        cfg.subscriptions = test::webhook_subscriber("waiting", "SPUTNIK V", cfg.base_url() + "/hooks/a");
        const std::string path = dir.write("c.yaml", cfg.yaml());
        std::vector<std::string> argv;
        if (!prefix.empty()) argv = {"/usr/bin/prlimit", prefix, "--"};
        for (const char* a : {COWIN_NOTIFIER_BIN, "--config"}) argv.emplace_back(a);
        argv.push_back(path);
        return argv;
    }

    std::size_t hooks_received() {
        const std::string body = control.get("/sandbox/v1/hooks/a").body;
        std::size_t n = 0;
        for (auto at = body.find("\"webhook_id\""); at != std::string::npos; at = body.find("\"webhook_id\"", at + 1)) ++n;
        return n;
    }
};

TEST_F(admin_abuse, every_hostile_request_is_refused_and_the_daemon_keeps_serving) {
    background_process d(daemon_argv(), "starting:", dir.file("log"));
    ASSERT_TRUE(d.wait_for_output("poll district 363: ok")) << d.output();
    const std::uint16_t port = test::admin_port(d);
    test::http_client admin("127.0.0.1", port);
    const std::string good = R"({"district_id":363,"notify":{"log":true}})";
    std::string headers_flood;
    for (int i = 0; i < 2000; ++i) headers_flood += "X-Flood-" + std::to_string(i) + ": aaaaaaaa\r\n";
    struct hostile {
        const char* what;
        std::string bytes;
        int status;  ///< 0: closed without an answer
    };
    const hostile table[] = {
        {"a 2 MiB body", post("{\"pad\":\"" + std::string(2u << 20, 'x') + "\"}"), 413},
        {"JSON nested 30,000 deep", post(std::string(30000, '[') + std::string(30000, ']')), 400},
        {"invalid UTF-8 in a string", post("{\"id\":\"\xc3\x28\",\"district_id\":363,\"notify\":{\"log\":true}}"), 400},
        {"a NUL inside the JSON", post(std::string("{\"id\":\"a\0b\",\"district_id\":363}", 30)), 400},
        {"JSON that is not an object", post("[1,2,3]"), 400},
        {"wrong types", post(R"({"district_id":"363","notify":{"log":"yes"}})"), 400},
        {"JSON cut short", post(R"({"district_id":363,"notify":{)"), 400},
        {"2,000 headers", "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + headers_flood + "\r\n", 431},
        {"a 40 KB target", "GET /v1/" + std::string(40000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431},
        {"garbage", std::string("\x16\x03\x01\x02\x00 not http\r\n\r\n"), 400},
        {"a bad chunk size", "POST /v1/subscriptions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
                             "Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n", 400},
        {"two Content-Lengths", "POST /v1/subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}", 400},
        {"a negative Content-Length", "POST /v1/subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
        {"no token", post(good, ""), 401},
        {"a wrong token", post(good, "Authorization: Bearer nope\r\n"), 401},
        {"a method the path has not", "DELETE /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n", 405},
        {"a body that never comes", "POST /v1/subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", 0},
    };
    int refused = 0;
    for (const auto& h : table) {
        SCOPED_TRACE(h.what);
        const int status = raw_status(port, h.bytes);
        EXPECT_EQ(status, h.status);
        refused += status == h.status ? 1 : 0;
        // Still serving, and nothing was created.
        const auto s = admin.get("/v1/subscriptions", auth);
        EXPECT_EQ(s.status, 200);
        EXPECT_EQ(s.body.find("\"district_id\":363,\"pincode\":null,\"age\""), s.body.rfind("\"district_id\":363,\"pincode\":null,\"age\""))
            << "one subscription (the config's) and no more: " << s.body.substr(0, 300);
    }
    EXPECT_NE(d.output().find("poll district 363"), std::string::npos);
    std::printf("hostile admin requests: %d of %zu refused as expected; the daemon kept serving\n", refused, std::size(table));
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST_F(admin_abuse, slow_loris_and_ten_thousand_connections_are_refused_cleanly_and_alerts_still_go_out) {
    // The test holds 10,000 sockets. The daemon runs with 256 descriptors: the admin API may take a
    // quarter of them (64), so polling and delivery keep theirs through the flood.
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    if (nofile.rlim_max < 10500) GTEST_SKIP() << "needs 10,500 descriptors; the hard limit here is " << nofile.rlim_max;
    nofile.rlim_cur = nofile.rlim_max;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &nofile), 0);
    background_process d(daemon_argv("--nofile=256"), "starting:", dir.file("log"));
    ASSERT_TRUE(d.wait_for_output("poll district 363: ok")) << d.output();
    const std::uint16_t port = test::admin_port(d);
    const std::size_t fds_before = open_descriptors(d.pid());

    // Slow-loris: 40 clients (fewer than the 64 slots) that send half a header and then one byte now
    // and then.
    std::vector<int> slow;
    for (int i = 0; i < 40; ++i) {
        int fd = test::connect_loopback(port);
        ASSERT_GE(fd, 0);
        const std::string part = "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        ::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
        slow.push_back(fd);
    }
    test::http_client admin("127.0.0.1", port);
    EXPECT_EQ(admin.get("/v1/status", auth).status, 200) << "served beside the slow ones";

    // 10,000 at once, holding on without a word; an opening during the flood is still delivered.
    std::vector<int> flood;
    int refused_at_connect = 0;
    for (int i = 0; i < 10000; ++i) {
        int fd = test::connect_loopback(port);
        if (fd < 0) {
            ++refused_at_connect;
            continue;
        }
        flood.push_back(fd);
    }
    ASSERT_EQ(control.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"vaccine":"SPUTNIK V","capacity":5})").status,
              200);
    EXPECT_TRUE(test::wait_until([&] { return hooks_received() == 1; }, 30s)) << d.output();
    // Let the slow ones trickle on: the server still cuts them off after its read timeout.
    for (int tick = 0; tick < 3; ++tick) {
        for (int fd : slow) ::send(fd, "a", 1, MSG_NOSIGNAL);
        std::this_thread::sleep_for(1s);
    }
    // Every flood connection the daemon took was closed by it or waits; none got an answer.
    std::size_t answered = 0;
    for (int fd : flood) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) == 1) {
            char c;
            answered += ::recv(fd, &c, 1, MSG_DONTWAIT) > 0 ? 1 : 0;
        }
        ::close(fd);
    }
    EXPECT_EQ(answered, 0u);
    std::size_t cut_off = 0;
    for (int fd : slow) {
        timeval tv{15, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[64];
        cut_off += ::recv(fd, buf, sizeof buf, 0) == 0 ? 1 : 0;
        ::close(fd);
    }
    EXPECT_EQ(cut_off, slow.size()) << "each slow-loris client is closed after the read timeout, unanswered";
    // Serving again, with every descriptor given back.
    EXPECT_TRUE(test::wait_until([&] {
        test::http_client again("127.0.0.1", port);
        return again.get("/v1/status", auth).status == 200;
    }, 20s)) << d.output();
    std::size_t fds_after = 0;
    test::wait_until([&] { return (fds_after = open_descriptors(d.pid())) <= fds_before + 2; }, 20s);
    EXPECT_LE(fds_after, fds_before + 2);
    const bool paused = d.output().find("pausing accepts") != std::string::npos;
    std::printf("10,000 connections (%d refused at connect) and 40 slow-loris clients: 0 answered, %zu of %zu slow ones "
                "cut off, descriptors %zu before, %zu after, out of descriptors: %s; the opening during the flood was "
                "delivered (%zu alert)\n",
                refused_at_connect, cut_off, slow.size(), fds_before, fds_after, paused ? "yes, accepts paused" : "no",
                hooks_received());
    EXPECT_EQ(d.stop(), 0) << d.output();
}

}  // namespace
}  // namespace cowin
