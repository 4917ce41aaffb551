#pragma once
// Where the poller keeps what it knows between polls: per target, the last snapshot (with its
// fingerprint) and the time of the last successful poll. Two implementations share this interface:
// memory (in-process, durable nothing; for trying it out and for tests) and Redis (redis_store.hpp).
//
// A commit is conditional on the snapshot the new one was diffed against, so two processes sharing a
// store cannot both record (and alert on) the same change; the poll's alerts join the outbox in that
// same atomic step.

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cowin/snapshot.hpp"

namespace cowin::state {

struct stored_snapshot {
    api::snapshot snap;
    std::chrono::system_clock::time_point polled_at{};
};

/// A commit's alerts go into the outbox this many to an entry. A Redis call costs far more per
/// command than per byte: with one XADD per alert, the 134 alerts of an opening made the commit's
/// transaction 0.6 ms slower than 5 XADDs of the same bytes. The worker settles each alert of an
/// entry on its own, and the entry leaves the outbox once every alert in it is settled.
inline constexpr int alerts_per_entry = 32;
/// How many outbox entries `alerts` alerts take.
constexpr std::size_t entries_for(std::size_t alerts) { return (alerts + alerts_per_entry - 1) / alerts_per_entry; }

/// Which alert an attempt settles: `part` of the `parts` alerts in outbox entry `entry_id`.
struct entry_part {
    entry_part(std::string id, int part_ = 0, int parts_ = 1) : entry_id(std::move(id)), part(part_), parts(parts_) {}
    std::string entry_id;
    int part = 0;
    int parts = 1;
};

/// Outbox entries a committing process takes for itself in the commit's own atomic step: read through
/// the delivery consumer group as `consumer`, so they are that process's exactly as if it had read them
/// (a crash leaves them pending, to be taken over), but without the round trip of reading them.
struct outbox_claim {
    std::string group, consumer;
    int count = 0;  ///< alerts; 0: take nothing
    /// How many alerts to take: none without a consumer.
    int wanted() const { return consumer.empty() ? 0 : std::max(count, 0); }
    /// How many outbox entries hold that many of the commit's alerts.
    int entries() const { return static_cast<int>(entries_for(static_cast<std::size_t>(wanted()))); }
};

/// One alert of an outbox entry held by a consumer (delivery::taken).
struct claimed_entry {
    std::string entry_id;  ///< the stream entry, for settling it
    std::string blob;      ///< the alert
    int part = 0;          ///< which of the entry's alerts
    int parts = 1;         ///< how many alerts the entry holds
    entry_part where() const { return entry_part(entry_id, part, parts); }
};

struct commit_outcome {
    bool stored = false;  ///< false: another writer got there first; nothing was written
    /// Usually the first of the commit's own alerts; older entries nobody had read yet come first.
    std::vector<claimed_entry> claimed;
};

class store {
public:
    virtual ~store() = default;
    /// The last snapshot of `target` ("district:363:0"), or nullopt if none was ever stored.
    virtual boost::asio::awaitable<std::optional<stored_snapshot>> load(std::string target) = 0;
    /// load(), for a commit of `target` that follows (the poller's): a store may prepare that commit
    /// here. The commit is correct either way.
    virtual boost::asio::awaitable<std::optional<stored_snapshot>> load_for_commit(std::string target) {
        return load(std::move(target));
    }
    /// Stores `next` if the stored fingerprint is still `expected` (0: nothing stored), and in the same
    /// atomic step adds `alerts` (encoded) to the outbox. False when another writer got there first: the
    /// caller drops its diff and its alerts, and polls again. With `claim`, the first entries are taken
    /// for delivery by the committing process in the same step.
    virtual boost::asio::awaitable<commit_outcome> commit_with_alerts(std::string target, std::uint64_t expected,
                                                                      stored_snapshot next, std::vector<std::string> alerts,
                                                                      outbox_claim claim) = 0;
    boost::asio::awaitable<bool> commit(std::string target, std::uint64_t expected, stored_snapshot next);
    /// The budget's recent call times (ms since the epoch), so a restart cannot overspend CoWIN's limit.
    virtual boost::asio::awaitable<std::vector<std::int64_t>> load_call_times() = 0;
    virtual boost::asio::awaitable<void> save_call_times(std::vector<std::int64_t> times) = 0;
    /// Small named values the poller keeps across restarts (the pincode -> districts map); "" if none.
    virtual boost::asio::awaitable<std::string> load_value(std::string name) = 0;
    virtual boost::asio::awaitable<void> save_value(std::string name, std::string value) = 0;
    /// Ready to serve (for /readyz): the memory store always is.
    virtual bool ready() const = 0;
    /// (Re)connects where needed, with backoff; true when ready.
    virtual boost::asio::awaitable<bool> ensure_ready() = 0;
    virtual const char* name() const = 0;
};

/// The memory backend's outbox entries, shared by memory_store (which adds them with a snapshot) and
/// delivery::memory_outbox (which delivers them).
struct memory_outbox_log {
    std::deque<std::pair<std::uint64_t, std::string>> entries;  ///< not yet taken, oldest first
    std::map<std::uint64_t, std::int64_t> added_ms;  ///< id -> when added (clock_ms), until settled
    std::uint64_t next_id = 1;
    void add(std::string blob) {
        added_ms.emplace(next_id, clock_ms());
        entries.emplace_back(next_id++, std::move(blob));
    }
    static std::int64_t clock_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }
};

class memory_store final : public store {
public:
    boost::asio::awaitable<std::optional<stored_snapshot>> load(std::string target) override;
    /// Claims nothing: the memory outbox has one reader, which takes entries as they come.
    boost::asio::awaitable<commit_outcome> commit_with_alerts(std::string target, std::uint64_t expected,
                                                              stored_snapshot next, std::vector<std::string> alerts,
                                                              outbox_claim claim) override;
    memory_outbox_log& outbox_log() { return outbox_; }
    boost::asio::awaitable<std::vector<std::int64_t>> load_call_times() override { co_return call_times_; }
    boost::asio::awaitable<void> save_call_times(std::vector<std::int64_t> times) override {
        call_times_ = std::move(times);
        co_return;
    }
    boost::asio::awaitable<std::string> load_value(std::string name) override { co_return values_[name]; }
    boost::asio::awaitable<void> save_value(std::string name, std::string value) override {
        values_[name] = std::move(value);
        co_return;
    }
    bool ready() const override { return true; }
    boost::asio::awaitable<bool> ensure_ready() override { co_return true; }
    const char* name() const override { return "memory"; }

private:
    std::map<std::string, stored_snapshot> snapshots_;
    std::vector<std::int64_t> call_times_;
    std::map<std::string, std::string> values_;
    memory_outbox_log outbox_;
};

}  // namespace cowin::state
