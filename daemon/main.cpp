// cowin-notifier: parse argv, then check the config or run (run.cpp). Everything else lives in lib/.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.hpp"
#include "config/load.hpp"
#include "config/plan.hpp"
#include "run.hpp"
#include "version.hpp"
#include "wiring.hpp"

namespace {

using namespace cowin::daemon;

int check_config(const std::string& path) {
    auto loaded = cowin::config::load_file(path);
    print_diagnostics(loaded.diag);
    if (!loaded.cfg) {
        std::fprintf(stderr, "%zu error%s in %s\n", loaded.diag.errors.size(),
                     loaded.diag.errors.size() == 1 ? "" : "s", path.c_str());
        return exit_bad_config;
    }
    auto plan = cowin::config::make_plan(*loaded.cfg);
    std::printf("config OK: %s\n%s", path.c_str(), cowin::config::describe(plan, *loaded.cfg).c_str());
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) try {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    const std::string_view program = "cowin-notifier";
    auto opts = cowin::cli::parse(args);
    switch (opts.what) {
        case cowin::cli::action::usage_error:
            std::fprintf(stderr, "cowin-notifier: %s\n%s", opts.error.c_str(), cowin::cli::usage(program).c_str());
            return exit_bad_config;
        case cowin::cli::action::help: std::printf("%s", cowin::cli::help(program).c_str()); return exit_ok;
        case cowin::cli::action::version: std::printf("cowin-notifier %s\n", cowin::version); return exit_ok;
        case cowin::cli::action::check_config: return check_config(opts.config_path);
        case cowin::cli::action::run: return run(opts.config_path);
    }
    return exit_failure;
} catch (const std::exception& e) {
    std::fprintf(stderr, "cowin-notifier: %s\n", e.what());
    return exit_failure;
}
