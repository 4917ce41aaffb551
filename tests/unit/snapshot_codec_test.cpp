// Snapshots to bytes and back, and every kind of damaged blob refused.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cowin/parser.hpp"
#include "state/snapshot_codec.hpp"

namespace cowin::state {
namespace {

stored_snapshot raigad() {
    std::ifstream in(std::string(COWIN_FIXTURES_DIR) + "/cowin/calendarByDistrict_raigad-393_2021-05-21.json");
    std::ostringstream s;
    s << in.rdbuf();
    api::response_parser p;
    EXPECT_FALSE(p.parse(api::endpoint::calendar, s.str()));
    stored_snapshot out;
    api::make_snapshot(p.view(), api::fingerprint(s.str()), out.snap);
    out.polled_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795804199123));
    return out;
}

TEST(snapshot_codec, round_trips_sessions_and_details) {
    const stored_snapshot a = raigad();
    ASSERT_FALSE(a.snap.details.empty());
    auto b = decode(encode(a));
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->snap.fingerprint, a.snap.fingerprint);
    EXPECT_EQ(b->polled_at, a.polled_at);
    ASSERT_EQ(b->snap.sessions.size(), a.snap.sessions.size());
    for (std::size_t i = 0; i < a.snap.sessions.size(); ++i) {
        EXPECT_EQ(b->snap.sessions[i].key, a.snap.sessions[i].key);
        EXPECT_EQ(b->snap.sessions[i].cap, a.snap.sessions[i].cap);
        EXPECT_TRUE(b->snap.sessions[i].same_attributes(a.snap.sessions[i]));
    }
    ASSERT_EQ(b->snap.details.size(), a.snap.details.size());
    EXPECT_EQ(b->snap.details[0].center_name, a.snap.details[0].center_name);
    EXPECT_EQ(b->snap.details[0].slots, a.snap.details[0].slots);
    EXPECT_EQ(b->snap.details[0].session_id, a.snap.details[0].session_id);
}

TEST(snapshot_codec, damaged_blobs_are_refused) {
    const std::string good = encode(raigad());
    EXPECT_FALSE(decode("").has_value());
    EXPECT_FALSE(decode("CWS2" + good.substr(4)).has_value());
    for (std::size_t cut : {std::size_t{5}, good.size() / 2, good.size() - 1}) {
        EXPECT_FALSE(decode(good.substr(0, cut)).has_value()) << cut;
    }
    EXPECT_FALSE(decode(good + "x").has_value());
    EXPECT_TRUE(decode(encode(stored_snapshot{})).has_value());
}

}  // namespace
}  // namespace cowin::state

#include "state/entry_delta.hpp"
#include "state/redis_store.hpp"

