// A poll's commit against a real redis-server: the watched MULTI/EXEC commit (snapshot loaded under
// WATCH on the commit connection) and the script the other commits use, each claiming the poll's first
// alerts for the committing process: what is claimed, that it is really that consumer's (pending, so
// a crash leaves it to be taken over), older unread entries first, no group yet, a commit superseded
// by another writer, and a commit whose watch was lost with its connection.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <string>
#include <vector>

#include "log/log.hpp"
#include "state/redis_store.hpp"
#include "support/coro.hpp"
#include "support/redis_server.hpp"

namespace cowin::state {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

const std::string target = "district:363:0";

stored_snapshot make(std::uint64_t fp) {
    stored_snapshot s;
    s.snap.fingerprint = fp;
    api::session_state st;
    st.key = 42;
    st.center_id = 7;
    st.cap = {5, 5, 0};
    st.date = {2026, 11, 28};
    s.snap.sessions.push_back(st);
    return s;
}

config::redis_settings settings(std::uint16_t port) {
    config::redis_settings r;
    r.port = port;
    r.key_prefix = "cc:";
    return r;
}

std::vector<std::string> alerts(int n, const std::string& tag) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(tag + "-" + std::to_string(i));
    return out;
}

outbox_claim claim_for(std::string consumer, int count) {
    outbox_claim c;
    c.group = "delivery";
    c.consumer = std::move(consumer);
    c.count = count;
    return c;
}

net::awaitable<void> create_group(redis_store& s) {
    std::vector<std::string> cmd{"XGROUP", "CREATE", "cc:outbox", "delivery", "0", "MKSTREAM"};
    co_await s.run(std::move(cmd), "XGROUP CREATE");
}

net::awaitable<std::int64_t> pending_of(redis_store& s, std::string consumer) {
    std::vector<std::string> cmd{"XPENDING", "cc:outbox", "delivery", "-", "+", "1000", consumer};
    co_return static_cast<std::int64_t>((co_await s.run(std::move(cmd), "XPENDING")).elements.size());
}

net::awaitable<std::int64_t> length(redis_store& s) {
    std::vector<std::string> cmd{"XLEN", "cc:outbox"};
    co_return (co_await s.run(std::move(cmd), "XLEN")).integer;
}

std::vector<std::string> blobs_of(const commit_outcome& o) {
    std::vector<std::string> out;
    for (const auto& c : o.claimed) out.push_back(c.blob);
    return out;
}

// Everything passed in is named first by the callers: GCC 12 destroys temporaries built inside a
// co_await expression twice.
net::awaitable<commit_outcome> commit(redis_store& s, std::string on, std::uint64_t expected, std::uint64_t fp,
                                      std::vector<std::string> entries, outbox_claim claim) {
    stored_snapshot next = make(fp);
    co_return co_await s.commit_with_alerts(std::move(on), expected, std::move(next), std::move(entries), std::move(claim));
}

log::logger quiet() { return log::logger([](log::level, std::string_view) {}, log::level::debug); }

TEST(commit_claim, a_watched_commit_stores_and_claims_the_first_alerts_for_its_consumer) {
    test::redis_server redis;
    const auto log = quiet();
    const bool ok = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store s(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await s.ensure_ready());
        co_await create_group(s);
        auto previous = co_await s.load_for_commit(target);
        EXPECT_FALSE(previous.has_value());
        auto out_alerts = alerts(5, "a");
        auto out_claim = claim_for("host:1", 3);
        std::string out_target = target;
        auto out = co_await commit(s, std::move(out_target), 0, 11, std::move(out_alerts), std::move(out_claim));
        EXPECT_TRUE(out.stored);
        EXPECT_EQ(blobs_of(out), alerts(3, "a"));
        for (const auto& c : out.claimed) EXPECT_FALSE(c.entry_id.empty());
        EXPECT_EQ(co_await length(s), 5);
        // Held by that consumer exactly as if it had read them: a crash leaves them pending.
        EXPECT_EQ(co_await pending_of(s, "host:1"), 3);
        auto stored = co_await s.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 11u);
        // The next watched commit goes on from the new snapshot.
        co_await s.load_for_commit(target);
        auto next_alerts = alerts(1, "b");
        auto next_claim = claim_for("host:1", 32);
        std::string next_target = target;
        auto next = co_await commit(s, std::move(next_target), 11, 12, std::move(next_alerts), std::move(next_claim));
        EXPECT_TRUE(next.stored);
        // The two not claimed before come first: older entries nobody read are claimed first.
        EXPECT_EQ(blobs_of(next), (std::vector<std::string>{"a-3", "a-4", "b-0"}));
        co_return true;
    });
    EXPECT_TRUE(ok);
}

