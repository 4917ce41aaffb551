#include "state/redis_connection.hpp"
#include "state/reply_builder.hpp"
#include "state/resp_commands.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/ioctl.h>

#include <charconv>
#include <functional>
#include <optional>

namespace cowin::state {

namespace net = boost::asio;

// What hiredis's hooks and callbacks touch. Socket waits hold a reference, so it lives until the last
// of them has run.
struct redis_connection::state : std::enable_shared_from_this<redis_connection::state> {
    explicit state(net::any_io_executor e) : ex(std::move(e)), sd(ex) {}

    net::any_io_executor ex;
    redisAsyncContext* ac = nullptr;
    net::posix::stream_descriptor sd;
    bool reading = false, writing = false, read_waiting = false, write_waiting = false, write_posted = false;
    bool is_connected = false;
    bool write_at_once = false;
    std::string last_error;
    /// Completion of the pending connect, if any.
    std::function<void(std::string)> on_connect;

    void wait_read() {
        if (read_waiting || !reading || ac == nullptr) return;
        read_waiting = true;
        sd.async_wait(net::posix::stream_descriptor::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
            self->read_waiting = false;
            if (ec || self->ac == nullptr || !self->reading) return;
            redisAsyncHandleRead(self->ac);  // may disconnect and clean up: re-check before reading again
            // hiredis reads 16 KiB at a time: a longer answer (a commit's claim, a batch of entries)
            // is read on now, not one turn of the event loop (an epoll wait) per 16 KiB.
            int more = 0;
            while (self->ac != nullptr && self->reading && ::ioctl(self->sd.native_handle(), FIONREAD, &more) == 0 && more > 0) {
                redisAsyncHandleRead(self->ac);
            }
            self->wait_read();
        });
    }
    void wait_write() {
        if (write_waiting || !writing || ac == nullptr) return;
        write_waiting = true;
        sd.async_wait(net::posix::stream_descriptor::wait_write, [self = shared_from_this()](boost::system::error_code ec) {
            self->write_waiting = false;
            if (ec || self->ac == nullptr || !self->writing) return;
            redisAsyncHandleWrite(self->ac);
            self->wait_write();
        });
    }
    // Once connected, the socket is almost always writable: write at the end of this turn of the loop
    // (so every command issued in the turn goes in one write) instead of asking epoll first, which
    // costs two epoll_ctl calls per round trip. Only what the kernel did not take waits for writability.
    void write_soon() {
        if (!is_connected) return wait_write();
        if (write_posted || write_waiting || !writing || ac == nullptr) return;
        write_posted = true;
        net::post(ex, [self = shared_from_this()] {
            self->write_posted = false;
            if (self->ac == nullptr || !self->writing) return;
            redisAsyncHandleWrite(self->ac);
            self->wait_write();  // only if hiredis still has bytes to write
        });
    }
    // What was just handed to hiredis goes out now, not at the end of this turn of the loop: on a
    // connection whose every round trip is waited on (the commit), whatever else is queued in the
    // turn would otherwise run first, and take the write's place on the path to an alert.
    void flush() {
        if (!write_at_once || !is_connected || !writing || ac == nullptr) return;
        redisAsyncHandleWrite(ac);  // may fail and disconnect: the callbacks then answer "outcome unknown"
        wait_write();               // only if hiredis still has bytes to write
    }
    void cleanup() {
        // hiredis closes the socket itself.
        reading = writing = false;
        boost::system::error_code ec;
        sd.cancel(ec);
        if (sd.is_open()) sd.release();
        ac = nullptr;
        is_connected = false;
    }
};

