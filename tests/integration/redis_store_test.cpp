// The Redis state backend against a real redis-server: round trip, the conditional commit, two writers,
// and a Redis that goes away and comes back.
#include <gtest/gtest.h>

#include "log/log.hpp"
#include "state/redis_connection.hpp"
#include "state/redis_store.hpp"
#include "support/coro.hpp"
#include "support/redis_server.hpp"
#include "support/store_fixtures.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

namespace cowin::state {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

stored_snapshot make(std::uint64_t fp, int capacity) { return test::one_session_snapshot(fp, capacity); }
config::redis_settings settings(std::uint16_t port) { return test::redis_under(port, "test:"); }

TEST(redis_store, stores_loads_and_commits_only_on_the_expected_snapshot) {
    test::redis_server redis;
    log::logger log([](log::level, std::string_view) {}, log::level::debug);
    int result = test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        redis_store a(ex, settings(redis.port()), log);
        redis_store b(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await a.ensure_ready());
        EXPECT_TRUE(a.ready());
        EXPECT_FALSE((co_await a.load("district:363:0")).has_value());
        EXPECT_TRUE(co_await a.commit("district:363:0", 0, make(11, 5)));
        auto loaded = co_await b.load("district:363:0");
        EXPECT_TRUE(loaded.has_value());
        if (loaded) {
            EXPECT_EQ(loaded->snap.fingerprint, 11u);
            EXPECT_EQ(loaded->snap.sessions.at(0).cap.total, 5);
        }
        // Both diffed against 11; the first to commit wins, the other must start over.
        EXPECT_TRUE(co_await a.commit("district:363:0", 11, make(12, 6)));
        EXPECT_FALSE(co_await b.commit("district:363:0", 11, make(13, 7)));
        EXPECT_EQ((co_await b.load("district:363:0"))->snap.fingerprint, 12u);
        co_return 1;
    });
    EXPECT_EQ(result, 1);
}

// Commands go as RESP written by the connection itself: binary arguments (CR LF, NUL, a '$' at the
// start) reach Redis intact, and an empty command is refused without reaching Redis or disturbing
// the commands around it.
TEST(redis_connection, binary_arguments_round_trip_and_an_empty_command_is_refused) {
    test::redis_server redis;
    static const char raw[] = "$3\r\n*1\r\n\0end";
    const std::string odd = std::string(raw, sizeof raw - 1) + std::string(70000, 'x');
    // Built out here: GCC 12 mishandles braced lists inside coroutines.
    std::vector<std::vector<std::string>> commands{{"SET", "k", odd}, {}, {"GET", "k"}, {"STRLEN", "k"}};
    const std::vector<std::string> get{"GET", "k"};
    int result = test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        redis_connection c(ex);
        EXPECT_EQ(co_await c.connect("127.0.0.1", redis.port(), "", 0, 5s), "");
        auto r = co_await c.pipeline(std::move(commands), 5s);
        EXPECT_EQ(r.size(), 4u);
        if (r.size() == 4) {
            EXPECT_TRUE(r[0].ok());
            EXPECT_EQ(r[0].reply.str, "OK");
            EXPECT_EQ(r[1].failure, "an empty command");
            EXPECT_EQ(r[2].reply.str, odd);
            EXPECT_EQ(r[3].reply.integer, static_cast<std::int64_t>(odd.size()));
        }
        std::vector<std::string> none;
        auto e = co_await c.command(std::move(none), 5s);
        EXPECT_EQ(e.failure, "an empty command");
        EXPECT_EQ((co_await c.command(get, 5s)).reply.str, odd);
        co_return 1;
    });
    EXPECT_EQ(result, 1);
}

// A pipeline that runs out of time answers for what came back and "outcome unknown" for the rest; the
// late answers, when they come, are dropped (their callbacks outlive the pipeline that sent them:
// ASan would see a use after free or a leak), and the connection carries on with the right answers.
TEST(redis_connection, a_pipeline_past_its_time_drops_the_late_answers_and_the_connection_carries_on) {
    test::redis_server redis;
    // Built out here: GCC 12 mishandles braced lists inside coroutines.
    std::vector<std::vector<std::string>> slow{{"SET", "k", "v"}, {"BLPOP", "nothing", "1"}, {"GET", "k"}};
    state::resp_commands after;
    after.add({"GET", "k"});
    after.add({"STRLEN", "k"});
    int result = test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        redis_connection c(ex);
        EXPECT_EQ(co_await c.connect("127.0.0.1", redis.port(), "", 0, 5s), "");
        auto r = co_await c.pipeline(std::move(slow), 200ms);
        EXPECT_EQ(r.size(), 3u);
        if (r.size() == 3) {
            EXPECT_EQ(r[0].reply.str, "OK");
            EXPECT_EQ(r[1].failure, "Redis did not answer in time: outcome unknown");
            EXPECT_EQ(r[2].failure, "Redis did not answer in time: outcome unknown");
        }
        // BLPOP gives up after its second, then GET's late "v" comes: both dropped.
        net::steady_timer wait(ex, 1500ms);
        co_await wait.async_wait(net::use_awaitable);
        auto next = co_await c.pipeline(std::move(after), 5s);
        EXPECT_EQ(next.size(), 2u);
        if (next.size() == 2) {
            EXPECT_EQ(next[0].reply.str, "v");
            EXPECT_EQ(next[1].reply.integer, 1);
        }
        co_return 1;
    });
    EXPECT_EQ(result, 1);
}

