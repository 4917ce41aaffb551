// cowin-notifier: parse argv, load the config, run. Everything else lives in lib/.
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/options.hpp"
#include "config/duration.hpp"
#include "http/client.hpp"
#include "poll/poller.hpp"
#include "state/redis_store.hpp"
#include "state/store.hpp"
#include "config/load.hpp"
#include "config/plan.hpp"
#include "log/log.hpp"
#include "version.hpp"

namespace {

namespace net = boost::asio;

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
    const cowin::config::config& cfg = *loaded.cfg;
    cowin::log::logger log(cowin::log::default_sink(), cfg.log.level);
    net::io_context ioc(1);
    cowin::http::client_settings hs;
    hs.timeout = cfg.cowin.timeout;
    hs.ca_file = cfg.cowin.ca_file;
    cowin::http::client client(ioc.get_executor(), hs);
    std::unique_ptr<cowin::state::store> store_owner;
    if (cfg.state.backend == cowin::config::state_backend::redis) {
        store_owner = std::make_unique<cowin::state::redis_store>(ioc.get_executor(), cfg.state.redis, log);
    } else {
        store_owner = std::make_unique<cowin::state::memory_store>();
    }
    cowin::state::store& store = *store_owner;
    cowin::poll::poller poller(cfg, client, store, log);
    const auto plan = cowin::config::make_plan(cfg);
    log.notice("cowin-notifier ", cowin::version, " starting: config ", path, ", state ", store.name(), ", ",
               plan.targets.size(), " targets, budget ", cfg.cowin.rate_limit.calls, " calls per ",
               cowin::config::format_duration(cfg.cowin.rate_limit.period), " at ", cfg.cowin.base_url);

    net::signal_set signals(ioc, SIGTERM, SIGINT);
    net::steady_timer grace(ioc);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        log.notice("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT", "; stopping");
        poller.stop();
        // A poll in flight gets a few seconds to finish; then everything stops.
        grace.expires_after(std::chrono::seconds(5));
        grace.async_wait([&](const boost::system::error_code&) { ioc.stop(); });
    });
    net::co_spawn(ioc, poller.run(), [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log.error("the poll loop failed: ", ex.what());
            }
        }
        signals.cancel();
        grace.cancel();
        ioc.stop();
    });
    ioc.run();
    log.notice("stopped after ", poller.polls(), " polls");
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
