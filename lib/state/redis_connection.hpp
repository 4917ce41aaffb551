#pragma once
// One asynchronous hiredis connection driven by Asio: hiredis's event hooks (Debian 12's hiredis 0.14
// has addRead, delRead, addWrite, delWrite and cleanup) are filled with stream_descriptor waits.
// Commands are coroutines with a deadline; a command whose answer never comes because the
// connection broke completes with "outcome unknown". Not thread-safe: one executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "state/resp_commands.hpp"

struct redisAsyncContext;

namespace cowin::state {

struct redis_reply {
    enum class type { string, array, integer, nil, status, error };
    type kind = type::nil;
    std::string str;
    std::int64_t integer = 0;
    std::vector<redis_reply> elements;
};

struct redis_result {
    /// Empty when the command reached Redis and came back (even as a Redis error reply).
    std::string failure;
    redis_reply reply;
    bool ok() const { return failure.empty(); }
};

class redis_connection {
public:
    /// batched: what is sent in one turn of the event loop goes in one write at its end (fewer system
    /// calls when many coroutines share the connection). at_once: each command or batch is written as
    /// it is issued, for a connection on the path to an alert.
    enum class writes { batched, at_once };
    explicit redis_connection(boost::asio::any_io_executor ex, writes w = writes::batched);
    ~redis_connection();
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    /// Connects (and AUTH/SELECT as given). Empty string on success, else why not.
    boost::asio::awaitable<std::string> connect(std::string host, int port, std::string password, int db,
                                                std::chrono::milliseconds timeout);
    boost::asio::awaitable<redis_result> command(std::vector<std::string> args, std::chrono::milliseconds timeout);
    /// Sends every command at once (one round trip) and waits for all answers, in order. `timeout`
    /// covers the whole batch.
    boost::asio::awaitable<std::vector<redis_result>> pipeline(std::vector<std::vector<std::string>> commands,
                                                               std::chrono::milliseconds timeout);
    /// The same, for commands already written as RESP.
    boost::asio::awaitable<std::vector<redis_result>> pipeline(resp_commands commands, std::chrono::milliseconds timeout);
    /// The same, written together with whatever is issued next in this turn of the event loop (one
    /// write, one wake-up of Redis, these answered first), or at the turn's end if nothing is.
    boost::asio::awaitable<std::vector<redis_result>> pipeline_with_next(resp_commands commands,
                                                                         std::chrono::milliseconds timeout);
    /// MULTI, `commands`, EXEC in one write, with only EXEC's answer waited for: the array of the
    /// commands' answers, or an error (EXECABORT when Redis refused one while queuing it, and then
    /// ran none). No callback per queued command, which a settle of many alerts would pay for each.
    boost::asio::awaitable<redis_result> transaction(resp_commands commands, std::chrono::milliseconds timeout);
    bool connected() const;
    void disconnect();

    struct state;

private:
    boost::asio::awaitable<redis_result> answer_of(std::string wire, std::vector<std::size_t> quiet,
                                                   std::chrono::milliseconds timeout);
    boost::asio::awaitable<std::vector<redis_result>> pipeline_written(resp_commands commands, std::chrono::milliseconds timeout,
                                                                       bool write_now);
    boost::asio::awaitable<std::vector<redis_result>> pipeline_of(std::string wire, std::vector<std::size_t> ends,
                                                                  std::chrono::milliseconds timeout, bool write_now = true);
    std::shared_ptr<state> state_;
};

}  // namespace cowin::state
