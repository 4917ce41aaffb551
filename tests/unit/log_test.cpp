#include <gtest/gtest.h>

#include <vector>

#include "log/line_budget.hpp"
#include "log/log.hpp"
#include "log/redact.hpp"

namespace cowin::log {
namespace {

struct captured {
    std::vector<std::pair<level, std::string>> lines;
    sink make() {
        return [this](level l, std::string_view s) { lines.emplace_back(l, std::string(s)); };
    }
};

TEST(logger, drops_lines_below_the_threshold) {
    captured out;
    logger log(out.make(), level::info);
    log.debug("hidden");
    log.info("poll district ", 363, " took ", 12, "ms");
    log.error("boom");
    ASSERT_EQ(out.lines.size(), 2u);
    EXPECT_EQ(out.lines[0].second, "poll district 363 took 12ms");
    EXPECT_EQ(out.lines[1].first, level::error);
}

// A big opening's delivery lines: the first `limit` of a window are written, the rest counted and
// reported once when the window has ended; a later window starts afresh.
TEST(line_budget, writes_up_to_the_limit_per_window_and_reports_the_rest_once) {
    using namespace std::chrono_literals;
    line_budget b(3, 30s);
    const auto t0 = line_budget::clock::time_point{} + 1000s;
    int written = 0;
    for (int i = 0; i < 10; ++i) written += b.take(t0 + std::chrono::milliseconds(i));
    EXPECT_EQ(written, 3);
    EXPECT_EQ(b.held_back(t0 + 29s), 0u);  // the window is still open: nothing to report yet
    EXPECT_EQ(b.window_end(), t0 + 30s);
    EXPECT_EQ(b.held_back(t0 + 30s), 7u);
    EXPECT_EQ(b.held_back(t0 + 31s), 0u);  // reported once
    // The next window starts with the next line, with its full allowance.
    written = 0;
    for (int i = 0; i < 4; ++i) written += b.take(t0 + 40s);
    EXPECT_EQ(written, 3);
    // Ended windows add up until someone asks.
    for (int i = 0; i < 5; ++i) b.take(t0 + 80s);
    EXPECT_EQ(b.held_back(t0 + 200s), 1u + 2u);
}

TEST(logger, parses_level_names) {
    EXPECT_EQ(parse_level("debug"), level::debug);
    EXPECT_EQ(parse_level("warning"), level::warning);
    EXPECT_FALSE(parse_level("verbose").has_value());
}

TEST(redact, hides_secrets_whatever_their_length) {
    EXPECT_EQ(redact_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "***");
    EXPECT_EQ(redact_secret("x"), "***");
    EXPECT_EQ(redact_secret(""), "");
}

TEST(redact, keeps_country_code_and_last_four_digits_of_phones) {
    EXPECT_EQ(redact_phone("+919812345678"), "+91******5678");
    EXPECT_EQ(redact_phone("+15005550006"), "+15*****0006");
    EXPECT_EQ(redact_phone("+9112"), "*****");
}

TEST(redact, strips_credentials_from_urls) {
    EXPECT_EQ(redact_url("https://api.telegram.org/bot123:ABC/sendMessage"), "https://api.telegram.org/bot***/sendMessage");
    EXPECT_EQ(redact_url("https://user:pw@example.org/hook?token=x"), "https://***@example.org/hook");
    EXPECT_EQ(redact_url("http://127.0.0.1:9000/hooks/pune"), "http://127.0.0.1:9000/hooks/pune");
}

TEST(stderr_sink, writes_syslog_priority_prefix_for_journald) {
    ::testing::internal::CaptureStderr();
    stderr_sink(prefix::syslog)(level::warning, "careful");
    stderr_sink(prefix::syslog)(level::debug, "detail");
    stderr_sink(prefix::none)(level::error, "plain");
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "<4>careful\n<7>detail\nerror: plain\n");
}

}  // namespace
}  // namespace cowin::log
