// cowin-notifier: parse argv, load the config, run. Everything else lives in lib/.
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "cli/options.hpp"
#include "config/load.hpp"
#include "config/plan.hpp"
#include "log/log.hpp"
#include "version.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_config = 2;

void print_diagnostics(const cowin::config::diagnostics& d) {
    for (const auto& e : d.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
    for (const auto& w : d.warnings) std::fprintf(stderr, "warning: %s\n", w.str().c_str());
}

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

int run(const std::string& path) {
    auto loaded = cowin::config::load_file(path);
    print_diagnostics(loaded.diag);
    if (!loaded.cfg) return exit_bad_config;
    cowin::log::logger log(cowin::log::default_sink(), loaded.cfg->log.level);
    log.error("cowin-notifier ", cowin::version,
              ": the poller is not part of this build yet; use --check-config to validate ", path);
    return exit_failure;
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
