// The daemon's HTTP client against cowin-sandbox over loopback: keep-alive, gzip, deadlines, body limit,
// TLS verification (trusted CA, untrusted, host-name mismatch), and failures named for what they are.
#include <gtest/gtest.h>

#include "http/client.hpp"
#include "support/background.hpp"
#include "support/coro.hpp"
#include "support/dates.hpp"
#include "support/tls_files.hpp"

namespace cowin {
namespace {

using http::response;
namespace net = boost::asio;

const std::vector<std::pair<std::string, std::string>> browser{{"User-Agent", "Mozilla/5.0 cowin-notifier-test"}};

response fetch(const std::string& url, http::client_settings s = {}, int times = 1, std::size_t* opened = nullptr) {
    return test::run_coroutine<response>([&](net::any_io_executor ex) -> net::awaitable<response> {
        http::client c(ex, s);
        response r;
        for (int i = 0; i < times; ++i) r = co_await c.get(url, browser);
        if (opened != nullptr) *opened = c.connections_opened();
        co_return r;
    });
}

class http_client_plain : public ::testing::Test {
protected:
    test::background_process sandbox{test::sandbox_command({"--centres-per-district", "40", "--rate-limit", "1000/5m"}),
                                     "listening on"};
    std::string base() const { return "http://127.0.0.1:" + std::to_string(sandbox.port()); }
};

TEST_F(http_client_plain, reuses_one_connection_and_decodes_gzip) {
    std::size_t opened = 0;
    auto r = fetch(base() + "/api/v2/admin/location/states", {}, 3, &opened);
    ASSERT_TRUE(r.ok()) << r.error_text;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(opened, 1u);
    auto cal = fetch(base() + "/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363&date=" + test::india_today());
    ASSERT_TRUE(cal.ok());
    EXPECT_EQ(cal.header("content-encoding"), "gzip");  // asked for by default
    EXPECT_LT(cal.wire_bytes, cal.body.size());
    EXPECT_EQ(cal.body.rfind("{\"centers\":", 0), 0u);
    EXPECT_GE(cal.body.capacity(), cal.body.size() + 64);  // room for simdjson's padding
}

TEST_F(http_client_plain, non_2xx_is_an_answer_not_a_failure) {
    auto r = fetch(base() + "/api/v2/appointment/sessions/public/calendarByPin?pincode=1&date=01-06-2021");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.status, 400);
}

TEST_F(http_client_plain, a_stalled_server_times_out) {
    fetch(base() + "/sandbox/v1/stats");
    test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        http::client c(ex, {});
        std::vector<std::pair<std::string, std::string>> headers{{"content-type", "application/json"}};
        co_await c.request("POST", base() + "/sandbox/v1/faults", headers,
                           R"({"endpoint":"calendarByDistrict","mode":"stall"})");
        co_return 0;
    });
    http::client_settings s;
    s.timeout = std::chrono::milliseconds(300);
    auto r = fetch(base() + "/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363&date=01-06-2021", s);
    EXPECT_EQ(r.error, response::failure::timeout) << r.error_text;
}

TEST_F(http_client_plain, body_over_the_limit_is_refused) {
    http::client_settings s;
    s.body_limit = 1000;
    auto r = fetch(base() + "/api/v2/admin/location/states", s);
    EXPECT_EQ(r.error, response::failure::too_large) << r.error_text;
}

// A value with CR LF would have added a header (or a request) of its own: nothing goes out.
TEST_F(http_client_plain, a_header_that_would_smuggle_another_is_refused_unsent) {
    const std::string hook = base() + "/hooks/smuggle";
    // Built out here: GCC 12 mishandles braced lists inside coroutines.
    const std::vector<std::pair<std::string, std::string>> headers{{"X-Name", "a\r\nX-Injected: 1"}};
    auto r = test::run_coroutine<response>([&](net::any_io_executor ex) -> net::awaitable<response> {
        http::client c(ex, {});
        co_return co_await c.request("POST", hook, headers, "{}");
    });
    EXPECT_EQ(r.error, response::failure::bad_header) << r.error_text;
    auto seen = fetch(base() + "/sandbox/v1/hooks/smuggle");
    ASSERT_TRUE(seen.ok());
    EXPECT_NE(seen.body.find(R"("deliveries":[])"), std::string::npos) << seen.body;  // the receiver got nothing
}

TEST(http_client_errors, refused_and_bad_urls_are_named) {
    EXPECT_EQ(fetch("http://127.0.0.1:1/").error, response::failure::connect);
    EXPECT_EQ(fetch("ftp://127.0.0.1/x").error, response::failure::bad_url);
    EXPECT_EQ(fetch("not a url").error, response::failure::bad_url);
}

TEST(http_client_tls, verifies_certificates_and_host_names) {
    test::tls_files tls;
    test::background_process good(test::sandbox_command({"--tls-cert", tls.path("server.pem"), "--tls-key", tls.path("server.key")}),
                                  "listening on https://");
    const std::string url = "https://127.0.0.1:" + std::to_string(good.port()) + "/api/v2/admin/location/states";
    http::client_settings trusting;
    trusting.ca_file = tls.path("ca.pem");
    auto ok = fetch(url, trusting);
    ASSERT_TRUE(ok.ok()) << ok.error_text;
    EXPECT_EQ(ok.status, 200);

    auto untrusted = fetch(url);  // the system store does not know the test CA
    EXPECT_EQ(untrusted.error, response::failure::tls);
    EXPECT_NE(untrusted.error_text.find("certificate verify failed"), std::string::npos) << untrusted.error_text;

    test::background_process wrong(test::sandbox_command({"--tls-cert", tls.path("wrong-name.pem"), "--tls-key",
                                                          tls.path("wrong-name.key")}),
                                   "listening on https://");
    auto mismatch = fetch("https://127.0.0.1:" + std::to_string(wrong.port()) + "/api/v2/admin/location/states", trusting);
    EXPECT_EQ(mismatch.error, response::failure::tls) << mismatch.error_text;

    http::client_settings missing_ca;
    missing_ca.ca_file = "/nonexistent/ca.pem";
    auto no_ca = fetch(url, missing_ca);
    EXPECT_EQ(no_ca.error, response::failure::tls);
    EXPECT_NE(no_ca.error_text.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace cowin
