// A poll's commit against a real redis-server: the watched MULTI/EXEC commit (snapshot loaded under
// WATCH on the commit connection) and the script the other commits use, each putting the poll's alerts
// in entries of alerts_per_entry and claiming the first entries for the committing process: what is claimed, that it is really that consumer's (pending, so
// a crash leaves it to be taken over), older unread entries first, no group yet, a commit superseded
// by another writer, a watch lost with its connection, a Redis refusing the commit connection, one
// out of memory, and a stored snapshot that does not decode.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "state/redis_store.hpp"
#include "state/resp_commands.hpp"
#include "support/coro.hpp"
#include "support/redis_server.hpp"
#include "support/store_fixtures.hpp"

namespace cowin::state {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

const std::string target = "district:363:0";

std::vector<std::string> alerts(int n, const std::string& tag) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(tag + "-" + std::to_string(i));
    return out;
}

// The commit of `n` alerts "<tag>-<i>", claiming up to `count` for `consumer`. Everything is built in
// here, as named values: GCC 12 destroys braced temporaries inside a co_await expression twice.
net::awaitable<commit_outcome> commit(redis_store& s, std::uint64_t expected, std::uint64_t fp, int n, std::string tag,
                                      std::string consumer, int count) {
    outbox_claim claim;
    claim.group = "delivery";
    claim.consumer = std::move(consumer);
    claim.count = count;
    std::string on = target;
    co_return co_await s.commit_with_alerts(std::move(on), expected, test::one_session_snapshot(fp), alerts(n, tag),
                                            std::move(claim));
}

// What a commit of two alerts over fingerprint 11 throws ("" when it does not).
net::awaitable<std::string> commit_error(redis_store& s, std::string tag) {
    try {
        co_await commit(s, 11, 12, 2, std::move(tag), "host:1", 32);
    } catch (const std::runtime_error& e) {
        co_return e.what();
    }
    co_return std::string();
}

net::awaitable<redis_reply> run(redis_store& s, std::vector<std::string> cmd) { co_return co_await s.run(std::move(cmd), "test"); }

net::awaitable<std::int64_t> pending_of(redis_store& s, std::string consumer) {
    std::vector<std::string> cmd{"XPENDING", "cc:outbox", "delivery", "-", "+", "1000", consumer};
    co_return static_cast<std::int64_t>((co_await run(s, std::move(cmd))).elements.size());
}

net::awaitable<std::int64_t> length(redis_store& s) {
    std::vector<std::string> cmd{"XLEN", "cc:outbox"};
    co_return (co_await run(s, std::move(cmd))).integer;
}

std::vector<std::string> blobs_of(const commit_outcome& o) {
    std::vector<std::string> out;
    for (const auto& c : o.claimed) out.push_back(c.blob);
    return out;
}

// Runs `body` against two stores on one fresh redis-server (the second plays another process), the
// consumer group created first unless `group` is false.
void with_stores(const std::function<net::awaitable<void>(redis_store&, redis_store&, net::any_io_executor)>& body,
                 bool group = true) {
    test::redis_server redis;
    const log::logger log([](log::level, std::string_view) {}, log::level::debug);
    const bool done = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store a(ex, test::redis_under(redis.port(), "cc:"), log);
        redis_store b(ex, test::redis_under(redis.port(), "cc:"), log);
        EXPECT_TRUE(co_await a.ensure_ready());
        EXPECT_TRUE(co_await b.ensure_ready());
        if (group) {
            std::vector<std::string> create{"XGROUP", "CREATE", "cc:outbox", "delivery", "0", "MKSTREAM"};
            co_await run(a, std::move(create));
        }
        co_await body(a, b, ex);
        co_return true;
    });
    EXPECT_TRUE(done);
}

