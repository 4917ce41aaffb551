// The built cowin-notifier, run as an operator would: --check-config on good and bad files, usage errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"

namespace cowin {
namespace {

using test::run_process;

const std::string bin = COWIN_NOTIFIER_BIN;
const std::string src = COWIN_SOURCE_DIR;

class temp_file {
public:
    explicit temp_file(const std::string& text)
        : path_(std::filesystem::temp_directory_path() /
                ("cowin-check-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".yaml")) {
        std::ofstream(path_) << text;
    }
    ~temp_file() { std::filesystem::remove(path_); }
    std::string path() const { return path_.string(); }

private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

TEST(check_config, example_config_is_ok) {
    auto r = run_process({bin, "--check-config", "--config", src + "/config/cowin-notifier.example.yaml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("config OK: ", 0), 0u) << r.out;
}

TEST(check_config, demo_config_is_ok_and_says_what_it_would_poll) {
    auto r = run_process({bin, "--check-config", "--config", src + "/config/demo.yaml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("config OK: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("would poll "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("district 363"), std::string::npos) << r.out;
}

TEST(check_config, bad_file_lists_every_error_and_exits_2) {
    temp_file f("cowin:\n  rate_limit:\n    calls: many\npoll:\n  min_intervl: 30s\n");
    auto r = run_process({bin, "--check-config", "--config", f.path()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(f.path() + ":3:12: cowin.rate_limit.calls: expected an integer between 1 and 10000, got \"many\""),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(f.path() + ":5:3: poll.min_intervl: unknown key 'min_intervl'; did you mean 'min_interval'?"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("2 errors in "), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(check_config, yaml_syntax_error_exits_2) {
    temp_file f("cowin: [unclosed\n");
    auto r = run_process({bin, "--check-config", "--config", f.path()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("YAML syntax error"), std::string::npos) << r.err;
}

TEST(check_config, missing_file_exits_2) {
    auto r = run_process({bin, "--check-config", "--config", "/nonexistent/cowin.yaml"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("/nonexistent/cowin.yaml:1:1: cannot open the config file"), std::string::npos) << r.err;
}

TEST(command_line, unknown_flag_prints_usage_and_exits_2) {
    auto r = run_process({bin, "--frobnicate"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown argument '--frobnicate'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usage: cowin-notifier"), std::string::npos) << r.err;
}

TEST(command_line, version_and_help) {
    auto v = run_process({bin, "--version"});
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out.rfind("cowin-notifier ", 0), 0u);
    auto h = run_process({bin, "--help"});
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("--check-config"), std::string::npos);
}

}  // namespace
}  // namespace cowin
