#pragma once
// The Redis state backend: per target a hash "<prefix>snap:<target>" holding the snapshot's
// fingerprint and its encoded bytes. A commit is one Lua script, conditional on the fingerprint the
// new snapshot was diffed against, that also adds the poll's alerts to the stream "<prefix>outbox".
// Reconnects with backoff.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
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
    boost::asio::awaitable<bool> commit_with_alerts(std::string target, std::uint64_t expected, stored_snapshot next,
                                                    std::vector<std::string> alerts) override;
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
    const std::string& prefix() const { return settings_.key_prefix; }

    /// The Lua script commit() runs.
    static const char* commit_script();
    /// The commands the store sends, composed without I/O (for tests).
    static std::vector<std::string> load_command(const std::string& prefix, const std::string& target);
    static std::vector<std::string> commit_command(const std::string& prefix, const std::string& target,
                                                   std::uint64_t expected, const stored_snapshot& next,
                                                   std::vector<std::string> alerts = {});

private:
    redis_result check(redis_result r, const char* what);

    config::redis_settings settings_;
    const log::logger& log_;
    std::chrono::milliseconds timeout_;
    redis_connection conn_;
    std::chrono::steady_clock::time_point next_attempt_{};
    std::chrono::milliseconds backoff_{std::chrono::milliseconds(250)};
    bool reported_down_ = false;
    bool was_connected_ = false;
};

}  // namespace cowin::state
