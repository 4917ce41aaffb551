// cowin-notifier: parse argv, load the config, run. Everything else lives in lib/.
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include "admin/api.hpp"
#include "delivery/alert.hpp"
#include "delivery/outbox.hpp"
#include "delivery/senders.hpp"
#include "delivery/worker.hpp"
#include "admin/status.hpp"
#include "cli/options.hpp"
#include "metrics/registry.hpp"
#include "subs/repository.hpp"
#include "subs/service.hpp"
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

// Openings as they are handed to the outbox: counted and logged, one line each.
void log_alerts(const cowin::log::logger& log, cowin::metrics::registry& reg, const cowin::subs::index& index,
                const std::vector<cowin::subs::alert_draft>& alerts) {
    for (const auto& a : alerts) {
        reg.add("matches_total", "", static_cast<double>(a.sessions.size()));
        const auto channels = index.channels(a.slot);
        for (auto [bit, name] : {std::pair{cowin::subs::webhook, "webhook"}, std::pair{cowin::subs::telegram, "telegram"},
                                 std::pair{cowin::subs::sms, "sms"}, std::pair{cowin::subs::log, "log"}}) {
            if (channels & bit) reg.add("alerts_enqueued_total", cowin::metrics::labels({{"channel", name}}));
        }
        std::string line = "opening for " + a.subscription_id + ": " + std::to_string(a.sessions.size()) + " session" +
                           (a.sessions.size() == 1 ? "" : "s") + " open in " + (a.by_pincode ? "pincode " : "district ") +
                           std::to_string(a.target_id) + ":";
        for (auto i : a.sessions) {
            const auto& d = (*a.pool)[i];
            line += " [" + d.center_name + ", " + cowin::api::to_iso(d.date) + ", " + d.vaccine + ", " +
                    std::to_string(d.cap.total) + " doses]";
        }
        log.info(line);
    }
}

