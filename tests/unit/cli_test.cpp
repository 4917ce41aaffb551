#include <gtest/gtest.h>

#include "cli/options.hpp"

namespace cowin::cli {
namespace {

TEST(cli, defaults_to_running_with_the_system_config) {
    auto o = parse({});
    EXPECT_EQ(o.what, action::run);
    EXPECT_EQ(o.config_path, "/etc/cowin-notifier/config.yaml");
}

TEST(cli, reads_each_flag) {
    EXPECT_EQ(parse({"--check-config", "--config", "x.yaml"}).what, action::check_config);
    EXPECT_EQ(parse({"--check-config", "--config", "x.yaml"}).config_path, "x.yaml");
    EXPECT_EQ(parse({"-c", "y.yaml"}).config_path, "y.yaml");
    EXPECT_EQ(parse({"--config=z.yaml"}).config_path, "z.yaml");
    EXPECT_EQ(parse({"--version"}).what, action::version);
    EXPECT_EQ(parse({"--help"}).what, action::help);
    EXPECT_EQ(parse({"--check-config", "--help"}).what, action::help);
}

TEST(cli, refuses_unknown_flags_and_missing_values) {
    auto o = parse({"--verbose"});
    EXPECT_EQ(o.what, action::usage_error);
    EXPECT_EQ(o.error, "unknown argument '--verbose'");
    EXPECT_EQ(parse({"--config"}).what, action::usage_error);
    EXPECT_EQ(parse({"--config="}).what, action::usage_error);
}

TEST(cli, help_has_an_example) {
    EXPECT_NE(help("cowin-notifier").find("example:\n  cowin-notifier --check-config"), std::string::npos);
}

}  // namespace
}  // namespace cowin::cli
