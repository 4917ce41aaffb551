#pragma once
// Subscriptions as the rest of the program sees them: kept in a repository, indexed for matching,
// changed through the admin API or the config file. Every change goes to the repository first, then
// to the index, so that what is matched is always what is kept.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "log/log.hpp"
#include "state/store.hpp"
#include "subs/alert.hpp"
#include "subs/index.hpp"
#include "subs/repository.hpp"

namespace cowin::subs {

class service {
public:
    service(repository& repo, state::store& store, const log::logger& log, int weeks_ahead)
        : repo_(repo), store_(store), log_(log), weeks_ahead_(weeks_ahead) {}

    /// Loads every kept subscription into the index, then makes the config's static ones current:
    /// new ones are added (and told about sessions already open), changed ones updated, ones gone from
    /// the file removed. Throws when the repository is unreachable.
    boost::asio::awaitable<void> load(std::vector<config::subscription> statics);
    /// The static part again (a reload).
    boost::asio::awaitable<void> sync_config(std::vector<config::subscription> statics);

    enum class create_error { none, exists };
    /// Adds a subscription (its id generated when empty) and tells it once about sessions open now.
    boost::asio::awaitable<std::pair<record, create_error>> create(config::subscription s, origin from);
    enum class remove_result { removed, not_found, from_config };
    boost::asio::awaitable<remove_result> remove(std::string id);
    boost::asio::awaitable<std::optional<record>> get(std::string id);
    /// In the order asked, in one round trip.
    boost::asio::awaitable<std::vector<std::optional<record>>> get_many(std::vector<std::string> ids);
    struct page {
        std::vector<record> items;
        std::uint32_t next = 0;  ///< 0: the last page
    };
    boost::asio::awaitable<page> list(std::optional<std::int64_t> district, std::optional<std::int64_t> pincode,
                                      std::uint32_t cursor, std::size_t limit);
    /// Stops alerting a subscription whose receiver is gone (410, blocked bot); the record stays.
    boost::asio::awaitable<void> deactivate(std::string id, std::string reason);

    /// For every stored snapshot that serves the subscription: each session and why it is, or is not,
    /// open for it. JSON, or nullopt when there is no such subscription.
    boost::asio::awaitable<std::optional<std::string>> explain(std::string id, api::civil_date today);

    /// The openings of one poll, one draft per subscription.
    void match(const poll_result& p, std::chrono::system_clock::time_point fetched_at,
               std::vector<alert_draft>& out) const;

    const class index& index() const { return index_; }

    /// Where a subscription's sessions are seen: store keys of the snapshots (set by the daemon from
    /// the poller's coverage knowledge; by default the subscription's own target).
    std::function<std::vector<std::string>(const config::subscription&)> sources;
    /// Told-once alerts for new subscriptions.
    std::function<void(std::vector<alert_draft>&&)> on_alerts;
    /// The set of districts and pincodes with subscribers changed.
    std::function<void()> on_targets_changed;

private:
    std::vector<std::string> sources_of(const config::subscription& s) const;
    boost::asio::awaitable<void> tell_once(const config::subscription& s, std::uint32_t slot,
                                           const std::optional<config::subscription>& previous);
    boost::asio::awaitable<void> upsert(record r, bool tell, const std::optional<config::subscription>& previous);

    repository& repo_;
    state::store& store_;
    const log::logger& log_;
    int weeks_ahead_;
    class index index_;
    std::set<std::string> config_ids_;  ///< subscriptions that came from the config file
};

/// Milliseconds since the epoch, now.
std::int64_t now_ms();

}  // namespace cowin::subs
