#pragma once
// The outbox: alerts waiting for delivery, kept where the snapshots are. Redis: the stream
// "<prefix>outbox" read through the consumer group "delivery" (at-least-once: an entry leaves only
// when acknowledged; one a dead process held is reclaimed). A poll's commit puts its alerts in
// entries of up to state::alerts_per_entry; each alert is settled on its own, the entry leaves with
// its last, and the settled ones are listed meanwhile in "<prefix>settled:<entry>" so that a takeover
// skips them. Retries in the sorted set
// "<prefix>retry" (by due time, so a restart keeps the schedule), given-up alerts in the stream
// "<prefix>dead", every attempt's outcome in the capped stream "<prefix>audit" and, for each alert,
// in "<prefix>alog:<minute>" (the alerts of the minute its id was made in: one key a minute, not one an
// alert). Memory: the same in process, for the memory backend.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "delivery/depth.hpp"
#include "state/resp_commands.hpp"
#include "state/store.hpp"

namespace cowin::state {
class redis_store;
struct memory_outbox_log;
}  // namespace cowin::state

namespace cowin::delivery {

/// The Redis consumer group every worker reads the outbox through.
inline constexpr const char* consumer_group = "delivery";

/// An entry this consumer holds: its stream id (for done/later/dead) and delivery::encode(alert).
using taken = state::claimed_entry;
using state::entry_part;

struct audit_record {
    std::string alert_id, subscription_id, channel, status, detail;
    std::int64_t at_ms = 0;
    std::string cursor;  ///< where it stands in the trail (set when read back)
    /// Which attempt of its alert this was, from 1 (an expiry or drop: the one it took the place of);
    /// it names the attempt in the alert's own record, so that recording it twice keeps it once.
    /// 0 when read back.
    int attempt = 0;
};

/// Attempts kept in an alert's own record (GET /v1/alerts/{id}): at most 21 are made
/// (delivery.retry_schedule has at most 20 steps), and an expiry or drop may take one more place.
inline constexpr int recorded_attempts = 32;

/// One attempt as JSON, and back (nullopt for anything else).
std::string to_json(const audit_record& r);
std::optional<audit_record> audit_from_json(std::string_view json);

/// A reader of the outbox, as Redis knows it.
struct consumer_info {
    std::string name;
    std::int64_t pending = 0;  ///< entries it holds unsettled
    std::int64_t idle_ms = 0;  ///< since it last read or claimed
};

class outbox {
public:
    virtual ~outbox() = default;
    /// Creates the consumer group where needed.
    virtual boost::asio::awaitable<void> prepare() = 0;
    /// Adds alerts outside a poll's commit (a new subscription told once).
    virtual boost::asio::awaitable<void> add(std::vector<std::string> blobs) = 0;
    /// New entries for `consumer`, at most `count`; none waits.
    virtual boost::asio::awaitable<std::vector<taken>> take(std::string consumer, int count) = 0;
    /// Entries another (dead) consumer took more than `min_idle` ago and never finished.
    virtual boost::asio::awaitable<std::vector<taken>> reclaim(std::string consumer, std::chrono::milliseconds min_idle,
                                                               int count) = 0;
    /// Every consumer that has read the outbox.
    virtual boost::asio::awaitable<std::vector<consumer_info>> consumers() = 0;
    /// Takes over what `dead` holds at once, whatever its idle time (it is known to be gone), and
    /// forgets `dead` once it holds nothing.
    virtual boost::asio::awaitable<std::vector<taken>> take_over(std::string dead, std::string consumer, int count) = 0;
    /// Forgets `consumer` if it holds nothing and has not been heard from for `idle`: a process gone
    /// whose name never comes back (another boot, another container). Checked and done in one atomic
    /// step, so nothing it took meanwhile is dropped. True when forgotten.
    virtual boost::asio::awaitable<bool> forget_if_idle(std::string consumer, std::chrono::milliseconds idle) {
        (void)consumer, (void)idle;
        co_return false;
    }
    /// Marks entries `consumer` still works on as fresh, so that no reclaim takes them for stalled
    /// (an alert waiting for a slot at a slow host may wait far longer than any one attempt takes).
    virtual boost::asio::awaitable<void> keep(std::string consumer, std::vector<std::string> entry_ids) {
        (void)consumer, (void)entry_ids;
        co_return;
    }

