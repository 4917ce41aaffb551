#pragma once
#include <string>

namespace cowin::daemon {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_config = 2;

/// Runs the daemon with the config at `path` until SIGTERM/SIGINT; returns the exit code.
int run(const std::string& path);

}  // namespace cowin::daemon