namespace cowin::state {
namespace {

TEST(redis_commands, are_composed_under_the_key_prefix) {
    EXPECT_EQ(redis_store::load_command("cowin:", "district:363:0"),
              (std::vector<std::string>{"HMGET", "cowin:snap:district:363:0", "fp", "data"}));
    stored_snapshot s;
    s.snap.fingerprint = 77;
    outbox_claim claim{"delivery", "host:7", 32};
    auto c = redis_store::commit_command("cowin:", "pincode:411027:1", "12", s, {"alert-1", "alert-2"}, claim);
    ASSERT_EQ(c.size(), 15u);
    EXPECT_EQ(c[0], "EVAL");
    EXPECT_EQ(c[1], redis_store::commit_script());
    EXPECT_EQ(c[2], "3");
    EXPECT_EQ(c[3], "cowin:snap:pincode:411027:1");
    EXPECT_EQ(c[4], "cowin:outbox");
    EXPECT_EQ(c[5], "cowin:outbox:extra");
    EXPECT_EQ(c[6], "12");
    EXPECT_EQ(c[7], "77");
    EXPECT_EQ(decode(c[8])->snap.fingerprint, 77u);
    EXPECT_EQ(c[9], "1");  // 32 alerts: one entry
    EXPECT_EQ(c[10], "delivery");
    EXPECT_EQ(c[11], "host:7");
    EXPECT_EQ(c[12], "32");  // alerts per entry
    // The alerts after an entry's first go as their differences from it; the script names them.
    EXPECT_EQ(c[13], "alert-1");
    EXPECT_EQ(c[14], delta_of("alert-1", "alert-2"));
    EXPECT_EQ(apply_delta(c[13], c[14]), "alert-2");
    EXPECT_NE(std::string(redis_store::commit_script()).find("'base'"), std::string::npos);
    EXPECT_NE(std::string(redis_store::commit_script()).find("'like'"), std::string::npos);
    // 33 alerts claimed: two entries.
    EXPECT_EQ(redis_store::commit_command("cowin:", "x", "0", s, {}, outbox_claim{"delivery", "host:7", 33})[9], "2");
    // No consumer, no claim.
    EXPECT_EQ(redis_store::commit_command("cowin:", "x", "0", s, {}, outbox_claim{"delivery", "", 32})[9], "0");
    // The script refuses to write unless the stored fingerprint is the expected one.
    EXPECT_NE(std::string(redis_store::commit_script()).find("~= ARGV[1] then return 0"), std::string::npos);
}

TEST(redis_commands, a_watched_commit_is_one_transaction_ending_with_the_claim) {
    stored_snapshot s;
    s.snap.fingerprint = 77;
    auto c = redis_store::transaction_commands("cowin:", "district:363:0", s, {"alert-1", "alert-2"},
                                               outbox_claim{"delivery", "host:7", 32});
    ASSERT_EQ(c.size(), 6u);
    EXPECT_EQ(c[0], std::vector<std::string>{"MULTI"});
    ASSERT_EQ(c[1].size(), 6u);
    EXPECT_EQ(c[1][0], "HSET");
    EXPECT_EQ(c[1][1], "cowin:snap:district:363:0");
    EXPECT_EQ(c[1][3], "77");
    EXPECT_EQ(decode(c[1][5])->snap.fingerprint, 77u);
    // The alerts share an entry: the first as "base", the next as "like", its differences from the first.
    EXPECT_EQ(c[2], (std::vector<std::string>{"XADD", "cowin:outbox", "*", "base", "alert-1", "like", delta_of("alert-1", "alert-2")}));
    // One alert alone keeps the field an entry of one alert always had.
    EXPECT_EQ(redis_store::transaction_commands("cowin:", "x", s, {"alert-1"}, outbox_claim{})[2],
              (std::vector<std::string>{"XADD", "cowin:outbox", "*", "a", "alert-1"}));
    // The outbox's depth counts the alerts beyond one per entry apart.
    EXPECT_EQ(c[3], (std::vector<std::string>{"INCRBY", "cowin:outbox:extra", "1"}));
    EXPECT_EQ(c[4], (std::vector<std::string>{"XREADGROUP", "GROUP", "delivery", "host:7", "COUNT", "1", "STREAMS",
                                              "cowin:outbox", ">"}));
    EXPECT_EQ(c[5], std::vector<std::string>{"EXEC"});
    // Nothing to claim for: no XREADGROUP.
    EXPECT_EQ(redis_store::transaction_commands("cowin:", "x", s, {"a"}, outbox_claim{}).size(), 4u);
    // 70 alerts: entries of 32, 32 and 6; a claim of 40 alerts reads two entries.
    std::vector<std::string> many;
    for (int i = 0; i < 70; ++i) many.push_back("alert-" + std::to_string(i));
    c = redis_store::transaction_commands("cowin:", "x", s, many, outbox_claim{"delivery", "host:7", 40});
    ASSERT_EQ(c.size(), 8u);
    ASSERT_EQ(c[2].size(), 3u + 2 * 32);
    ASSERT_EQ(c[3].size(), 3u + 2 * 32);
    ASSERT_EQ(c[4].size(), 3u + 2 * 6);
    EXPECT_EQ(c[2][4], "alert-0");
    EXPECT_EQ(apply_delta(c[2][4], c[2][66]), "alert-31");
    EXPECT_EQ(c[3][4], "alert-32");
    EXPECT_EQ(c[4][3], "base");
    EXPECT_EQ(c[4][4], "alert-64");
    EXPECT_EQ(c[4][13], "like");
    EXPECT_EQ(apply_delta(c[4][4], c[4][14]), "alert-69");
    EXPECT_EQ(c[5], (std::vector<std::string>{"INCRBY", "cowin:outbox:extra", "67"}));
    EXPECT_EQ(c[6][5], "2");
}

redis_reply str(std::string s) {
    redis_reply r;
    r.kind = redis_reply::type::string;
    r.str = std::move(s);
    return r;
}
redis_reply array(std::vector<redis_reply> e) {
    redis_reply r;
    r.kind = redis_reply::type::array;
    r.elements = std::move(e);
    return r;
}

// One claimed alert: its entry, what it holds, which of the entry's alerts it is.
void expect_claimed(const claimed_entry& c, const std::string& entry, const std::string& blob, int part, int parts) {
    EXPECT_EQ(c.entry_id, entry);
    EXPECT_EQ(c.blob, blob);
    EXPECT_EQ(c.part, part);
    EXPECT_EQ(c.parts, parts);
}

TEST(redis_commands, exec_answers_read_as_stored_superseded_or_claimed) {
    redis_reply nil;  // EXEC after a watched key changed
    EXPECT_FALSE(redis_store::transaction_outcome_of(nil, true).stored);
    redis_reply hset;
    hset.kind = redis_reply::type::integer;
    // Stored, the group missing: the claim's error leaves the commit standing.
    redis_reply nogroup;
    nogroup.kind = redis_reply::type::error;
    nogroup.str = "NOGROUP No such key";
    auto o = redis_store::transaction_outcome_of(array({hset, str("1-0"), nogroup}), true);
    EXPECT_TRUE(o.stored);
    EXPECT_TRUE(o.claimed.empty());
    // Claimed: [[stream, [[id, [field, value]], ...]]]; an entry without "a" comes with its fields as
    // its blob (it is dead-lettered as undecodable, with what it held, not lost or left pending).
    // An entry of several alerts comes as one claimed_entry per alert, each with its part: written
    // whole ("part", before entries were delta-encoded) or as "base" and "like"s. A "like" that does
    // not apply to its base (or has none) comes as what it held, to be dead-lettered alone.
    const std::string b4 = "blob-4-first-of-the-entry", l4 = "blob-4-second-of-the-entry";
    auto entries = array({array({str("1-0"), array({str("a"), str("blob-1")})}), array({str("2-0"), array({str("x"), str("y")})}),
                          array({str("3-0"), array({str("part"), str("blob-3a"), str("part"), str("blob-3b")})}),
                          array({str("4-0"), array({str("base"), str(b4), str("like"), str(delta_of(b4, l4)), str("like"),
                                                    str("C999;")})}),
                          array({str("5-0"), array({str("like"), str("L3;abc")})})});
    o = redis_store::transaction_outcome_of(array({hset, str("1-0"), str("2-0"), array({array({str("cowin:outbox"), entries})})}), true);
    EXPECT_TRUE(o.stored);
    ASSERT_EQ(o.claimed.size(), 8u);
    expect_claimed(o.claimed[0], "1-0", "blob-1", 0, 1);
    expect_claimed(o.claimed[1], "2-0", "x=y\n", 0, 1);
    expect_claimed(o.claimed[2], "3-0", "blob-3a", 0, 2);
    expect_claimed(o.claimed[3], "3-0", "blob-3b", 1, 2);
    expect_claimed(o.claimed[4], "4-0", b4, 0, 3);
    expect_claimed(o.claimed[5], "4-0", l4, 1, 3);
    expect_claimed(o.claimed[6], "4-0", "like=C999;\n", 2, 3);
    expect_claimed(o.claimed[7], "5-0", "like=L3;abc\n", 0, 1);
    // Nothing new to read: nil.
    o = redis_store::transaction_outcome_of(array({hset, str("1-0"), redis_reply{}}), true);
    EXPECT_TRUE(o.stored);
    EXPECT_TRUE(o.claimed.empty());
    // The script's answer: 0 (superseded), or 1 then per entry (id, which of the commit's own
    // entries or 0, the fields of an older entry).
    std::vector<std::string> kept;
    for (int i = 0; i < 40; ++i) kept.push_back("own-" + std::to_string(i));
    redis_reply zero;
    zero.kind = redis_reply::type::integer;
    EXPECT_FALSE(redis_store::commit_outcome_of(zero, kept).stored);
    redis_reply one = hset;
    one.integer = 1;
    redis_reply idx0 = hset, idx2 = hset;
    idx2.integer = 2;
    const std::string older_b = "older-b-" + std::string(40, 'x');
    auto s = redis_store::commit_outcome_of(array({one, str("5-0"), idx0,
                                                   array({str("base"), str("older-a"), str("like"), str(delta_of("older-a", older_b))}),
                                                   str("6-0"), idx2,
                                                   array({}), str("7-0"), idx0, array({})}),
                                            kept);
    EXPECT_TRUE(s.stored);
    ASSERT_EQ(s.claimed.size(), 2u + 8u + 1u);
    expect_claimed(s.claimed[0], "5-0", "older-a", 0, 2);
    expect_claimed(s.claimed[1], "5-0", older_b, 1, 2);
    // The commit's second entry holds its alerts 32 to 39, taken from the caller's.
    for (int k = 0; k < 8; ++k) expect_claimed(s.claimed[2 + k], "6-0", "own-" + std::to_string(32 + k), k, 8);
    // An older entry with no alert in it still comes, to be dead-lettered as undecodable.
    expect_claimed(s.claimed[10], "7-0", "", 0, 1);
}

}  // namespace
}  // namespace cowin::state