namespace {

using state_t = redis_connection::state;
state_t* of(void* data) { return static_cast<state_t*>(data); }

void add_read(void* d) { of(d)->reading = true, of(d)->wait_read(); }
void del_read(void* d) { of(d)->reading = false; }
void add_write(void* d) { of(d)->writing = true, of(d)->write_soon(); }
void del_write(void* d) { of(d)->writing = false; }
// Called from inside redisAsyncHandleWrite, itself inside one of our handlers: completing here is safe.
void on_connect(const redisAsyncContext* ac, int status) {
    auto* st = of(ac->data);
    if (st == nullptr) return;
    st->is_connected = status == REDIS_OK;
    if (status != REDIS_OK) st->last_error = ac->errstr;
    if (st->on_connect) {
        auto done = std::move(st->on_connect);
        st->on_connect = nullptr;
        done(status == REDIS_OK ? std::string() : std::string(ac->errstr));
    }
}

void on_disconnect(const redisAsyncContext* ac, int status) {
    auto* st = of(ac->data);
    if (st == nullptr) return;
    st->is_connected = false;
    st->last_error = status == REDIS_OK ? "disconnected" : ac->errstr;
}

/// One command in flight. Completes exactly once: with Redis's answer, or earlier with a timeout
/// (then the answer, when it comes, is dropped).
struct pending {
    std::function<void(redis_result)> done;
    bool completed = false;
    void complete(redis_result r) {
        if (completed) return;
        completed = true;
        done(std::move(r));
    }
};

std::vector<redis_result> failed_all(std::size_t n, const char* why) {
    std::vector<redis_result> out(n);
    for (auto& r : out) r.failure = why;
    return out;
}

void on_reply(redisAsyncContext*, void* reply, void* privdata) {
    auto* p = static_cast<std::shared_ptr<pending>*>(privdata);
    redis_result r;
    if (reply == nullptr) {
        r.failure = "connection to Redis lost: outcome unknown";
    } else {
        r.reply = take_reply(reply);
    }
    (*p)->complete(std::move(r));
    delete p;
}

}  // namespace

redis_connection::redis_connection(net::any_io_executor ex, writes w) : state_(std::make_shared<state>(std::move(ex))) {
    state_->write_at_once = w == writes::at_once;
}

redis_connection::~redis_connection() { disconnect(); }

bool redis_connection::connected() const { return state_->is_connected && state_->ac != nullptr; }

void redis_connection::disconnect() {
    if (state_->ac != nullptr) {
        redisAsyncContext* ac = state_->ac;
        redisAsyncFree(ac);  // calls pending callbacks with NULL replies, then cleanup
    }
}

net::awaitable<std::string> redis_connection::connect(std::string host, int port, std::string password, int db,
                                                      std::chrono::milliseconds timeout) {
    disconnect();
    auto st = state_;
    redisAsyncContext* ac = redisAsyncConnect(host.c_str(), port);
    if (ac == nullptr) co_return "cannot allocate a Redis context";
    if (ac->err) {
        std::string e = ac->errstr;
        redisAsyncFree(ac);
        co_return "cannot connect to Redis at " + host + ":" + std::to_string(port) + ": " + e;
    }
    ac->c.reader->fn = reply_functions();
    st->ac = ac;
    st->sd.assign(ac->c.fd);
    // Not owning: the state outlives the context (the connection object holds it, and so does every
    // pending wait on the socket).
    ac->data = st.get();
    ac->ev.data = st.get();
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = [](void* d) { of(d)->cleanup(); };
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);

    net::steady_timer timer(st->ex, timeout);
    std::optional<std::string> outcome;
    st->on_connect = [&outcome, &timer](std::string err) {
        outcome = std::move(err);
        timer.cancel();
    };
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (!outcome) {
        st->on_connect = nullptr;
        disconnect();
        co_return "timed out connecting to Redis at " + host + ":" + std::to_string(port);
    }
    if (!outcome->empty()) {
        co_return "cannot connect to Redis at " + host + ":" + std::to_string(port) + ": " + *outcome;
    }
    if (!password.empty()) {
        std::vector<std::string> auth{"AUTH", password};  // named: see redis_store.cpp on GCC 12
        auto r = co_await command(std::move(auth), timeout);
        if (!r.ok() || r.reply.kind == redis_reply::type::error) co_return "Redis refused AUTH: " + (r.ok() ? r.reply.str : r.failure);
    }
    if (db != 0) {
        std::vector<std::string> select{"SELECT", std::to_string(db)};
        auto r = co_await command(std::move(select), timeout);
        if (!r.ok() || r.reply.kind == redis_reply::type::error) co_return "Redis refused SELECT: " + (r.ok() ? r.reply.str : r.failure);
    }
    co_return "";
}

