#pragma once
// The delivery loop of one process: takes alerts from the outbox (as consumer "<host>:<pid>"), delivers
// each concurrently (at most max_in_flight_per_host per webhook host, so a slow receiver only slows
// itself), and settles every attempt: delivered -> done; transient -> back in the outbox at the next
// step of retry_schedule (or Retry-After), dead-lettered after the last; gone -> the subscription is
// deactivated; older than alert_ttl -> expired. Alerts a crashed process held are reclaimed.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/outbox.hpp"
#include "delivery/senders.hpp"
#include "log/log.hpp"
#include "metrics/registry.hpp"
#include "subs/service.hpp"

namespace cowin::delivery {

struct worker_settings {
    std::vector<std::chrono::milliseconds> retry_schedule;
    std::chrono::milliseconds alert_ttl = std::chrono::minutes(15);
    int max_in_flight_per_host = 32;
    std::string consumer;  ///< consumer_name(): "<host>:<boot>.<pid namespace>:<pid>"
    /// An alert taken by a consumer this long ago and never settled is taken over (its process died).
    std::chrono::milliseconds reclaim_after = std::chrono::seconds(45);
    int max_in_flight = 1024;
    /// Another process's consumer that holds nothing and has been silent this long is forgotten
    /// (a live worker reads every quarter second).
    std::chrono::milliseconds forget_after = std::chrono::hours(1);
};

/// What one attempt came to, for the demo's live line and for tests. Valid during the call only
/// (it refers to the worker's own copies, not copies of its own: this is told once per delivery).
/// After a failed attempt `a` is the alert as it goes back: its attempt count and last error updated.
struct attempt_report {
    const alert& a;
    const outcome& result;
    std::string_view settled;  ///< "delivered", "retry", "dead", "expired", "gone", "dropped"
    std::chrono::milliseconds since_detection{0};
};

class worker {
public:
    /// Alerts started together (their subscriptions read in one round trip). Small: the first alert
    /// of a burst is on its way after 32 are read and looked up, not 256 (about 2 ms sooner with 134
    /// alerts in bench_latency); the other batches start meanwhile, each on its own.
    static constexpr int batch_size = 32;
    /// Entries taken at a time by the loop when there is room: started batch_size at a time.
    static constexpr int take_size = 4 * batch_size;

    worker(outbox& box, subs::service& subscriptions, senders& send, worker_settings s, const log::logger& log,
           metrics::registry& metrics);

    /// Runs until stop(); never throws for a failed delivery.
    boost::asio::awaitable<void> run();
    void stop();
    /// A reloaded config's retry schedule, TTL and per-host limit, for attempts settled from now on
    /// (the consumer name stays).
    void reconfigure(worker_settings s) {
        s.consumer = settings_.consumer;
        settings_ = std::move(s);
    }
    /// Something was added to the outbox in this process: look now rather than at the next tick.
    void wake();
    /// Entries this consumer already holds (claimed in a poll's commit): delivered now, as if taken.
    void deliver_claimed(std::vector<taken> entries);
    /// The subscriptions of the alerts a commit is about to claim: read while the commit is on its
    /// way, so that delivering them need not wait for another round trip after it.
    void prefetch(std::vector<std::string> subscription_ids);
    /// The outbox's depth (waiting, dead-lettered, the oldest pending one's age), as of the last second.
    outbox_depth depth() const { return depth_; }
    const std::string& consumer() const { return settings_.consumer; }
    /// Attempts started and not yet settled.
    std::size_t in_flight() const { return holding_.size(); }

    std::function<void(const attempt_report&)> on_attempt;

    /// When the attempt after `attempts_made` is due: the schedule's step with +-10% jitter, never
    /// earlier than `retry_after`; nullopt after the last step.
    static std::optional<std::chrono::milliseconds> next_delay(const std::vector<std::chrono::milliseconds>& schedule,
                                                               int attempts_made,
                                                               std::optional<std::chrono::milliseconds> retry_after,
                                                               double unit_random);

private:
    boost::asio::awaitable<std::vector<taken>> start(std::vector<taken> batch, boost::asio::any_io_executor ex);
    boost::asio::awaitable<void> start_claimed(std::vector<taken> batch, boost::asio::any_io_executor ex);
    void spawn_start(std::vector<taken> batch, boost::asio::any_io_executor ex);
    /// Alerts that may still be started under max_in_flight (negative when over).
    std::int64_t room_left() const;
    struct prefetched;
    boost::asio::awaitable<void> read_ahead(std::shared_ptr<prefetched> p);
    /// The subscriptions of `ids`, from the prefetch where it has them, the rest read now.
    boost::asio::awaitable<std::vector<std::optional<subs::record>>> records_of(std::vector<std::string> ids);
    boost::asio::awaitable<void> deliver(taken t, alert a, std::optional<subs::record> rec);
    bool expired(const alert& a) const;
    void hold_beyond_room(std::vector<taken>& batch);
    boost::asio::awaitable<void> expire(const taken& t, const alert& a);
    static audit_record attempt_note(const alert& a, std::string status, std::string detail);
    void count_delivered(const alert& a, const outcome& o);
    /// A failed attempt: retried later, dead-lettered, or its subscription deactivated (gone).
    boost::asio::awaitable<void> settle_failed(const taken& t, const alert& a, const outcome& o);
    /// A slot at `host`: true when one was free, else `wait` is queued for the next one released.
    bool acquire(const std::string& host, boost::asio::steady_timer& wait);
    void release(const std::string& host);
    void report(const alert& a, const outcome& o, std::string_view settled);
    bool gone_locally(const std::string& consumer) const;

    outbox& box_;
    subs::service& subs_;
    senders& send_;
    worker_settings settings_;
    const log::logger& log_;
    metrics::registry& metrics_;
    std::unique_ptr<boost::asio::steady_timer> tick_;
    bool stopping_ = false;
    bool woken_ = false;
    bool starved_ = false;  ///< max_in_flight reached: the next settled attempt wakes the loop
    bool stalled_ = false;  ///< a batch could not be started (Redis away): the loop waits a tick
    std::size_t starting_ = 0;  ///< alerts in batches whose subscriptions are being read
    std::int64_t entries_seen_ = 1, alerts_seen_ = state::alerts_per_entry;  ///< the last take's (at first: the most)
    /// Held by this consumer but not started (Redis failed under them, they came before run(), or
    /// there was no room under max_in_flight): started on a later turn, kept fresh meanwhile.
    std::deque<taken> held_;
    /// Entries being delivered here (started, not settled; in_flight() counts them): kept fresh
    /// against reclaims, and never started twice should a reclaim hand one back anyway.
    std::set<std::pair<std::string, int>> holding_;  ///< (entry, part)
    std::shared_ptr<prefetched> prefetched_;  ///< the last prefetch, until a batch uses it
    outbox_depth depth_;
    struct host_slots {
        int busy = 0;
        std::deque<boost::asio::steady_timer*> waiting;
    };
    std::map<std::string, host_slots> hosts_;
    std::mt19937 rng_{std::random_device{}()};
};

}  // namespace cowin::delivery