TEST(commit_claim, a_watched_commit_superseded_by_another_writer_writes_nothing) {
    test::redis_server redis;
    const auto log = quiet();
    const bool ok = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store a(ex, settings(redis.port()), log);
        redis_store b(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await a.ensure_ready());
        EXPECT_TRUE(co_await b.ensure_ready());
        co_await create_group(a);
        EXPECT_TRUE(co_await a.commit(target, 0, make(11)));
        auto seen = co_await a.load_for_commit(target);
        EXPECT_TRUE(seen && seen->snap.fingerprint == 11u);
        // Another process stores a newer snapshot of the same target meanwhile (the same fingerprint
        // even: the watch sees the write, not just a different value).
        auto other_alerts = alerts(1, "theirs");
        auto other_claim = claim_for("host:2", 1);
        std::string other_target = target;
        auto other = co_await commit(b, std::move(other_target), 11, 11, std::move(other_alerts), std::move(other_claim));
        EXPECT_TRUE(other.stored);
        auto mine_alerts = alerts(2, "mine");
        auto mine_claim = claim_for("host:1", 32);
        std::string mine_target = target;
        auto mine = co_await commit(a, std::move(mine_target), 11, 12, std::move(mine_alerts), std::move(mine_claim));
        EXPECT_FALSE(mine.stored);
        EXPECT_TRUE(mine.claimed.empty());
        EXPECT_EQ(co_await length(a), 1);
        EXPECT_EQ(co_await pending_of(a, "host:1"), 0);
        co_return true;
    });
    EXPECT_TRUE(ok);
}

TEST(commit_claim, without_a_consumer_group_the_commit_stands_and_claims_nothing) {
    test::redis_server redis;
    const auto log = quiet();
    const bool ok = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store s(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await s.ensure_ready());
        // No worker has started yet: XREADGROUP fails with NOGROUP, inside the transaction and inside
        // the script alike, and neither may undo or fail the commit.
        co_await s.load_for_commit(target);
        auto watched_alerts = alerts(2, "a");
        auto watched_claim = claim_for("host:1", 32);
        std::string watched_target = target;
        auto watched = co_await commit(s, std::move(watched_target), 0, 11, std::move(watched_alerts), std::move(watched_claim));
        EXPECT_TRUE(watched.stored);
        EXPECT_TRUE(watched.claimed.empty());
        auto scripted_alerts = alerts(2, "b");
        auto scripted_claim = claim_for("host:1", 32);
        std::string scripted_target = target;
        auto scripted = co_await commit(s, std::move(scripted_target), 11, 12, std::move(scripted_alerts), std::move(scripted_claim));
        EXPECT_TRUE(scripted.stored);
        EXPECT_TRUE(scripted.claimed.empty());
        EXPECT_EQ(co_await length(s), 4);
        co_return true;
    });
    EXPECT_TRUE(ok);
}