// Commands handed over half written (a begin() short of its arguments) are refused whole, as a
// pipeline and as a transaction: nothing reaches Redis, which would read the next command as the
// missing argument, and the connection stays in step.
TEST(redis_connection, half_written_commands_are_refused_and_nothing_is_sent) {
    test::redis_server redis;
    auto half = [] {
        state::resp_commands c;
        c.add({"SET", "h", "1"});
        c.begin(2);
        c.arg("GET");
        return c;
    };
    state::resp_commands as_pipeline = half(), as_transaction = half(), check;
    check.add({"EXISTS", "h"});
    int result = test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        redis_connection c(ex);
        EXPECT_EQ(co_await c.connect("127.0.0.1", redis.port(), "", 0, 5s), "");
        auto p = co_await c.pipeline(std::move(as_pipeline), 5s);
        EXPECT_EQ(p.size(), 2u);  // one answer per command, the half-written one included
        for (const auto& r : p) EXPECT_EQ(r.failure, "a command half written");
        auto t = co_await c.transaction(std::move(as_transaction), 5s);
        EXPECT_EQ(t.failure, "a command half written");
        auto e = co_await c.pipeline(std::move(check), 5s);
        EXPECT_EQ(e.size(), 1u);
        if (e.size() == 1) {
            EXPECT_EQ(e[0].reply.integer, 0);  // the SET before it was not sent either
        }
        co_return 1;
    });
    EXPECT_EQ(result, 1);
}

// A connection that writes each batch as it is issued (the commit's) answers as a batching one does:
// a pipeline larger than the socket takes at once (the rest goes when the socket has room), then a
// command and a transaction right after it, in order, on the same connection.
TEST(redis_connection, writing_at_once_answers_as_batching_does_however_large_the_batch) {
    test::redis_server redis;
    const std::string big(4 << 20, 'z');
    std::vector<std::vector<std::string>> commands{{"SET", "big", big}, {"STRLEN", "big"}, {"APPEND", "big", "!"}};
    const std::vector<std::string> get{"GET", "big"};
    state::resp_commands queued;
    queued.add({"INCR", "n"});
    queued.add({"INCR", "n"});
    int result = test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        redis_connection c(ex, redis_connection::writes::at_once);
        EXPECT_EQ(co_await c.connect("127.0.0.1", redis.port(), "", 0, 5s), "");
        auto r = co_await c.pipeline(std::move(commands), 10s);
        EXPECT_EQ(r.size(), 3u);
        if (r.size() == 3) {
            EXPECT_EQ(r[0].reply.str, "OK");
            EXPECT_EQ(r[1].reply.integer, static_cast<std::int64_t>(big.size()));
            EXPECT_EQ(r[2].reply.integer, static_cast<std::int64_t>(big.size() + 1));
        }
        auto g = co_await c.command(get, 10s);
        EXPECT_EQ(g.reply.str, big + "!");
        auto t = co_await c.transaction(std::move(queued), 5s);
        EXPECT_TRUE(t.ok()) << t.failure;
        EXPECT_EQ(t.reply.elements.size(), 2u);
        if (t.reply.elements.size() == 2) {
            EXPECT_EQ(t.reply.elements[1].integer, 2);
        }
        co_return 1;
    });
    EXPECT_EQ(result, 1);
}

// What a transaction throws ("" when it does not).
net::awaitable<std::string> transaction_error(redis_store& store, std::vector<std::vector<std::string>> commands) {
    try {
        co_await store.run_transaction(std::move(commands), "transaction");
    } catch (const std::runtime_error& e) {
        co_return e.what();
    }
    co_return std::string();
}

