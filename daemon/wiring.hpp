#pragma once
// How the daemon's parts talk to each other: metrics fed from the poller and the worker, alerts from
// matching to the outbox, the log lines an operator reads, and what a reload may not change.
#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"
#include "delivery/outbox.hpp"
#include "delivery/worker.hpp"
#include "log/log.hpp"
#include "metrics/registry.hpp"
#include "poll/poller.hpp"
#include "subs/service.hpp"

namespace cowin::daemon {

void print_diagnostics(const config::diagnostics& d);

/// Poll outcomes into counters; gauges (budget, poll age, subscriptions) computed at each scrape.
void wire_metrics(metrics::registry& reg, poll::poller& poller, const subs::service& subs);

/// Matching -> outbox (inside the poll's commit), told-once alerts of new subscriptions, waking the
/// worker, and one log line per delivered alert.
void wire_delivery(metrics::registry& reg, const log::logger& log, poll::poller& poller, subs::service& subs,
                   delivery::outbox& outbox, delivery::worker& worker, boost::asio::any_io_executor ex);

/// "polls 120, alerts 14 (delivered 14), outbox 0, budget 97/100" and ", CoWIN blocked" when it is.
std::string status_summary(const poll::poller& poller, const metrics::registry& reg, const delivery::worker& worker);

/// Settings a running process cannot change (its Redis, its admin listener), by name, where they
/// differ between `running` and `fresh`.
std::vector<std::string> restart_only_changes(const config::config& running, const config::config& fresh);
/// Puts the running values of those settings into `fresh`.
void keep_restart_only(const config::config& running, config::config& fresh);

}  // namespace cowin::daemon