net::awaitable<redis_result> redis_connection::command(std::vector<std::string> args, std::chrono::milliseconds timeout) {
    if (args.empty()) co_return redis_result{"an empty command", {}};
    resp_commands one;
    one.add(args);
    std::string wire = std::move(one).take().first;
    std::vector<std::size_t> quiet;
    co_return co_await answer_of(std::move(wire), std::move(quiet), timeout);
}

net::awaitable<redis_result> redis_connection::transaction(resp_commands commands, std::chrono::milliseconds timeout) {
    if (!commands.complete()) co_return redis_result{"a command half written", {}};
    std::string wire;
    wire.reserve(commands.wire().size() + 32);
    std::vector<std::size_t> quiet;  // where each command whose answer nobody waits for ends
    quiet.reserve(commands.size() + 1);
    wire += "*1\r\n$5\r\nMULTI\r\n";
    quiet.push_back(wire.size());
    for (const std::size_t end : commands.ends()) quiet.push_back(wire.size() + end);
    wire += commands.wire();
    wire += "*1\r\n$4\r\nEXEC\r\n";
    co_return co_await answer_of(std::move(wire), std::move(quiet), timeout);
}

// Hands hiredis `wire`: the commands ending at the offsets in `quiet` without a callback (hiredis
// drops their answers), the rest as one command whose answer is waited for.
net::awaitable<redis_result> redis_connection::answer_of(std::string wire, std::vector<std::size_t> quiet,
                                                         std::chrono::milliseconds timeout) {
    auto st = state_;
    if (st->ac == nullptr || !st->is_connected) co_return redis_result{"not connected to Redis", {}};
    std::size_t start = 0;
    for (const std::size_t end : quiet) {
        // Fails only when the context is going away: then nothing of the batch is sent at all.
        if (redisAsyncFormattedCommand(st->ac, nullptr, nullptr, wire.data() + start, end - start) != REDIS_OK) {
            co_return redis_result{"Redis did not take the command", {}};
        }
        start = end;
    }
    net::steady_timer timer(st->ex, timeout);
    std::optional<redis_result> outcome;
    auto p = std::make_shared<pending>();
    p->done = [&outcome, &timer](redis_result r) {
        outcome = std::move(r);
        timer.cancel();
    };
    auto* priv = new std::shared_ptr<pending>(p);
    if (redisAsyncFormattedCommand(st->ac, on_reply, priv, wire.data() + start, wire.size() - start) != REDIS_OK) {
        delete priv;
        co_return redis_result{"Redis did not take the command", {}};
    }
    st->flush();  // a write that fails here answers at once: then there is nothing to wait for
    if (!outcome) co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (!outcome) {
        // The answer may still come; it is dropped then (the pending record stays alive until it does).
        p->completed = true;
        co_return redis_result{"Redis did not answer in time: outcome unknown", {}};
    }
    co_return std::move(*outcome);
}

net::awaitable<std::vector<redis_result>> redis_connection::pipeline(std::vector<std::vector<std::string>> commands,
                                                                     std::chrono::milliseconds timeout) {
    // An empty command is written as nothing and answered without being sent.
    resp_commands encoded;
    std::vector<std::size_t> ends;
    ends.reserve(commands.size());
    for (const auto& c : commands) {
        if (!c.empty()) encoded.add(c);
        ends.push_back(encoded.wire().size());
    }
    std::string wire = std::move(encoded).take().first;
    co_return co_await pipeline_of(std::move(wire), std::move(ends), timeout);
}

net::awaitable<std::vector<redis_result>> redis_connection::pipeline(resp_commands commands, std::chrono::milliseconds timeout) {
    return pipeline_written(std::move(commands), timeout, true);
}

net::awaitable<std::vector<redis_result>> redis_connection::pipeline_with_next(resp_commands commands,
                                                                             std::chrono::milliseconds timeout) {
    return pipeline_written(std::move(commands), timeout, false);
}

