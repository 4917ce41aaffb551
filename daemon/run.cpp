// The running daemon: every part built from the config and wired together on one event loop, the
// signals (SIGTERM/SIGINT stop, SIGHUP reloads), and what systemd is told.
#include "run.hpp"

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "admin/api.hpp"
#include "admin/status.hpp"
#include "config/duration.hpp"
#include "config/load.hpp"
#include "config/plan.hpp"
#include "delivery/alert.hpp"
#include "delivery/consumer_name.hpp"
#include "delivery/outbox.hpp"
#include "delivery/senders.hpp"
#include "delivery/worker.hpp"
#include "http/client.hpp"
#include "log/log.hpp"
#include "metrics/registry.hpp"
#include "notify.hpp"
#include "poll/poller.hpp"
#include "state/redis_store.hpp"
#include "state/store.hpp"
#include "subs/repository.hpp"
#include "subs/service.hpp"
#include "version.hpp"
#include "wiring.hpp"

namespace cowin::daemon {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

delivery::worker_settings worker_settings_of(const config::config& cfg, std::string consumer) {
    delivery::worker_settings ws;
    ws.retry_schedule = cfg.delivery.retry_schedule;
    ws.alert_ttl = cfg.delivery.alert_ttl;
    ws.max_in_flight_per_host = cfg.delivery.webhook.max_in_flight_per_host;
    ws.consumer = std::move(consumer);
    // Long enough that a live process's slowest attempt is never taken from it.
    ws.reclaim_after = cfg.delivery.webhook.timeout * 2 + 15s;
    return ws;
}

// systemd starts a service with a soft limit of 1,024 descriptors and a much higher hard one. The
// low soft limit protects programs that use select(); this one uses epoll, so it takes what it may
// (up to 65,536): the admin API gets a quarter of it.
void raise_descriptor_limit() {
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0) return;
    const rlim_t want = nofile.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(nofile.rlim_max, 65536);
    if (nofile.rlim_cur >= want) return;
    nofile.rlim_cur = want;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
}

}  // namespace

