#pragma once
// The poll loop: spends the CoWIN budget on the stalest target, fetches, parses, diffs against the
// stored snapshot, stores the new one, and logs what changed. One poller per process.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "cowin/differ.hpp"
#include "cowin/parser.hpp"
#include "http/client.hpp"
#include "log/log.hpp"
#include "poll/budget.hpp"
#include "poll/scheduler.hpp"
#include "state/store.hpp"
#include "subs/alert.hpp"
#include "subs/index.hpp"

namespace cowin::poll {

/// What one poll did, for the log line and the status.
struct poll_outcome {
    target_key target;
    std::string result;  ///< "ok", "unchanged", "http 500", "blocked: ...", "parse error: ..."
    int status = 0;
    std::size_t bytes = 0;
    std::size_t sessions = 0;
    std::size_t transitions = 0;
    std::size_t appeared = 0, disappeared = 0, changed = 0;
    /// Alerts (one per subscription with sessions that opened) this poll caused.
    std::size_t alerts = 0;
    /// How long every call was paused because CoWIN blocked this one (403/429); 0 otherwise.
    std::chrono::milliseconds paused{0};
    std::chrono::milliseconds took{0};
    /// When the last byte of CoWIN's answer arrived, before it was gunzipped (unset when none came):
    /// where detection-to-delivery latency starts.
    std::chrono::steady_clock::time_point answered{};
};

/// The targets a config asks for: poll.districts and the subscriptions' districts, and pincodes.
std::vector<std::pair<target_key, int>> targets_of(const config::config& c);
/// The same with the subscriptions as indexed (the config's and the API's).
std::vector<std::pair<target_key, int>> targets_of(const config::config& c, const subs::index& subscriptions);

class poller {
public:
    poller(const config::config& c, http::client& client, state::store& store, const log::logger& log);

    /// Runs until `stop()`; never throws for a failed poll.
    boost::asio::awaitable<void> run();
    void stop();
    /// Applies a reloaded config's CoWIN and poll settings (rate limit, intervals, headers, backoff)
    /// from the next call on; the call history, the targets' state and the learned locations stay.
    void reconfigure(const config::config& c);

    /// Called after every poll (metrics, tests).
    std::function<void(const poll_outcome&)> on_poll;
    /// Matching: called with each poll's transitions before its snapshot is committed; the drafts it
    /// adds go to on_alerts once the commit succeeded (and are dropped when another writer won).
    std::function<void(const subs::poll_result&, std::chrono::system_clock::time_point, std::vector<subs::alert_draft>&)>
        match;
    std::function<void(std::vector<subs::alert_draft>&&)> on_alerts;
    /// The outbox entries of a poll's drafts, committed with its snapshot in one atomic step.
    std::function<std::vector<std::string>(const std::vector<subs::alert_draft>&)> to_outbox;
    /// With on_claimed set, each commit also takes up to `claim.count` entries for this process's
    /// delivery (as consumer `claim.consumer`) and hands them over here: the first alerts of a poll go
    /// out without waiting for the worker to read them back.
    state::outbox_claim claim;
    std::function<void(std::vector<state::claimed_entry>&&)> on_claimed;
    /// Called with a poll's drafts just before its commit is sent (to read what their delivery will
    /// need meanwhile).
    std::function<void(const std::vector<subs::alert_draft>&)> before_commit;

    /// The wanted targets changed (subscriptions added or removed).
    void set_targets(const std::vector<std::pair<target_key, int>>& targets);
    /// A pincode whose centres all lie in polled districts.
    bool covered(std::int64_t pincode) const;
    /// The store keys of the snapshots that serve a subscription: its district's, or for a pincode
    /// the districts covering it (when covered) or its own.
    std::vector<std::string> sources_of(const config::subscription& s) const;

    const scheduler& schedule() const { return scheduler_; }
    const budget& spent() const { return budget_; }
    std::int64_t polls() const { return polls_; }

private:
    struct loaded_snapshot {
        std::optional<state::stored_snapshot> snap;
        std::string failure;  ///< why it could not be read (Redis away); empty when it was
    };
    boost::asio::awaitable<poll_outcome> poll_once(const target_key& k);
    /// The calendar call; notes in `out` when an answer came.
    boost::asio::awaitable<http::response> fetch(std::string url, poll_outcome* out);
    /// The stored snapshot of `key`; never throws.
    boost::asio::awaitable<loaded_snapshot> load_previous(std::string key);
    /// Learns which districts a pincode's centres lie in, and marks covered pincodes.
    bool learn_locations(const target_key& k);  ///< true when something new was learned
    void update_coverage();
    void log_transitions(const target_key& k, const api::snapshot& before, const api::snapshot& after,
                         const std::vector<api::transition>& ts) const;

    config::cowin_settings cowin_;
    http::client& client_;
    state::store& store_;
    const log::logger& log_;
    scheduler scheduler_;
    budget budget_;
    api::response_parser parser_;
    api::diff_scratch scratch_;
    std::vector<api::transition> transitions_;
    std::mt19937 rng_{std::random_device{}()};
    std::chrono::milliseconds block_backoff_;
    int blocks_in_a_row_ = 0;
    bool ever_succeeded_ = false;  ///< a 200 came: a later block is not the geo-fence
    std::int64_t polls_ = 0;
    std::map<std::int64_t, std::vector<std::string>> pin_districts_;
    std::map<std::string, std::int64_t> district_ids_;
    std::vector<std::int64_t> covered_;
    bool stopping_ = false;
    std::unique_ptr<boost::asio::steady_timer> wake_;
};

}  // namespace cowin::poll
