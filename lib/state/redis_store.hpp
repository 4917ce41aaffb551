#pragma once
// The Redis state backend: per target a hash "<prefix>snap:<target>" holding the snapshot's
// fingerprint and its encoded bytes. A commit stores the new snapshot and adds the poll's alerts to
// the stream "<prefix>outbox" in one atomic step, conditional on the snapshot the new one was diffed
// against:
// - the poller's commits are MULTI/EXEC on a connection of their own, which loaded that snapshot
//   under WATCH (load_for_commit): EXEC fails if anyone wrote it since. No Lua: Redis runs plain
//   commands in a transaction in under half the time a script takes (the alerts' first byte waits);
// - any other commit (nothing watched, or that connection lost meanwhile) is a Lua script comparing
//   the stored fingerprint.
// Reconnects with backoff.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "log/log.hpp"
#include "state/redis_connection.hpp"
#include "state/store.hpp"

namespace cowin::state {

class redis_store final : public store {
public:
    redis_store(boost::asio::any_io_executor ex, const config::redis_settings& s, const log::logger& log,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

    boost::asio::awaitable<std::optional<stored_snapshot>> load(std::string target) override;
    boost::asio::awaitable<std::optional<stored_snapshot>> load_for_commit(std::string target) override;
    boost::asio::awaitable<commit_outcome> commit_with_alerts(std::string target, std::uint64_t expected,
                                                              stored_snapshot next, std::vector<std::string> alerts,
                                                              outbox_claim claim) override;
    boost::asio::awaitable<std::vector<std::int64_t>> load_call_times() override;
    boost::asio::awaitable<void> save_call_times(std::vector<std::int64_t> times) override;
    boost::asio::awaitable<std::string> load_value(std::string name) override;
    boost::asio::awaitable<void> save_value(std::string name, std::string value) override;
    boost::asio::awaitable<bool> ensure_ready() override;
    bool ready() const override { return conn_.connected(); }
    const char* name() const override { return "redis"; }

    /// One command or a pipelined batch, for the other keepers of state in Redis (subscriptions, the
    /// outbox). Throws when Redis is unreachable or answers with an error.
    boost::asio::awaitable<redis_reply> run(std::vector<std::string> command, const char* what);
    boost::asio::awaitable<std::vector<redis_reply>> run_pipeline(std::vector<std::vector<std::string>> commands,
                                                                 const char* what);
    boost::asio::awaitable<std::vector<redis_reply>> run_pipeline(resp_commands commands, const char* what);
    /// A pipeline of reads only. While a poll's commit is being prepared (its snapshot loaded under
    /// WATCH), they go on the commit's connection, written with the commit when it comes in this turn
    /// of the loop, and answered before it: the subscriptions of the alerts the commit claims are
    /// then in when its answer is, in the same round trip. Reads only: they run just before the
    /// commit on its connection, and a write to the snapshot it watches would fail the commit.
    boost::asio::awaitable<std::vector<redis_reply>> run_reads(resp_commands commands, const char* what);
    /// MULTI, `commands`, EXEC (redis_connection::transaction): the commands' answers. Throws when
    /// Redis is unreachable, refused the transaction, or answered any command with an error.
    boost::asio::awaitable<redis_reply> run_transaction(std::vector<std::vector<std::string>> commands, const char* what);
    /// The same, for commands already written as RESP.
    boost::asio::awaitable<redis_reply> run_transaction(resp_commands commands, const char* what);
    const std::string& prefix() const { return settings_.key_prefix; }

    /// The Lua script commit() runs.
    static const char* commit_script();
    /// The commands the store sends, composed without I/O (for tests).
    static std::vector<std::string> load_command(const std::string& prefix, const std::string& target);
    static std::vector<std::string> commit_command(const std::string& prefix, const std::string& target,
                                                   const std::string& expected, const stored_snapshot& next,
                                                   std::vector<std::string> alerts = {}, const outbox_claim& claim = {});
    /// The commit script's answer: whether it stored, and the entries it claimed.
    static commit_outcome commit_outcome_of(const redis_reply& reply, std::vector<std::string>& alerts);
    /// The watched commit: MULTI, HSET, one XADD per alerts_per_entry alerts, the claim's XREADGROUP (when asked), EXEC.
    static std::vector<std::vector<std::string>> transaction_commands(const std::string& prefix, const std::string& target,
                                                                      const stored_snapshot& next,
                                                                      std::vector<std::string> alerts,
                                                                      const outbox_claim& claim);
    /// EXEC's answer to those: nil (someone wrote the snapshot since it was watched) or the results.
    static commit_outcome transaction_outcome_of(const redis_reply& exec, bool claimed);

private:
    redis_result check(redis_result r, const char* what);
    /// Each answer checked (throws on the first failure).
    std::vector<redis_reply> replies_of(std::vector<redis_result> results, const char* what);
    std::optional<stored_snapshot> loaded(const std::string& target, const redis_reply& r);
    boost::asio::awaitable<commit_outcome> commit_watched(std::string target, stored_snapshot next,
                                                         std::vector<std::string> alerts, outbox_claim claim);
    /// What load_for_commit watched, on which connection of commit_conn_ (its generation).
    struct watch {
        std::string target;
        std::uint64_t fingerprint = 0;
        std::uint64_t generation = 0;
    };

    config::redis_settings settings_;
    const log::logger& log_;
    std::chrono::milliseconds timeout_;
    redis_connection conn_;
    redis_connection commit_conn_;
    std::uint64_t commit_generation_ = 0;  ///< counts commit_conn_'s connections: a WATCH dies with one
    std::chrono::steady_clock::time_point next_commit_connect_{};
    std::optional<watch> watched_;
    /// Targets whose stored snapshot did not decode at their last load, with its fingerprint.
    std::map<std::string, std::string> undecodable_;
    std::chrono::steady_clock::time_point next_attempt_{};
    std::chrono::milliseconds backoff_{std::chrono::milliseconds(250)};
    bool reported_down_ = false;
    bool was_connected_ = false;
};

}  // namespace cowin::state
