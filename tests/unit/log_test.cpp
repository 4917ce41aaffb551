#include <gtest/gtest.h>

#include <vector>

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