void wire_metrics(cowin::metrics::registry& reg, cowin::poll::poller& poller, const cowin::subs::service& subs) {
    using cowin::metrics::labels;
    poller.on_poll = [&reg](const cowin::poll::poll_outcome& o) {
        const bool called = o.status != 0 || o.result.find("blocked") == std::string::npos;
        if (called) {
            reg.add("cowin_calls_total",
                    labels({{"endpoint", o.target.type == cowin::poll::target_key::kind::district ? "calendarByDistrict"
                                                                                                 : "calendarByPin"},
                            {"status", std::to_string(o.status)}}));
        }
        const std::string result = o.result == "ok" || o.result == "unchanged" ? o.result
                                   : o.result.starts_with("blocked")          ? std::string("blocked")
                                                                               : std::string("failed");
        reg.add("polls_total", labels({{"result", result}}));
        reg.add("cowin_blocked_seconds_total", "", std::chrono::duration<double>(o.paused).count());
        reg.add("transitions_total", labels({{"kind", "appeared"}}), static_cast<double>(o.appeared));
        reg.add("transitions_total", labels({{"kind", "disappeared"}}), static_cast<double>(o.disappeared));
        reg.add("transitions_total", labels({{"kind", "changed"}}), static_cast<double>(o.changed));
    };
    reg.collect([&poller, &subs](cowin::metrics::registry& r) {
        const auto now = cowin::poll::clock::now();
        r.set("budget_used_calls", "", poller.spent().used(now));
        r.set("budget_limit_calls", "", poller.spent().calls());
        r.clear("poll_age_seconds");
        for (const auto& [k, t] : poller.schedule().targets()) {
            if (t.last_success == cowin::poll::clock::time_point{}) continue;
            r.set("poll_age_seconds", labels({{"target", k.store_key()}}),
                  std::chrono::duration<double>(now - t.last_success).count());
        }
        for (auto [bit, name] : {std::pair{cowin::subs::webhook, "webhook"}, std::pair{cowin::subs::telegram, "telegram"},
                                 std::pair{cowin::subs::sms, "sms"}, std::pair{cowin::subs::log, "log"}}) {
            r.set("subscriptions", labels({{"channel", name}}), static_cast<double>(subs.index().count_with(bit)));
        }
    });
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
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
    std::unique_ptr<cowin::subs::repository> repo_owner;
    if (cfg.state.backend == cowin::config::state_backend::redis) {
        auto redis = std::make_unique<cowin::state::redis_store>(ioc.get_executor(), cfg.state.redis, log);
        repo_owner = std::make_unique<cowin::subs::redis_repository>(*redis);
        store_owner = std::move(redis);
    } else {
        store_owner = std::make_unique<cowin::state::memory_store>();
        repo_owner = std::make_unique<cowin::subs::memory_repository>();
    }
    cowin::state::store& store = *store_owner;
    cowin::poll::poller poller(cfg, client, store, log);
    cowin::subs::service subs(*repo_owner, store, log, cfg.cowin.weeks_ahead);
    cowin::metrics::registry reg;
    cowin::metrics::describe_all(reg);
    wire_metrics(reg, poller, subs);

    subs.sources = [&poller](const cowin::config::subscription& s) { return poller.sources_of(s); };
    subs.on_targets_changed = [&] { poller.set_targets(cowin::poll::targets_of(cfg, subs.index())); };
    // Delivery: its own HTTP client, as receivers have their own timeout.
    cowin::http::client_settings ds;
    ds.timeout = cfg.delivery.webhook.timeout;
    ds.body_limit = 1 << 20;
    cowin::http::client delivery_client(ioc.get_executor(), ds);
    std::unique_ptr<cowin::delivery::outbox> outbox;
    const std::int64_t audit_max_entries = cfg.delivery.audit_max_entries;
    if (auto* redis = dynamic_cast<cowin::state::redis_store*>(&store)) {
        outbox = std::make_unique<cowin::delivery::redis_outbox>(*redis, audit_max_entries);
    } else {
        outbox = std::make_unique<cowin::delivery::memory_outbox>(
            static_cast<cowin::state::memory_store&>(store).outbox_log(), static_cast<std::size_t>(audit_max_entries));
    }
    cowin::delivery::senders senders(delivery_client, cfg.delivery, log);
    cowin::delivery::worker_settings ws;
    ws.retry_schedule = cfg.delivery.retry_schedule;
    ws.alert_ttl = cfg.delivery.alert_ttl;
    ws.max_in_flight_per_host = cfg.delivery.webhook.max_in_flight_per_host;
    ws.consumer = host_name() + ":" + std::to_string(::getpid());
    ws.reclaim_after = cfg.delivery.webhook.timeout * 2 + std::chrono::seconds(15);
    cowin::delivery::worker worker(*outbox, subs, senders, ws, log, reg);

    reg.collect([&worker](cowin::metrics::registry& r) {
        r.set("outbox_depth", "", static_cast<double>(worker.depth().first));
        r.set("dead_letters", "", static_cast<double>(worker.depth().second));
    });
    auto to_outbox = [&subs](const std::vector<cowin::subs::alert_draft>& drafts) {
        std::vector<std::string> out;
        for (const auto& d : drafts) {
            for (const auto& a : cowin::delivery::alerts_for(d, subs.index().channels(d.slot))) out.push_back(cowin::delivery::encode(a));
        }
        return out;
    };
    poller.to_outbox = to_outbox;
    poller.on_alerts = [&](std::vector<cowin::subs::alert_draft>&& a) {
        log_alerts(log, reg, subs.index(), a);
        worker.wake();
    };
    // Told once (a new subscription): not part of any poll's commit, so added on their own.
    subs.on_alerts = [&](std::vector<cowin::subs::alert_draft>&& a) {
        log_alerts(log, reg, subs.index(), a);
        auto blobs = to_outbox(a);
        net::co_spawn(ioc, outbox->add(std::move(blobs)), [&](std::exception_ptr e) {
            if (e) log.warning("could not add the alerts of a new subscription to the outbox");
            worker.wake();
        });
    };
    poller.match = [&subs](const cowin::subs::poll_result& p, std::chrono::system_clock::time_point fetched,
                           std::vector<cowin::subs::alert_draft>& out) { subs.match(p, fetched, out); };

    bool subscriptions_loaded = false;
    cowin::admin::api_context api{subs, reg, cfg.admin.token.value,
                                  [&] { return subscriptions_loaded && store.ready(); }, cfg.delivery,
                                  [&] { return cowin::admin::status_json(poller, subs.index().size(), store.ready(), worker.depth()); },
                                  outbox.get()};
    std::unique_ptr<cowin::admin::server> admin;
    try {
        admin = std::make_unique<cowin::admin::server>(
            ioc.get_executor(), cfg.admin.listen, [&api](cowin::admin::request& r) { return cowin::admin::handle(api, r); },
            log);
    } catch (const std::exception& e) {
        log.error(e.what());
        return exit_failure;
    }
    if (cfg.admin.token.value.empty()) {
        log.warning("no admin token (", cfg.admin.token.file.empty() ? std::string("admin.token_env") : cfg.admin.token.file,
                    "): the /v1 admin API refuses every request until one is configured");
    }
    const auto plan = cowin::config::make_plan(cfg);
    log.notice("cowin-notifier ", cowin::version, " starting: config ", path, ", state ", store.name(), ", ",
               plan.targets.size(), " targets, budget ", cfg.cowin.rate_limit.calls, " calls per ",
               cowin::config::format_duration(cfg.cowin.rate_limit.period), " at ", cfg.cowin.base_url,
               "; admin API on ", cfg.admin.listen.substr(0, cfg.admin.listen.rfind(':')), ":", admin->port());

    bool stopping = false;
    net::signal_set signals(ioc, SIGTERM, SIGINT);
    net::steady_timer grace(ioc);
    auto finish = [&] {
        signals.cancel();
        grace.cancel();
        ioc.stop();
    };
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        log.notice("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT", "; stopping");
        stopping = true;
        poller.stop();
        worker.stop();
        admin->stop();
        // A poll in flight gets a few seconds to finish; then everything stops.
        grace.expires_after(std::chrono::seconds(5));
        grace.async_wait([&](const boost::system::error_code&) { ioc.stop(); });
    });
    net::co_spawn(ioc, admin->run(), net::detached);
    // Subscriptions first: polling without them would see openings nobody is matched against.
    auto start = [&]() -> net::awaitable<void> {
        net::steady_timer wait(co_await net::this_coro::executor);
        while (!stopping) {
            try {
                if (co_await store.ensure_ready()) {
                    co_await subs.load(cfg.subscriptions);
                    break;
                }
            } catch (const std::exception& e) {
                log.warning("loading subscriptions failed: ", e.what(), "; retrying");
            }
            wait.expires_after(std::chrono::seconds(1));
            co_await wait.async_wait(net::as_tuple(net::use_awaitable));
        }
        if (stopping) co_return;
        subscriptions_loaded = true;
        poller.set_targets(cowin::poll::targets_of(cfg, subs.index()));
        net::co_spawn(ioc, worker.run(), [&](std::exception_ptr e) {
            if (e) log.error("the delivery loop failed");
        });
        co_await poller.run();
    };
    net::co_spawn(ioc, start(), [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log.error("the poll loop failed: ", ex.what());
            }
        }
        finish();
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
