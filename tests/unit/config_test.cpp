// The config loader: every bad input of DESIGN.md §4 and the foundation issue is refused with its
// position, key path and reason; good input becomes the structs with their defaults.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/load.hpp"

namespace cowin::config {
namespace {

using namespace std::chrono_literals;

struct bad_case {
    const char* name;
    const char* yaml;
    /// The whole first error line, "FILE:LINE:COL: path: message".
    const char* error;
};

void PrintTo(const bad_case& c, std::ostream* os) { *os << c.name; }

// A subscription that is valid on its own; rows break one thing at a time.
#define SUB_HEAD "subscriptions:\n  - id: s1\n"

const bad_case bad_cases[] = {
    {"unknown_top_key", "cowin:\n  timeout: 5s\npol:\n  min_interval: 30s\n",
     "t.yaml:3:1: pol: unknown key 'pol'; did you mean 'poll'?"},
    {"unknown_nested_key", "cowin:\n  rate_limt: {calls: 5}\n",
     "t.yaml:2:3: cowin.rate_limt: unknown key 'rate_limt'; did you mean 'rate_limit'?"},
    {"unknown_key_no_suggestion", "state:\n  zzzzzzzz: 1\n", "t.yaml:2:3: state.zzzzzzzz: unknown key 'zzzzzzzz'"},
    {"duplicate_key", "poll:\n  min_interval: 30s\n  min_interval: 40s\n", "t.yaml:3:3: poll.min_interval: duplicate key"},
    {"yaml_syntax", "cowin:\n  timeout: [5s, \n", "t.yaml:3:1: YAML syntax error: end of sequence flow not found"},
    {"int_wrong_type", "cowin:\n  rate_limit:\n    calls: many\n",
     "t.yaml:3:12: cowin.rate_limit.calls: expected an integer between 1 and 10000, got \"many\""},
    {"int_out_of_range", "cowin:\n  rate_limit: {calls: 0}\n",
     "t.yaml:2:23: cowin.rate_limit.calls: expected an integer between 1 and 10000, got \"0\""},
    {"int_not_scalar", "cowin:\n  weeks_ahead: [1]\n",
     "t.yaml:2:16: cowin.weeks_ahead: expected an integer between 1 and 2, got a list"},
    {"weeks_ahead_range", "cowin:\n  weeks_ahead: 3\n",
     "t.yaml:2:16: cowin.weeks_ahead: expected an integer between 1 and 2, got \"3\""},
    {"string_wrong_type", "cowin:\n  user_agent: {a: 1}\n", "t.yaml:2:15: cowin.user_agent: expected a string, got a mapping"},
    {"duration_unparsable", "cowin:\n  timeout: 10 parsecs\n",
     "t.yaml:2:12: cowin.timeout: expected a duration between 100ms and 5m such as \"500ms\", \"30s\", \"5m\" or "
     "\"2h\", got \"10 parsecs\""},
    {"duration_no_unit", "poll:\n  min_interval: 30\n",
     "t.yaml:2:17: poll.min_interval: expected a duration between 1s and 1d such as \"500ms\", \"30s\", \"5m\" or "
     "\"2h\", got \"30\""},
    {"duration_out_of_range", "cowin:\n  timeout: 10m\n",
     "t.yaml:2:12: cowin.timeout: expected a duration between 100ms and 5m such as \"500ms\", \"30s\", \"5m\" or "
     "\"2h\", got \"10m\""},
    {"backoff_above_max", "cowin:\n  block_backoff: 1h\n  block_backoff_max: 30m\n",
     "t.yaml:2:18: cowin.block_backoff: expected at most cowin.block_backoff_max, got a longer duration"},
    {"enum_unknown", "state:\n  backend: postgres\n",
     "t.yaml:2:12: state.backend: expected one of redis, memory, got \"postgres\""},
    {"section_not_a_map", "poll: 5\n", "t.yaml:1:7: poll: expected a mapping, got \"5\""},
    {"port_range", "state:\n  redis: {port: 70000}\n",
     "t.yaml:2:17: state.redis.port: expected an integer between 1 and 65535, got \"70000\""},
    {"listen_no_port", "admin:\n  listen: localhost\n",
     "t.yaml:2:11: admin.listen: expected host:port with a port between 0 (any free port) and 65535, got \"localhost\""},
    {"base_url_not_http", "cowin:\n  base_url: ftp://example.org\n",
     "t.yaml:2:13: cowin.base_url: expected an http:// or https:// URL, got \"ftp://example.org\""},
    {"retry_schedule_bad_item", "delivery:\n  retry_schedule: [5s, soon]\n",
     "t.yaml:2:24: delivery.retry_schedule[1]: expected a duration between 0s and 1d such as \"500ms\", \"30s\", "
     "\"5m\" or \"2h\", got \"soon\""},
    {"audit_cap_too_small", "delivery:\n  audit_max_entries: 10\n",
     "t.yaml:2:22: delivery.audit_max_entries: expected an integer between 1000 and 100000000, got \"10\""},
    {"secret_file_missing", "cowin:\n  api_key_file: /nonexistent/cowin-key\n",
     "t.yaml:2:17: cowin.api_key_file: cannot read /nonexistent/cowin-key"},
    {"secret_env_unset", "state:\n  redis:\n    password_env: COWIN_TEST_SURELY_UNSET\n",
     "t.yaml:3:19: state.redis.password_env: environment variable COWIN_TEST_SURELY_UNSET is not set"},
    {"secret_two_sources", "delivery:\n  telegram:\n    bot_token: abc\n    bot_token_env: HOME\n",
     "t.yaml:3:5: delivery.telegram.bot_token: give at most one of bot_token, bot_token_file and bot_token_env"},
    {"subscriptions_not_list", "subscriptions: {id: a}\n",
     "t.yaml:1:16: subscriptions: expected a list of subscriptions, got a mapping"},
    {"sub_both_targets", SUB_HEAD "    district_id: 363\n    pincode: 411027\n    notify: {log: true}\n",
     "t.yaml:2:5: subscriptions[0]: expected exactly one of district_id and pincode, got both"},
    {"sub_no_target", SUB_HEAD "    notify: {log: true}\n",
     "t.yaml:2:5: subscriptions[0]: expected exactly one of district_id and pincode, got neither"},
    {"sub_pincode_short", SUB_HEAD "    pincode: 41102\n    notify: {log: true}\n",
     "t.yaml:3:14: subscriptions[0].pincode: expected a 6-digit pincode with a first digit 1-9, got \"41102\""},
    {"sub_pincode_leading_zero", SUB_HEAD "    pincode: \"011002\"\n    notify: {log: true}\n",
     "t.yaml:3:14: subscriptions[0].pincode: expected a 6-digit pincode with a first digit 1-9, got \"011002\""},
    {"sub_pincode_letters", SUB_HEAD "    pincode: 4110AB\n    notify: {log: true}\n",
     "t.yaml:3:14: subscriptions[0].pincode: expected a 6-digit pincode with a first digit 1-9, got \"4110AB\""},
    {"sub_age_high", SUB_HEAD "    district_id: 363\n    age: 131\n    notify: {log: true}\n",
     "t.yaml:4:10: subscriptions[0].age: expected an integer between 0 and 130, got \"131\""},
    {"sub_age_negative", SUB_HEAD "    district_id: 363\n    age: -1\n    notify: {log: true}\n",
     "t.yaml:4:10: subscriptions[0].age: expected an integer between 0 and 130, got \"-1\""},
    {"sub_dose_3", SUB_HEAD "    district_id: 363\n    dose: 3\n    notify: {log: true}\n",
     "t.yaml:4:11: subscriptions[0].dose: expected 1 or 2, got \"3\""},
    {"sub_fee_type", SUB_HEAD "    district_id: 363\n    fee_type: cheap\n    notify: {log: true}\n",
     "t.yaml:4:15: subscriptions[0].fee_type: expected one of any, free, paid, got \"cheap\""},
    {"sub_vaccine_typo", SUB_HEAD "    district_id: 363\n    vaccines: [COVISHEILD]\n    notify: {log: true}\n",
     "t.yaml:4:16: subscriptions[0].vaccines[0]: expected one of COVISHIELD, COVAXIN, SPUTNIK V, CORBEVAX, "
     "COVOVAX, ZYCOV-D (did you mean 'COVISHIELD'?), got \"COVISHEILD\""},
    {"sub_duplicate_id",
     SUB_HEAD "    district_id: 363\n    notify: {log: true}\n  - id: s1\n    district_id: 395\n    notify: {log: true}\n",
     "t.yaml:5:9: subscriptions[1].id: duplicate subscription id 's1'"},
    {"sub_bad_id", "subscriptions:\n  - id: \"has space\"\n    district_id: 363\n    notify: {log: true}\n",
     "t.yaml:2:9: subscriptions[0].id: expected 1 to 64 characters of A-Z a-z 0-9 . _ -, got \"has space\""},
    {"sub_no_id", "subscriptions:\n  - district_id: 363\n    notify: {log: true}\n",
     "t.yaml:2:5: subscriptions[0].id: expected an id, got nothing"},
    {"sub_no_channel", SUB_HEAD "    district_id: 363\n    notify: {}\n",
     "t.yaml:4:13: subscriptions[0].notify: expected at least one channel (webhook, telegram, sms or log)"},
    {"sub_notify_missing", SUB_HEAD "    district_id: 363\n",
     "t.yaml:2:5: subscriptions[0].notify: expected at least one channel (webhook, telegram, sms or log)"},
    {"sub_webhook_not_http",
     SUB_HEAD "    district_id: 363\n    notify:\n      webhook: {url: \"ftp://x/y\", "
              "secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}\n",
     "t.yaml:5:22: subscriptions[0].notify.webhook.url: expected an http:// or https:// URL, got \"ftp://x/y\""},
    {"sub_webhook_secret_prefix",
     SUB_HEAD "    district_id: 363\n    notify:\n      webhook: {url: \"http://h/x\", secret: \"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}\n",
     "t.yaml:5:44: subscriptions[0].notify.webhook.secret: expected \"whsec_\" followed by the base64 of 24 to 64 "
     "random bytes, got \"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\""},
    {"sub_webhook_secret_short",
     SUB_HEAD "    district_id: 363\n    notify:\n      webhook: {url: \"http://h/x\", secret: \"whsec_c2hvcnQ=\"}\n",
     "t.yaml:5:44: subscriptions[0].notify.webhook.secret: expected \"whsec_\" followed by the base64 of 24 to 64 "
     "random bytes, got \"whsec_c2hvcnQ=\""},
    {"sub_telegram_chat_id",
     "delivery:\n  telegram: {bot_token: \"1:abc\"}\n" SUB_HEAD
     "    district_id: 363\n    notify:\n      telegram: {chat_id: \"@mychannel\"}\n",
     "t.yaml:7:27: subscriptions[0].notify.telegram.chat_id: expected an integer between -9223372036854775808 and "
     "9223372036854775807, got \"@mychannel\""},
    {"sub_sms_not_e164",
     "delivery:\n  sms:\n    twilio: {account_sid: AC1, auth_token: t, from: \"+15005550006\"}\n" SUB_HEAD
     "    district_id: 363\n    notify:\n      sms: {to: \"9812345678\"}\n",
     "t.yaml:8:17: subscriptions[0].notify.sms.to: expected an E.164 phone number such as +919812345678, got "
     "\"9812345678\""},
    {"telegram_without_token", SUB_HEAD "    district_id: 363\n    notify:\n      telegram: {chat_id: 42}\n",
     "t.yaml:2:3: delivery.telegram.bot_token: expected a bot token (bot_token, bot_token_file or bot_token_env): a "
     "subscription notifies by Telegram"},
};

class config_bad_input : public ::testing::TestWithParam<bad_case> {};

TEST_P(config_bad_input, is_refused_with_position_path_and_reason) {
    const bad_case& c = GetParam();
    auto r = load_string(c.yaml, "t.yaml");
    EXPECT_FALSE(r.cfg.has_value());
    ASSERT_FALSE(r.diag.errors.empty()) << c.yaml;
    EXPECT_EQ(r.diag.errors.front().str(), c.error) << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(rows, config_bad_input, ::testing::ValuesIn(bad_cases),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(config, reports_every_error_at_once) {
    auto r = load_string("cowin:\n  timeout: forever\n  weeks_ahead: 9\npoll:\n  min_intervl: 30s\n", "t.yaml");
    ASSERT_EQ(r.diag.errors.size(), 3u);
    EXPECT_EQ(r.diag.errors[0].path, "cowin.timeout");
    EXPECT_EQ(r.diag.errors[1].path, "cowin.weeks_ahead");
    EXPECT_EQ(r.diag.errors[2].path, "poll.min_intervl");
}

TEST(config, empty_file_gives_the_defaults) {
    auto r = load_string("", "t.yaml");
    ASSERT_TRUE(r.cfg.has_value());
    const config& c = *r.cfg;
    EXPECT_EQ(c.cowin.base_url, "https://cdn-api.co-vin.in/api");
    EXPECT_EQ(c.cowin.rate_limit.calls, 100);
    EXPECT_EQ(c.cowin.rate_limit.period, 5min);
    EXPECT_EQ(c.cowin.timeout, 10s);
    EXPECT_EQ(c.poll.min_interval, 30s);
    EXPECT_EQ(c.state.backend, state_backend::redis);
    EXPECT_EQ(c.state.redis.key_prefix, "cowin:");
    EXPECT_EQ(c.delivery.retry_schedule, (std::vector<duration>{5s, 30s, 2min, 10min}));
    EXPECT_EQ(c.delivery.alert_ttl, 15min);
    EXPECT_EQ(c.delivery.audit_max_entries, 1'000'000);
    EXPECT_TRUE(c.subscriptions.empty());
}

TEST(config, missing_default_admin_token_is_a_warning_not_an_error) {
    auto r = load_string("admin:\n  listen: 127.0.0.1:8080\n", "/tmp/t.yaml");
    ASSERT_TRUE(r.cfg.has_value());
    ASSERT_EQ(r.diag.warnings.size(), 1u);
    EXPECT_EQ(r.diag.warnings[0].path, "admin.token_file");
}

TEST(config, subscription_is_read_and_normalised) {
    auto r = load_string(
        "subscriptions:\n"
        "  - id: pune-30\n    pincode: 411027\n    age: 30\n    dose: 2\n    vaccines: [covishield, \"Sputnik V\"]\n"
        "    fee_type: Free\n    min_capacity: 3\n    days: 2\n    center_ids: [561234]\n"
        "    notify:\n      webhook: {url: \"https://example.org/h\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}\n"
        "      log: true\n",
        "t.yaml");
    ASSERT_TRUE(r.cfg.has_value()) << r.diag.errors.front().str();
    const subscription& s = r.cfg->subscriptions.at(0);
    EXPECT_EQ(s.id, "pune-30");
    EXPECT_EQ(s.pincode, "411027");
    EXPECT_FALSE(s.district_id.has_value());
    EXPECT_EQ(s.age, 30);
    EXPECT_EQ(s.dose, 2);
    EXPECT_EQ(s.vaccines, (std::vector<std::string>{"COVISHIELD", "SPUTNIK V"}));
    EXPECT_EQ(s.fee_type, fee_filter::free);
    EXPECT_EQ(s.min_capacity, 3);
    EXPECT_EQ(s.days, 2);
    EXPECT_EQ(s.center_ids, (std::vector<std::int64_t>{561234}));
    ASSERT_TRUE(s.notify.webhook.has_value());
    EXPECT_EQ(s.notify.webhook->url, "https://example.org/h");
    EXPECT_TRUE(s.notify.log);
}

class config_secrets : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("cowin-config-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        std::filesystem::remove_all(dir_);
        ::unsetenv("CREDENTIALS_DIRECTORY");
    }
    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
    std::filesystem::path dir_;
};

TEST_F(config_secrets, file_is_read_and_its_trailing_newline_dropped) {
    write("token", "s3cret\n");
    auto r = load_string("admin:\n  token_file: " + (dir_ / "token").string() + "\n", (dir_ / "c.yaml").string());
    ASSERT_TRUE(r.cfg.has_value());
    EXPECT_EQ(r.cfg->admin.token.value, "s3cret");
    EXPECT_TRUE(r.diag.warnings.empty());
}

TEST_F(config_secrets, relative_file_resolves_against_the_config_folder) {
    write("token", "abc");
    auto r = load_string("admin:\n  token_file: token\n", (dir_ / "c.yaml").string());
    ASSERT_TRUE(r.cfg.has_value());
    EXPECT_EQ(r.cfg->admin.token.value, "abc");
}

TEST_F(config_secrets, relative_file_resolves_against_systemd_credentials) {
    std::filesystem::create_directories(dir_ / "creds");
    write("creds/token", "from-credentials");
    write("token", "from-config-folder");
    ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "creds").c_str(), 1);
    auto r = load_string("admin:\n  token_file: token\n", (dir_ / "c.yaml").string());
    ASSERT_TRUE(r.cfg.has_value());
    EXPECT_EQ(r.cfg->admin.token.value, "from-credentials");
}

TEST_F(config_secrets, directory_is_not_a_readable_secret) {
    auto r = load_string("admin:\n  token_file: " + dir_.string() + "\n", (dir_ / "c.yaml").string());
    ASSERT_FALSE(r.cfg.has_value());
    EXPECT_EQ(r.diag.errors.at(0).path, "admin.token_file");
}

TEST_F(config_secrets, env_is_read) {
    ::setenv("COWIN_TEST_REDIS_PASSWORD", "pw", 1);
    auto r = load_string("state:\n  redis: {password_env: COWIN_TEST_REDIS_PASSWORD}\n", (dir_ / "c.yaml").string());
    ::unsetenv("COWIN_TEST_REDIS_PASSWORD");
    ASSERT_TRUE(r.cfg.has_value());
    EXPECT_EQ(r.cfg->state.redis.password.value, "pw");
}

TEST(config_files, shipped_configs_load) {
    for (const char* name : {"/config/cowin-notifier.example.yaml", "/config/demo.yaml"}) {
        auto r = load_file(std::string(COWIN_SOURCE_DIR) + name);
        EXPECT_TRUE(r.cfg.has_value()) << name << ": " << (r.diag.errors.empty() ? "" : r.diag.errors[0].str());
    }
}

TEST(config_files, missing_file_is_an_error) {
    auto r = load_file("/nonexistent/cowin.yaml");
    ASSERT_FALSE(r.cfg.has_value());
    EXPECT_EQ(r.diag.errors.at(0).str(), "/nonexistent/cowin.yaml:1:1: cannot open the config file");
}

}  // namespace
}  // namespace cowin::config