TEST(commit_claim, a_watched_commit_stores_and_claims_the_first_alerts_for_its_consumer) {
    with_stores([](redis_store& s, redis_store&, net::any_io_executor) -> net::awaitable<void> {
        auto previous = co_await s.load_for_commit(target);
        EXPECT_FALSE(previous.has_value());
        // 40 alerts: two entries (32 and 8); a claim of 3 alerts takes the first entry, all 32.
        auto out = co_await commit(s, 0, 11, 40, "a", "host:1", 3);
        EXPECT_TRUE(out.stored);
        EXPECT_EQ(blobs_of(out), alerts(32, "a"));
        for (std::size_t i = 0; i < out.claimed.size(); ++i) {
            EXPECT_EQ(out.claimed[i].entry_id, out.claimed[0].entry_id);
            EXPECT_FALSE(out.claimed[i].entry_id.empty());
            EXPECT_EQ(out.claimed[i].part, static_cast<int>(i));
            EXPECT_EQ(out.claimed[i].parts, 32);
        }
        EXPECT_EQ(co_await length(s), 2);
        // Held by that consumer exactly as if it had read it: a crash leaves it pending.
        EXPECT_EQ(co_await pending_of(s, "host:1"), 1);
        auto stored = co_await s.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 11u);
        // The next watched commit goes on from the new snapshot; the entry not claimed before comes
        // first: older entries nobody read are claimed first, with what they hold.
        co_await s.load_for_commit(target);
        auto next = co_await commit(s, 11, 12, 1, "b", "host:1", 32);
        EXPECT_TRUE(next.stored);
        std::vector<std::string> rest;
        for (int i = 32; i < 40; ++i) rest.push_back("a-" + std::to_string(i));
        EXPECT_EQ(blobs_of(next), rest);
        EXPECT_EQ(next.claimed.empty() ? 0 : next.claimed.back().parts, 8);
        EXPECT_EQ(co_await pending_of(s, "host:1"), 2);
    });
}

// Built outside coroutines: GCC 12 mishandles braced lists in them.
resp_commands two_gets() {
    resp_commands reads;
    reads.add({"GET", "cc:k1"});
    reads.add({"GET", "cc:k2"});
    return reads;
}

// Reads issued while a commit is being prepared (the worker reading the subscriptions of the alerts
// the commit will claim) go with the commit in one write on its connection, and are answered before
// it: done by the time the commit's answer is in. Without a commit being prepared they are read as
// any pipeline. Either way the commit stands and claims as it would alone.
TEST(commit_claim, reads_issued_before_a_watched_commit_go_with_it_and_are_answered_first) {
    with_stores([](redis_store& s, redis_store&, net::any_io_executor ex) -> net::awaitable<void> {
        std::vector<std::string> set{"MSET", "cc:k1", "v1", "cc:k2", "v2"};
        co_await run(s, std::move(set));
        auto read_both = [&s]() -> net::awaitable<std::vector<redis_reply>> {
            resp_commands reads = two_gets();
            co_return co_await s.run_reads(std::move(reads), "GET");
        };
        for (const bool watched : {true, false}) {
            if (watched) co_await s.load_for_commit(target);
            std::vector<redis_reply> got;
            bool done = false;
            net::co_spawn(ex, read_both(), [&](std::exception_ptr, std::vector<redis_reply> r) {
                got = std::move(r);
                done = true;
            });
            auto out = co_await commit(s, watched ? 0 : 11, watched ? 11 : 12, 2, watched ? "w" : "u", "host:1", 32);
            EXPECT_TRUE(out.stored);
            EXPECT_EQ(blobs_of(out), alerts(2, watched ? "w" : "u"));
            if (watched) {
                EXPECT_TRUE(done);  // same connection, answered in order: before the commit
            }
            for (int i = 0; i < 100 && !done; ++i) {
                net::steady_timer wait(ex, 10ms);
                co_await wait.async_wait(net::use_awaitable);
            }
            EXPECT_TRUE(done);
            EXPECT_EQ(got.size(), 2u);
            if (got.size() == 2) {
                EXPECT_EQ(got[0].str, "v1");
                EXPECT_EQ(got[1].str, "v2");
            }
        }
    });
}

TEST(commit_claim, a_watched_commit_superseded_by_another_writer_writes_nothing) {
    with_stores([](redis_store& a, redis_store& b, net::any_io_executor) -> net::awaitable<void> {
        EXPECT_TRUE(co_await a.commit(target, 0, test::one_session_snapshot(11)));
        auto seen = co_await a.load_for_commit(target);
        EXPECT_TRUE(seen && seen->snap.fingerprint == 11u);
        // Another process stores a snapshot of the same target meanwhile (with the same fingerprint
        // even: the watch sees the write, not just a different value).
        auto other = co_await commit(b, 11, 11, 1, "theirs", "host:2", 1);
        EXPECT_TRUE(other.stored);
        auto mine = co_await commit(a, 11, 12, 2, "mine", "host:1", 32);
        EXPECT_FALSE(mine.stored);
        EXPECT_TRUE(mine.claimed.empty());
        EXPECT_EQ(co_await length(a), 1);
        EXPECT_EQ(co_await pending_of(a, "host:1"), 0);
    });
}