    // Each settles one alert of an entry, in one atomic step that also appends `note` to the audit
    // trail; the entry is acknowledged and removed with its last unsettled alert.
    /// Delivered (or nothing to deliver).
    virtual boost::asio::awaitable<void> done(entry_part at, audit_record note) = 0;
    /// Back in the outbox as `blob` (an entry of its own) at `due_ms`.
    virtual boost::asio::awaitable<void> later(entry_part at, std::string blob, std::int64_t due_ms,
                                               audit_record note) = 0;
    /// Moved to the dead letters with `reason`.
    virtual boost::asio::awaitable<void> dead(entry_part at, std::string blob, std::string reason,
                                              audit_record note) = 0;
    /// Moves retries due at `now_ms` back into the outbox; returns how many.
    virtual boost::asio::awaitable<int> promote(std::int64_t now_ms) = 0;
    /// The audit trail, oldest first, at most `count`: from unix ms `since_ms` on, or (when `after` is
    /// set) after the record with that cursor.
    virtual boost::asio::awaitable<std::vector<audit_record>> audit_since(std::int64_t since_ms, std::string after,
                                                                          int count) = 0;
    /// Every attempt on one alert (kept 7 days), oldest first; empty when unknown.
    virtual boost::asio::awaitable<std::vector<audit_record>> attempts_of(std::string alert_id) = 0;
    virtual boost::asio::awaitable<outbox_depth> depth() = 0;
    /// The dead letters, oldest first (for tests and the status).
    virtual boost::asio::awaitable<std::vector<std::pair<std::string, std::string>>> dead_letters(int count) = 0;
};

class redis_outbox final : public outbox {
public:
    redis_outbox(state::redis_store& store, std::int64_t audit_max_entries)
        : store_(store), audit_max_(audit_max_entries) {}
    boost::asio::awaitable<void> prepare() override;
    boost::asio::awaitable<void> add(std::vector<std::string> blobs) override;
    boost::asio::awaitable<std::vector<taken>> take(std::string consumer, int count) override;
    boost::asio::awaitable<std::vector<taken>> reclaim(std::string consumer, std::chrono::milliseconds min_idle,
                                                       int count) override;
    boost::asio::awaitable<std::vector<consumer_info>> consumers() override;
    boost::asio::awaitable<std::vector<taken>> take_over(std::string dead, std::string consumer, int count) override;
    boost::asio::awaitable<bool> forget_if_idle(std::string consumer, std::chrono::milliseconds idle) override;
    boost::asio::awaitable<void> keep(std::string consumer, std::vector<std::string> entry_ids) override;
    boost::asio::awaitable<void> done(entry_part at, audit_record note) override;
    boost::asio::awaitable<void> later(entry_part at, std::string blob, std::int64_t due_ms, audit_record note) override;
    boost::asio::awaitable<void> dead(entry_part at, std::string blob, std::string reason, audit_record note) override;
    boost::asio::awaitable<int> promote(std::int64_t now_ms) override;
    boost::asio::awaitable<std::vector<audit_record>> audit_since(std::int64_t since_ms, std::string after,
                                                                  int count) override;
    boost::asio::awaitable<std::vector<audit_record>> attempts_of(std::string alert_id) override;
    boost::asio::awaitable<outbox_depth> depth() override;
    boost::asio::awaitable<std::vector<std::pair<std::string, std::string>>> dead_letters(int count) override;

private:
    enum class op {
        group_create, add, take, reclaim, promote, outbox_length, retry_length, extra_length, dead_length, oldest_entry, server_time, dead_range, audit_range,
        alert_range, settled_parts, consumers, pending_of, claim, keep, forget_consumer, forget_if_idle,
    };
    std::string key(const char* name) const;
    std::vector<std::string> compose(op o, const std::vector<std::string>& args) const;
    /// Joins the batch being filled and waits until the call carrying it has come back (group commit).
    boost::asio::awaitable<void> settle(std::string kind, entry_part at, std::string blob, std::string extra,
                                        audit_record note);
    /// `entries` less the alerts of grouped entries that were settled already (by a process that
    /// died before settling the rest).
    boost::asio::awaitable<std::vector<taken>> unsettled(std::vector<taken> entries);
    boost::asio::awaitable<void> flush();

    struct settle_batch;
    void append_attempt(settle_batch& b, std::string kind, entry_part at, std::string blob, std::string extra,
                        audit_record note) const;
    state::resp_commands settle_commands(settle_batch& b) const;
    /// "<prefix>alog:<minute the id was made in>", where the alert's attempts are recorded.
    std::string alert_log_key(const std::string& alert_id) const;
    std::vector<std::vector<std::string>> alert_record_commands(const std::string& alert_id) const;
    state::redis_store& store_;
    std::int64_t audit_max_;
    std::shared_ptr<settle_batch> filling_;  ///< attempts waiting for the next call
    bool flushing_ = false;                  ///< a call is on its way; the next batch fills meanwhile
};

class memory_outbox final : public outbox {
public:
    memory_outbox(state::memory_outbox_log& log, std::size_t audit_max_entries) : log_(log), audit_max_(audit_max_entries) {}
    boost::asio::awaitable<void> prepare() override { co_return; }
    boost::asio::awaitable<void> add(std::vector<std::string> blobs) override;
    boost::asio::awaitable<std::vector<taken>> take(std::string consumer, int count) override;
    boost::asio::awaitable<std::vector<taken>> reclaim(std::string, std::chrono::milliseconds, int) override { co_return std::vector<taken>{}; }
    // One process, one consumer: nobody else's entries to take over.
    boost::asio::awaitable<std::vector<consumer_info>> consumers() override {
        co_return std::vector<consumer_info>{};
    }
    boost::asio::awaitable<std::vector<taken>> take_over(std::string, std::string, int) override { co_return std::vector<taken>{}; }
    boost::asio::awaitable<void> done(entry_part at, audit_record note) override;
    boost::asio::awaitable<void> later(entry_part at, std::string blob, std::int64_t due_ms, audit_record note) override;
    boost::asio::awaitable<void> dead(entry_part at, std::string blob, std::string reason, audit_record note) override;
    boost::asio::awaitable<int> promote(std::int64_t now_ms) override;
    boost::asio::awaitable<std::vector<audit_record>> audit_since(std::int64_t since_ms, std::string after,
                                                                  int count) override;
    boost::asio::awaitable<std::vector<audit_record>> attempts_of(std::string alert_id) override;
    boost::asio::awaitable<outbox_depth> depth() override;
    boost::asio::awaitable<std::vector<std::pair<std::string, std::string>>> dead_letters(int count) override;
private:
    void note(audit_record r);
    void settled(const std::string& entry_id);
    state::memory_outbox_log& log_;
    std::size_t audit_max_;
    std::map<std::string, std::string> taken_;
    std::multimap<std::int64_t, std::string> retry_;
    std::vector<std::pair<std::string, std::string>> dead_;
    std::deque<audit_record> audit_;
    std::uint64_t audit_seq_ = 0;
    std::map<std::string, std::vector<audit_record>> per_alert_;  ///< durable nothing: the memory backend
};

}  // namespace cowin::delivery
