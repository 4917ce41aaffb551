#pragma once
// The command line of DESIGN.md §3, parsed without side effects so it can be tested.

#include <string>
#include <string_view>
#include <vector>

namespace cowin::cli {

enum class action { run, check_config, version, help, usage_error };

struct options {
    action what = action::run;
    std::string config_path = "/etc/cowin-notifier/config.yaml";
    /// Set with action::usage_error.
    std::string error;
};

options parse(const std::vector<std::string_view>& args);

std::string usage(std::string_view program);
std::string help(std::string_view program);

}  // namespace cowin::cli
