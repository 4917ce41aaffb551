#include "wiring.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <exception>

#include "delivery/alert.hpp"
#include "delivery/handoff.hpp"
#include "log/line_budget.hpp"
#include "subs/index.hpp"

namespace cowin::daemon {

namespace net = boost::asio;
using metrics::labels;

namespace {

// The one-line-per-delivery at info: at most half of journald's default allowance (10,000 lines per
// 30 s per service), so that a big opening leaves room for warnings; what is over is told in one line.
struct delivered_lines {
    explicit delivered_lines(net::any_io_executor ex) : tell(std::move(ex)) {}
    log::line_budget budget{5000, std::chrono::seconds(30)};
    net::steady_timer tell;
    bool telling = false;
};

void tell_held_back(const log::logger& log, std::uint64_t n) {
    if (n == 0) return;
    log.info("delivered without a line each in the last 30 s (kept under journald's rate limit): ", n,
             " more; GET /v1/audit lists every attempt");
}

constexpr std::pair<subs::channel_bit, const char*> channel_names[] = {
    {subs::webhook, "webhook"}, {subs::telegram, "telegram"}, {subs::sms, "sms"}, {subs::log, "log"}};

// Openings as they are handed to the outbox: counted, and at debug one line each (at info the
// poll line counts them and each delivery has its own line).
void note_alerts(const log::logger& log, metrics::registry& reg, const subs::index& index,
                 const std::vector<subs::alert_draft>& alerts) {
    for (const auto& a : alerts) {
        reg.add("matches_total", "", static_cast<double>(a.sessions.size()));
        const auto channels = index.channels(a.slot);
        for (auto [bit, name] : channel_names) {
            if (channels & bit) reg.add("alerts_enqueued_total", labels({{"channel", name}}));
        }
        if (!log.enabled(log::level::debug)) continue;
        std::string line = "opening for " + a.subscription_id + ": " + std::to_string(a.sessions.size()) + " session" +
                           (a.sessions.size() == 1 ? "" : "s") + " open in " + (a.by_pincode ? "pincode " : "district ") +
                           std::to_string(a.target_id) + ":";
        for (auto i : a.sessions) {
            const auto& d = (*a.pool)[i];
            line += " [" + d.center_name + ", " + api::to_iso(d.date) + ", " + d.vaccine + ", " +
                    std::to_string(d.cap.total) + " doses]";
        }
        log.debug(line);
    }
}

}  // namespace

void print_diagnostics(const config::diagnostics& d) {
    for (const auto& e : d.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
    for (const auto& w : d.warnings) std::fprintf(stderr, "warning: %s\n", w.str().c_str());
}

void wire_metrics(metrics::registry& reg, poll::poller& poller, const subs::service& subs) {
    poller.on_poll = [&reg](const poll::poll_outcome& o) {
        const bool called = o.status != 0 || o.result.find("blocked") == std::string::npos;
        if (called) {
            reg.add("cowin_calls_total",
                    labels({{"endpoint", o.target.type == poll::target_key::kind::district ? "calendarByDistrict" : "calendarByPin"},
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
    reg.collect([&poller, &subs](metrics::registry& r) {
        const auto now = poll::clock::now();
        r.set("budget_used_calls", "", poller.spent().used(now));
        r.set("budget_limit_calls", "", poller.spent().calls());
        r.clear("poll_age_seconds");
        for (const auto& [k, t] : poller.schedule().targets()) {
            if (t.last_success == poll::clock::time_point{}) continue;
            r.set("poll_age_seconds", labels({{"target", k.store_key()}}),
                  std::chrono::duration<double>(now - t.last_success).count());
        }
        for (auto [bit, name] : channel_names) {
            r.set("subscriptions", labels({{"channel", name}}), static_cast<double>(subs.index().count_with(bit)));
        }
    });
}

void wire_delivery(metrics::registry& reg, const log::logger& log, poll::poller& poller, subs::service& subs,
                   delivery::outbox& outbox, delivery::worker& worker, net::any_io_executor ex) {
    reg.collect([&worker](metrics::registry& r) {
        const auto d = worker.depth();
        r.set("outbox_depth", "", static_cast<double>(d.waiting));
        r.set("outbox_oldest_pending_age_seconds", "", static_cast<double>(d.oldest_pending_ms) / 1000.0);
        r.set("dead_letters", "", static_cast<double>(d.dead));
    });
    auto to_outbox = [&subs](const std::vector<subs::alert_draft>& drafts) {
        std::vector<std::string> out;
        for (const auto& d : drafts) {
            for (const auto& a : delivery::alerts_for(d, subs.index().channels(d.slot))) out.push_back(delivery::encode(a));
        }
        return out;
    };
    poller.to_outbox = to_outbox;
    poller.match = [&subs](const subs::poll_result& p, std::chrono::system_clock::time_point fetched,
                           std::vector<subs::alert_draft>& out) { subs.match(p, fetched, out); };
    poller.on_alerts = [&](std::vector<subs::alert_draft>&& a) {
        note_alerts(log, reg, subs.index(), a);
        worker.wake();
    };
    delivery::hand_off(poller, worker);
    // Told once (a new subscription): not part of any poll's commit, so added on their own.
    subs.on_alerts = [&, to_outbox, ex](std::vector<subs::alert_draft>&& a) {
        note_alerts(log, reg, subs.index(), a);
        net::co_spawn(ex, outbox.add(to_outbox(a)), [&](std::exception_ptr e) {
            if (e) log.warning("could not add the alerts of a new subscription to the outbox");
            worker.wake();
        });
    };
    auto lines = std::make_shared<delivered_lines>(ex);
    worker.on_attempt = [&log, lines](const delivery::attempt_report& r) {
        const std::string_view ch = delivery::to_string(r.a.via);
        if (r.settled == "delivered") {
            if (!log.enabled(log::level::info)) return;
            const auto now = log::line_budget::clock::now();
            tell_held_back(log, lines->budget.held_back(now));
            if (lines->budget.take(now)) {
                log.info("delivered ", r.a.id, " to ", r.a.subscription_id, " by ", ch, " in ", r.since_detection.count(),
                         " ms: ", r.a.summary);
            } else if (!lines->telling) {
                // Told when the window ends, even if nothing is delivered after it.
                lines->telling = true;
                lines->tell.expires_at(lines->budget.window_end());
                lines->tell.async_wait([&log, weak = std::weak_ptr<delivered_lines>(lines)](boost::system::error_code) {
                    auto held = weak.lock();
                    if (!held) return;
                    held->telling = false;
                    tell_held_back(log, held->budget.held_back(log::line_budget::clock::now()));
                });
            }
        } else if (r.settled == "gone") {
            log.warning("subscription ", r.a.subscription_id, " deactivated: its ", ch, " receiver says it is gone (",
                        r.result.detail, ")");
        } else if (r.settled == "expired") {
            log.warning("alert ", r.a.id, " for ", r.a.subscription_id, " by ", ch, " expired undelivered after ",
                        r.since_detection.count() / 1000, " s");
        }
    };
}

std::string status_summary(const poll::poller& poller, const metrics::registry& reg, const delivery::worker& worker) {
    const auto now = poll::clock::now();
    auto n = [&reg](const char* name) { return std::to_string(static_cast<long long>(reg.total(name))); };
    std::string s = "polls " + std::to_string(poller.polls()) + ", alerts " + n("alerts_enqueued_total") + " (delivered " +
                    n("alerts_delivered_total") + "), outbox " + std::to_string(worker.depth().waiting) + ", budget " +
                    std::to_string(poller.spent().used(now)) + "/" + std::to_string(poller.spent().calls());
    if (poller.spent().blocked_until() > now) s += ", CoWIN blocked: calls paused";
    return s;
}

std::vector<std::string> restart_only_changes(const config::config& running, const config::config& fresh) {
    std::vector<std::string> out;
    const auto& a = running.state;
    const auto& b = fresh.state;
    if (a.backend != b.backend) out.emplace_back("state.backend");
    if (a.redis.host != b.redis.host || a.redis.port != b.redis.port || a.redis.db != b.redis.db ||
        a.redis.key_prefix != b.redis.key_prefix || a.redis.password.value != b.redis.password.value) {
        out.emplace_back("state.redis");
    }
    if (running.admin.listen != fresh.admin.listen) out.emplace_back("admin.listen");
    if (running.cowin.ca_file != fresh.cowin.ca_file) out.emplace_back("cowin.ca_file");
    return out;
}

void keep_restart_only(const config::config& running, config::config& fresh) {
    fresh.state = running.state;
    fresh.admin.listen = running.admin.listen;
    fresh.cowin.ca_file = running.cowin.ca_file;
}

}  // namespace cowin::daemon