int run(const std::string& path) {
    raise_descriptor_limit();
    auto loaded = config::load_file(path);
    print_diagnostics(loaded.diag);
    if (!loaded.cfg) return exit_bad_config;
    config::config cfg = std::move(*loaded.cfg);
    log::logger log(log::default_sink(), cfg.log.level);
    const systemd_notifier systemd;
    net::io_context ioc(1);

    http::client client(ioc.get_executor(), {cfg.cowin.timeout, cfg.cowin.ca_file});
    std::unique_ptr<state::store> store_owner;
    std::unique_ptr<subs::repository> repo_owner;
    if (cfg.state.backend == config::state_backend::redis) {
        auto redis = std::make_unique<state::redis_store>(ioc.get_executor(), cfg.state.redis, log);
        repo_owner = std::make_unique<subs::redis_repository>(*redis);
        store_owner = std::move(redis);
    } else {
        store_owner = std::make_unique<state::memory_store>();
        repo_owner = std::make_unique<subs::memory_repository>();
    }
    state::store& store = *store_owner;
    poll::poller poller(cfg, client, store, log);
    subs::service subs(*repo_owner, store, log, cfg.cowin.weeks_ahead);
    metrics::registry reg;
    metrics::describe_all(reg);
    wire_metrics(reg, poller, subs);
    subs.sources = [&poller](const config::subscription& s) { return poller.sources_of(s); };
    subs.on_targets_changed = [&] { poller.set_targets(poll::targets_of(cfg, subs.index())); };

    // Delivery has its own HTTP client: receivers have their own timeout.
    http::client delivery_client(ioc.get_executor(), {cfg.delivery.webhook.timeout, "", std::size_t{1} << 20});
    std::unique_ptr<delivery::outbox> outbox;
    if (auto* redis = dynamic_cast<state::redis_store*>(&store)) {
        outbox = std::make_unique<delivery::redis_outbox>(*redis, cfg.delivery.audit_max_entries);
    } else {
        outbox = std::make_unique<delivery::memory_outbox>(static_cast<state::memory_store&>(store).outbox_log(),
                                                           static_cast<std::size_t>(cfg.delivery.audit_max_entries));
    }
    delivery::senders senders(delivery_client, cfg.delivery, log);
    const std::string consumer = delivery::consumer_name();
    delivery::worker worker(*outbox, subs, senders, worker_settings_of(cfg, consumer), log, reg);
    wire_delivery(reg, log, poller, subs, *outbox, worker, ioc.get_executor());

    bool subscriptions_loaded = false;
    admin::api_context api{subs, reg, cfg.admin.token.value, [&] { return subscriptions_loaded && store.ready(); },
                           cfg.delivery,
                           [&] { return admin::status_json(poller, subs.index().size(), store.ready(), worker.depth()); },
                           outbox.get()};
    std::unique_ptr<admin::server> admin;
    try {
        admin = std::make_unique<admin::server>(
            ioc.get_executor(), cfg.admin.listen, [&api](admin::request& r) { return admin::handle(api, r); }, log);
    } catch (const std::exception& e) {
        log.error(e.what());
        return exit_failure;
    }
    if (cfg.admin.token.value.empty()) {
        log.warning("no admin token (", cfg.admin.token.file.empty() ? std::string("admin.token_env") : cfg.admin.token.file,
                    "): the /v1 admin API refuses every request until one is configured");
    }
    const auto plan = config::make_plan(cfg);
    log.notice("cowin-notifier ", version, " starting: config ", path, ", state ", store.name(), ", ", plan.targets.size(),
               " targets, budget ", cfg.cowin.rate_limit.calls, " calls per ",
               config::format_duration(cfg.cowin.rate_limit.period), " at ", cfg.cowin.base_url, "; admin API on ",
               cfg.admin.listen.substr(0, cfg.admin.listen.rfind(':')), ":", admin->port());

    auto status_line = [&] { return status_summary(poller, reg, worker); };
    bool stopping = false;

    // SIGHUP: the config is read again; a valid one applies without dropping state or work.
    auto reload = [&]() -> net::awaitable<void> {
        systemd.reloading();
        log.notice("SIGHUP: reloading ", path);
        auto next = config::load_file(path);
        for (const auto& w : next.diag.warnings) log.warning(path, ": ", w.str());
        if (!next.cfg) {
            for (const auto& e : next.diag.errors) log.error(e.str());
            log.error("reload refused: ", next.diag.errors.size(), " error", next.diag.errors.size() == 1 ? "" : "s", " in ",
                      path, "; the running configuration stays");
            systemd.ready(status_line());
            co_return;
        }
        config::config fresh = std::move(*next.cfg);
        for (const auto& what : restart_only_changes(cfg, fresh)) log.warning(what, " changed; it applies at the next restart");
        keep_restart_only(cfg, fresh);
        cfg = std::move(fresh);
        log.set_threshold(cfg.log.level);
        client.set_timeout(cfg.cowin.timeout);
        delivery_client.set_timeout(cfg.delivery.webhook.timeout);
        poller.reconfigure(cfg);
        senders.reconfigure(cfg.delivery);
        worker.reconfigure(worker_settings_of(cfg, consumer));
        api.token = cfg.admin.token.value;
        api.delivery = cfg.delivery;
        try {
            if (subscriptions_loaded) co_await subs.sync_config(cfg.subscriptions);
        } catch (const std::exception& e) {
            log.error("reload: the config's subscriptions could not be stored (", e.what(), "); they apply at the next reload");
        }
        poller.set_targets(poll::targets_of(cfg, subs.index()));
        log.notice("reloaded ", path, ": ", config::make_plan(cfg).targets.size(), " targets, budget ",
                   cfg.cowin.rate_limit.calls, " calls per ", config::format_duration(cfg.cowin.rate_limit.period), ", ",
                   cfg.subscriptions.size(), " subscriptions in the file");
        systemd.ready(status_line());
    };
    net::signal_set hup(ioc, SIGHUP);
    std::function<void()> wait_hup = [&] {
        hup.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec || stopping) return;
            net::co_spawn(ioc, reload(), [&](std::exception_ptr) { wait_hup(); });
        });
    };
    wait_hup();

    // SIGTERM/SIGINT: no new polls or deliveries; attempts in flight get a few seconds to finish (an
    // unfinished one stays in the outbox for the next start); then out, well inside systemd's 10 s.
    net::signal_set signals(ioc, SIGTERM, SIGINT);
    net::steady_timer grace(ioc);
    auto drain = [&]() -> net::awaitable<void> {
        net::steady_timer t(co_await net::this_coro::executor);
        for (auto end = std::chrono::steady_clock::now() + 5s; worker.in_flight() > 0 && std::chrono::steady_clock::now() < end;) {
            t.expires_after(50ms);
            co_await t.async_wait(net::as_tuple(net::use_awaitable));
        }
        if (worker.in_flight() > 0) log.notice(worker.in_flight(), " deliveries unfinished; they stay in the outbox for the next start");
        ioc.stop();
    };
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        systemd.stopping();
        log.notice("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT", "; stopping");
        stopping = true;
        hup.cancel();
        poller.stop();
        worker.stop();
        admin->stop();
        net::co_spawn(ioc, drain(), net::detached);
    });

    // Watchdog pings and STATUS lines come from this loop: if it stalls, systemd notices.
    auto heartbeat = [&]() -> net::awaitable<void> {
        net::steady_timer t(co_await net::this_coro::executor);
        const auto ping = systemd.ping_every().value_or(std::chrono::microseconds(10s));
        auto last_status = std::chrono::steady_clock::now();
        while (!stopping) {
            systemd.watchdog();
            if (std::chrono::steady_clock::now() - last_status >= 10s && subscriptions_loaded) {
                systemd.status(status_line());
                last_status = std::chrono::steady_clock::now();
            }
            t.expires_after(std::min<std::chrono::steady_clock::duration>(ping, 10s));
            co_await t.async_wait(net::as_tuple(net::use_awaitable));
        }
    };
    net::co_spawn(ioc, heartbeat(), net::detached);
    net::co_spawn(ioc, admin->run(), net::detached);

    int rc = exit_ok;
    // Subscriptions first: polling without them would see openings nobody is matched against.
    auto start = [&]() -> net::awaitable<void> {
        net::steady_timer wait(co_await net::this_coro::executor);
        bool told_waiting = false;
        while (!stopping) {
            try {
                if (co_await store.ensure_ready()) {
                    co_await subs.load(cfg.subscriptions);
                    break;
                }
            } catch (const std::exception& e) {
                log.warning("loading subscriptions failed: ", e.what(), "; retrying");
            }
            if (!told_waiting) {
                systemd.status("waiting for Redis at " + cfg.state.redis.host + ":" + std::to_string(cfg.state.redis.port));
                told_waiting = true;
            }
            wait.expires_after(1s);
            co_await wait.async_wait(net::as_tuple(net::use_awaitable));
        }
        if (stopping) co_return;
        subscriptions_loaded = true;
        poller.set_targets(poll::targets_of(cfg, subs.index()));
        // A process that polls but cannot deliver would commit alerts nobody sends: it exits instead,
        // and the next one (systemd's Restart=on-failure) takes over what this one held.
        net::co_spawn(ioc, worker.run(), [&](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log.error("the delivery loop failed: ", ex.what());
            }
            rc = exit_failure;
            ioc.stop();
        });
        systemd.ready("serving: " + std::to_string(subs.index().size()) + " subscriptions, " +
                      std::to_string(poller.schedule().targets().size()) + " targets; " + status_line());
        co_await poller.run();
    };
    net::co_spawn(ioc, start(), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log.error("the poll loop failed: ", ex.what());
        }
        rc = exit_failure;  // so that systemd's Restart=on-failure starts a fresh process
        ioc.stop();
    });
    ioc.run();
    log.notice("stopped after ", poller.polls(), " polls");
    return rc;
}

}  // namespace cowin::daemon