TEST(commit_claim, without_a_consumer_group_the_commit_stands_and_claims_nothing) {
    with_stores(
        [](redis_store& s, redis_store&, net::any_io_executor) -> net::awaitable<void> {
            // No worker has started yet: XREADGROUP fails with NOGROUP, inside the transaction and
            // inside the script alike, and neither may undo or fail the commit.
            co_await s.load_for_commit(target);
            auto watched = co_await commit(s, 0, 11, 2, "a", "host:1", 32);
            EXPECT_TRUE(watched.stored);
            EXPECT_TRUE(watched.claimed.empty());
            auto scripted = co_await commit(s, 11, 12, 2, "b", "host:1", 32);
            EXPECT_TRUE(scripted.stored);
            EXPECT_TRUE(scripted.claimed.empty());
            EXPECT_EQ(co_await length(s), 2);  // an entry per commit
        },
        false);
}

TEST(commit_claim, the_script_commit_claims_too_and_checks_the_fingerprint) {
    with_stores([](redis_store& s, redis_store&, net::any_io_executor) -> net::awaitable<void> {
        // Nothing loaded for a commit: the script on the main connection.
        auto first = co_await commit(s, 0, 11, 3, "a", "host:1", 2);
        EXPECT_TRUE(first.stored);
        EXPECT_EQ(blobs_of(first), alerts(3, "a"));  // the entry holding the two holds the third
        EXPECT_EQ(co_await pending_of(s, "host:1"), 1);
        auto stale = co_await commit(s, 0, 12, 1, "b", "host:1", 2);
        EXPECT_FALSE(stale.stored);
        // Not claimed: left for the next commit's claim.
        auto unclaimed = co_await commit(s, 11, 12, 2, "c", "host:1", 0);
        EXPECT_TRUE(unclaimed.stored);
        EXPECT_TRUE(unclaimed.claimed.empty());
        // 40 alerts, 33 claimed: two entries, the older unread one first with what it holds, then
        // the first of the commit's own two, taken from the caller's alerts.
        auto next = co_await commit(s, 12, 13, 40, "d", "host:1", 33);
        EXPECT_TRUE(next.stored);
        std::vector<std::string> expected = alerts(2, "c");
        for (const auto& a : alerts(32, "d")) expected.push_back(a);
        EXPECT_EQ(blobs_of(next), expected);
        EXPECT_EQ(next.claimed.size(), 34u);
        if (next.claimed.size() != 34u) co_return;
        EXPECT_EQ(next.claimed[1].part, 1);
        EXPECT_EQ(next.claimed[1].parts, 2);
        EXPECT_EQ(next.claimed[33].part, 31);
        EXPECT_EQ(next.claimed[33].parts, 32);
        EXPECT_NE(next.claimed[1].entry_id, next.claimed[2].entry_id);
        EXPECT_EQ(co_await pending_of(s, "host:1"), 3);
        EXPECT_EQ(co_await length(s), 4);
        // A watch for another target does not make this commit a watched one.
        co_await s.load_for_commit("district:1:0");
        auto other = co_await commit(s, 13, 14, 1, "e", "host:1", 2);
        EXPECT_TRUE(other.stored);
        std::vector<std::string> after;
        for (int i = 32; i < 40; ++i) after.push_back("d-" + std::to_string(i));
        EXPECT_EQ(blobs_of(other), after);  // the commit's own entry waits behind the older one
    });
}