net::awaitable<std::vector<redis_result>> redis_connection::pipeline_written(resp_commands commands,
                                                                           std::chrono::milliseconds timeout, bool write_now) {
    // One answer per command, the half-written one included.
    if (!commands.complete()) co_return failed_all(commands.size() + 1, "a command half written");
    auto [wire, ends] = std::move(commands).take();
    co_return co_await pipeline_of(std::move(wire), std::move(ends), timeout, write_now);
}

namespace {

// What a pipeline's callbacks share. They may run after its coroutine has returned (a timeout, or the
// connection dropped later), so the last of the two to let go frees it. Each command's privdata is
// its slot here: one allocation per batch, where a record, a shared pointer and a std::function per
// command cost three (a batch of subscription lookups is one per alert).
struct pipeline_batch {
    struct slot {
        pipeline_batch* batch;
        std::size_t index;
    };
    std::vector<redis_result> results;
    std::vector<slot> slots;  ///< sized once: hiredis holds pointers into it
    std::vector<bool> answered;
    std::size_t left = 0;         ///< answers the coroutine still waits for
    std::size_t outstanding = 0;  ///< callbacks hiredis still holds
    bool abandoned = false;       ///< the coroutine has let go
    net::steady_timer* timer = nullptr;
};

void on_pipeline_reply(redisAsyncContext*, void* reply, void* privdata) {
    auto* s = static_cast<pipeline_batch::slot*>(privdata);
    pipeline_batch* b = s->batch;
    if (!b->abandoned) {
        redis_result& r = b->results[s->index];
        if (reply == nullptr) {
            r.failure = "connection to Redis lost: outcome unknown";
        } else {
            r.reply = take_reply(reply);
        }
        b->answered[s->index] = true;
        if (--b->left == 0 && b->timer != nullptr) b->timer->cancel();
    }
    if (--b->outstanding == 0 && b->abandoned) delete b;
}

// Lets go of the batch however the coroutine ends (returned, or destroyed while suspended).
struct pipeline_release {
    explicit pipeline_release(pipeline_batch* batch) : b(batch) {}
    pipeline_release(const pipeline_release&) = delete;
    pipeline_release& operator=(const pipeline_release&) = delete;
    pipeline_batch* b;
    ~pipeline_release() {
        b->abandoned = true;
        b->timer = nullptr;
        if (b->outstanding == 0) delete b;
    }
};

}  // namespace

// Sends the commands of `wire` ending at `ends` (one of no bytes is answered "an empty command"
// without being sent), each with its own callback, and waits for every answer or the timeout.
net::awaitable<std::vector<redis_result>> redis_connection::pipeline_of(std::string wire, std::vector<std::size_t> ends,
                                                                        std::chrono::milliseconds timeout, bool write_now) {
    auto st = state_;
    if (ends.empty()) co_return std::vector<redis_result>{};
    if (st->ac == nullptr || !st->is_connected) co_return failed_all(ends.size(), "not connected to Redis");
    net::steady_timer timer(st->ex, timeout);
    auto* b = new pipeline_batch;
    const pipeline_release release(b);
    b->results.resize(ends.size());
    b->answered.assign(ends.size(), false);
    b->slots.resize(ends.size());
    b->left = ends.size();
    b->timer = &timer;
    for (std::size_t i = 0, start = 0; i < ends.size(); start = ends[i], ++i) {
        b->slots[i].batch = b;
        b->slots[i].index = i;
        const bool empty = ends[i] == start;
        if (!empty && redisAsyncFormattedCommand(st->ac, on_pipeline_reply, &b->slots[i], wire.data() + start, ends[i] - start) == REDIS_OK) {
            ++b->outstanding;
            continue;
        }
        b->results[i].failure = empty ? "an empty command" : "Redis did not take the command";
        b->answered[i] = true;
        --b->left;
    }
    if (write_now) st->flush();  // else hiredis holds them for the next flush, or the turn's end
    if (b->left > 0) co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    // Late answers are dropped: the callbacks only touch the batch, which outlives this frame.
    std::vector<redis_result> out = std::move(b->results);
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!b->answered[i]) out[i].failure = "Redis did not answer in time: outcome unknown";
    }
    b->results.assign(out.size(), redis_result{});  // where late answers land until the batch is freed
    co_return out;
}

}  // namespace cowin::state