TEST(commit_claim, the_script_commit_claims_too_and_checks_the_fingerprint) {
    test::redis_server redis;
    const auto log = quiet();
    const bool ok = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store s(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await s.ensure_ready());
        co_await create_group(s);
        // Nothing loaded for a commit: the script on the main connection.
        auto first_alerts = alerts(3, "a");
        auto first_claim = claim_for("host:1", 2);
        std::string first_target = target;
        auto first = co_await commit(s, std::move(first_target), 0, 11, std::move(first_alerts), std::move(first_claim));
        EXPECT_TRUE(first.stored);
        EXPECT_EQ(blobs_of(first), alerts(2, "a"));
        EXPECT_EQ(co_await pending_of(s, "host:1"), 2);
        auto stale_alerts = alerts(1, "b");
        auto stale_claim = claim_for("host:1", 2);
        std::string stale_target = target;
        auto stale = co_await commit(s, std::move(stale_target), 0, 12, std::move(stale_alerts), std::move(stale_claim));
        EXPECT_FALSE(stale.stored);
        // An older unread entry is claimed before the commit's own, with what it holds.
        auto next_alerts = alerts(1, "c");
        auto next_claim = claim_for("host:1", 2);
        std::string next_target = target;
        auto next = co_await commit(s, std::move(next_target), 11, 12, std::move(next_alerts), std::move(next_claim));
        EXPECT_TRUE(next.stored);
        EXPECT_EQ(blobs_of(next), (std::vector<std::string>{"a-2", "c-0"}));
        // A watch for another target does not make this commit a watched one.
        co_await s.load_for_commit("district:1:0");
        auto other_alerts = alerts(1, "d");
        auto other_claim = claim_for("host:1", 2);
        std::string other_target = target;
        auto other = co_await commit(s, std::move(other_target), 12, 13, std::move(other_alerts), std::move(other_claim));
        EXPECT_TRUE(other.stored);
        EXPECT_EQ(blobs_of(other), alerts(1, "d"));
        co_return true;
    });
    EXPECT_TRUE(ok);
}

TEST(commit_claim, a_watch_lost_with_its_connection_falls_back_to_the_checked_script) {
    test::redis_server redis;
    const auto log = quiet();
    const bool ok = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store s(ex, settings(redis.port()), log);
        redis_store killer(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await s.ensure_ready());
        EXPECT_TRUE(co_await killer.ensure_ready());
        co_await create_group(s);
        EXPECT_TRUE(co_await s.commit(target, 0, make(11)));
        co_await s.load_for_commit(target);
        // Every other client is cut off (the commit connection among them): its WATCH is gone.
        std::vector<std::string> kill{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"};
        co_await killer.run(std::move(kill), "CLIENT KILL");
        net::steady_timer pause(ex, 50ms);
        co_await pause.async_wait(net::use_awaitable);
        // Another writer moves the snapshot on; the lost watch cannot notice, the script does.
        EXPECT_TRUE(co_await killer.commit(target, 11, make(12)));
        co_await s.ensure_ready();
        auto out_alerts = alerts(1, "late");
        auto out_claim = claim_for("host:1", 2);
        std::string out_target = target;
        auto out = co_await commit(s, std::move(out_target), 11, 13, std::move(out_alerts), std::move(out_claim));
        EXPECT_FALSE(out.stored);
        EXPECT_EQ(co_await length(s), 0);
        co_return true;
    });
    EXPECT_TRUE(ok);
}

TEST(commit_claim, a_redis_refusing_the_commit_connection_still_takes_the_commit_by_script) {
    test::redis_server redis;
    const auto log = quiet();
    const bool ok = test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
        redis_store s(ex, settings(redis.port()), log);
        EXPECT_TRUE(co_await s.ensure_ready());
        co_await create_group(s);
        // No room for another client: the commit connection is refused ("max number of clients").
        std::vector<std::string> full{"CONFIG", "SET", "maxclients", "1"};
        co_await s.run(std::move(full), "CONFIG SET");
        auto previous = co_await s.load_for_commit(target);
        EXPECT_FALSE(previous.has_value());
        auto a_alerts = alerts(2, "a");
        auto a_claim = claim_for("host:1", 32);
        std::string a_target = target;
        auto out = co_await commit(s, std::move(a_target), 0, 11, std::move(a_alerts), std::move(a_claim));
        EXPECT_TRUE(out.stored);
        EXPECT_EQ(blobs_of(out), alerts(2, "a"));
        auto stored = co_await s.load(target);
        EXPECT_TRUE(stored && stored->snap.fingerprint == 11u);
        co_return true;
    });
    EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace cowin::state