TEST(commit_claim, a_watch_lost_with_its_connection_falls_back_to_the_checked_script) {
    with_stores([](redis_store& s, redis_store& killer, net::any_io_executor ex) -> net::awaitable<void> {
        EXPECT_TRUE(co_await s.commit(target, 0, test::one_session_snapshot(11)));
        co_await s.load_for_commit(target);
        // Every other client is cut off (the commit connection among them): its WATCH is gone.
        std::vector<std::string> kill{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"};
        co_await run(killer, std::move(kill));
        net::steady_timer pause(ex, 50ms);
        co_await pause.async_wait(net::use_awaitable);
        // Another writer moves the snapshot on; the lost watch cannot notice, the script does.
        EXPECT_TRUE(co_await killer.commit(target, 11, test::one_session_snapshot(12)));
        co_await s.ensure_ready();
        auto out = co_await commit(s, 11, 13, 1, "late", "host:1", 2);
        EXPECT_FALSE(out.stored);
        EXPECT_EQ(co_await length(s), 0);
    });
}

TEST(commit_claim, a_redis_refusing_the_commit_connection_still_takes_the_commit_by_script) {
    with_stores([](redis_store& s, redis_store&, net::any_io_executor) -> net::awaitable<void> {
        // No room for another client: the commit connection is refused ("max number of clients").
        std::vector<std::string> full{"CONFIG", "SET", "maxclients", "1"};
        co_await run(s, std::move(full));
        auto previous = co_await s.load_for_commit(target);
        EXPECT_FALSE(previous.has_value());
        auto out = co_await commit(s, 0, 11, 2, "a", "host:1", 32);
        EXPECT_TRUE(out.stored);
        EXPECT_EQ(blobs_of(out), alerts(2, "a"));
        auto stored = co_await s.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 11u);
    });
}

TEST(commit_claim, a_redis_out_of_memory_refuses_the_commit_clearly_and_writes_nothing) {
    with_stores([](redis_store& s, redis_store&, net::any_io_executor) -> net::awaitable<void> {
        EXPECT_TRUE(co_await s.commit(target, 0, test::one_session_snapshot(11)));
        std::vector<std::string> full{"CONFIG", "SET", "maxmemory", "1"};
        co_await run(s, std::move(full));
        // Watched: the queued writes are refused (OOM), so EXEC aborts the whole transaction.
        co_await s.load_for_commit(target);
        const std::string watched_error = co_await commit_error(s, "a");
        EXPECT_NE(watched_error.find("EXECABORT"), std::string::npos) << watched_error;
        // By script: refused the same way.
        const std::string script_error = co_await commit_error(s, "b");
        EXPECT_NE(script_error.find("OOM"), std::string::npos) << script_error;
        std::vector<std::string> room{"CONFIG", "SET", "maxmemory", "0"};
        co_await run(s, std::move(room));
        auto stored = co_await s.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 11u);
        EXPECT_EQ(co_await length(s), 0);
    });
}

// A snapshot that does not decode (an incompatible version wrote it, or a hand) reads as none, and
// both ways of committing replace it; its fingerprint beside it is intact, and the script used to
// expect "none" against it, so that target was never committed again. Replaced only as it was loaded:
// another writer's snapshot stored meanwhile still wins.
TEST(commit_claim, a_stored_snapshot_that_does_not_decode_is_replaced_by_either_commit) {
    with_stores([](redis_store& a, redis_store& b, net::any_io_executor) -> net::awaitable<void> {
        auto corrupt = []() { return std::vector<std::string>{"HSET", "cc:snap:" + target, "fp", "123", "data", "not a snapshot"}; };
        // By script: a plain load, then the commit.
        co_await run(a, corrupt());
        EXPECT_FALSE((co_await a.load(target)).has_value());
        auto by_script = co_await commit(a, 0, 21, 2, "s", "host:1", 0);
        EXPECT_TRUE(by_script.stored);
        auto stored = co_await b.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 21u);
        // Watched.
        co_await run(a, corrupt());
        EXPECT_FALSE((co_await a.load_for_commit(target)).has_value());
        auto watched = co_await commit(a, 0, 22, 1, "w", "host:1", 0);
        EXPECT_TRUE(watched.stored);
        stored = co_await b.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 22u);
        // By script again, another writer storing a good snapshot between the load and the commit.
        co_await run(a, corrupt());
        EXPECT_FALSE((co_await a.load(target)).has_value());
        auto theirs = co_await commit(b, 0, 30, 1, "theirs", "host:2", 0);
        EXPECT_FALSE(theirs.stored);  // b expected none: the undecodable one is not "none" to b
        std::vector<std::string> good{"HSET", "cc:snap:" + target, "fp", "31"};
        co_await run(b, std::move(good));
        auto mine = co_await commit(a, 0, 23, 1, "late", "host:1", 0);
        EXPECT_FALSE(mine.stored);
        EXPECT_EQ(co_await length(a), 2);  // the entries of the two above; nothing from the refused commits
    });
}

}  // namespace
}  // namespace cowin::state