// MULTI, the commands, EXEC, with only EXEC's answer waited for (the outbox settles this way). A
// command Redis refuses while queuing aborts the whole transaction (nothing ran); one failing as it
// runs (a key of the wrong type) leaves the others done, and either is an error to the caller. An
// empty command sends nothing at all.
TEST(redis_connection, a_transaction_answers_with_exec_and_its_failures_are_errors) {
    test::redis_server redis;
    const log::logger log([](log::level, std::string_view) {}, log::level::debug);
    // Built out here: GCC 12 mishandles braced lists inside coroutines.
    std::vector<std::vector<std::string>> good{{"SET", "a", "1"}, {"INCR", "a"}, {"RPUSH", "l", "x"}};
    std::vector<std::vector<std::string>> refused{{"SET", "b", "1"}, {"NO-SUCH-COMMAND"}};
    std::vector<std::vector<std::string>> failing{{"SET", "c", "1"}, {"RPUSH", "a", "y"}, {"SET", "d", "1"}};
    std::vector<std::vector<std::string>> empty{{"SET", "e", "1"}, {}};
    const std::vector<std::string> exists{"EXISTS", "b", "c", "d", "e"};
    int result = test::run_coroutine<int>([&](net::any_io_executor ex) -> net::awaitable<int> {
        redis_store store(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await store.ensure_ready());
        auto r = co_await store.run_transaction(std::move(good), "good");
        EXPECT_EQ(r.elements.size(), 3u);
        if (r.elements.size() == 3) {
            EXPECT_EQ(r.elements[0].str, "OK");
            EXPECT_EQ(r.elements[1].integer, 2);
            EXPECT_EQ(r.elements[2].integer, 1);
        }
        std::string why = co_await transaction_error(store, std::move(refused));
        EXPECT_NE(why.find("EXECABORT"), std::string::npos) << why;
        why = co_await transaction_error(store, std::move(failing));
        EXPECT_NE(why.find("WRONGTYPE"), std::string::npos) << why;
        why = co_await transaction_error(store, std::move(empty));
        EXPECT_NE(why.find("an empty command"), std::string::npos) << why;
        // b: the aborted transaction's; e: the one never sent. c and d ran around the failing command.
        EXPECT_EQ((co_await store.run(exists, "EXISTS")).integer, 2);
        // The connection is still in step: no MULTI left open by any of the above.
        std::vector<std::string> get{"GET", "a"};
        EXPECT_EQ((co_await store.run(std::move(get), "GET")).str, "2");
        co_return 1;
    });
    EXPECT_EQ(result, 1);
}

TEST(redis_store, redis_going_away_fails_clearly_and_coming_back_resumes) {
    test::redis_server redis;
    std::vector<std::string> lines;
    log::logger log([&](log::level, std::string_view l) { lines.emplace_back(l); }, log::level::debug);
    net::io_context ioc;
    redis_store store(ioc.get_executor(), settings(redis.port()), log, 1s);
    auto run = [&](auto make) {
        std::optional<bool> out;
        // The connection keeps a wait on its socket, so the context never runs out of work: stop it.
        net::co_spawn(ioc, make(), [&](std::exception_ptr e, bool v) {
            out = e ? false : v;
            ioc.stop();
        });
        ioc.restart();
        ioc.run_for(20s);
        return out.value_or(false);
    };
    EXPECT_TRUE(run([&]() -> net::awaitable<bool> { co_return co_await store.commit("x", 0, make(1, 1)); }));
    redis.stop();
    EXPECT_FALSE(run([&]() -> net::awaitable<bool> { co_return (co_await store.load("x")).has_value(); }));
    EXPECT_FALSE(store.ready());
    redis.start();  // same port, empty (no persistence in this test)
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
        back = run([&]() -> net::awaitable<bool> { co_return co_await store.ensure_ready(); });
        if (!back) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(back);
    EXPECT_TRUE(run([&]() -> net::awaitable<bool> { co_return co_await store.commit("x", 0, make(2, 2)); }));
    bool said_down = false, said_again = false;
    for (const auto& l : lines) {
        said_down = said_down || (l.find("Redis") != std::string::npos && l.find("failed") != std::string::npos);
        said_again = said_again || (l.find("Connected to Redis") != std::string::npos && l.find("again") != std::string::npos);
    }
    EXPECT_TRUE(said_down);
    EXPECT_TRUE(said_again);
}

TEST(redis_store, unreachable_redis_is_not_ready) {
    const auto port = test::free_port();
    log::logger log([](log::level, std::string_view) {}, log::level::debug);
    bool ready = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store store(ex, settings(port), log, 1s);
        co_return co_await store.ensure_ready();
    });
    EXPECT_FALSE(ready);
}

}  // namespace
}  // namespace cowin::state
