#pragma once
// Runs a program to completion and captures what it printed: for tests that drive the built binaries.
#include <string>
#include <vector>

namespace cowin::test {

struct process_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs `argv[0]` with `argv`; `env` entries ("K=V") are added to the inherited environment.
process_result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

}  // namespace cowin::test
