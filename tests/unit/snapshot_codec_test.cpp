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

#include "state/redis_store.hpp"

namespace cowin::state {
namespace {

TEST(redis_commands, are_composed_under_the_key_prefix) {
    EXPECT_EQ(redis_store::load_command("cowin:", "district:363:0"),
              (std::vector<std::string>{"HGET", "cowin:snap:district:363:0", "data"}));
    stored_snapshot s;
    s.snap.fingerprint = 77;
    auto c = redis_store::commit_command("cowin:", "pincode:411027:1", 12, s, {"alert-1", "alert-2"});
    ASSERT_EQ(c.size(), 10u);
    EXPECT_EQ(c[0], "EVAL");
    EXPECT_EQ(c[1], redis_store::commit_script());
    EXPECT_EQ(c[2], "2");
    EXPECT_EQ(c[3], "cowin:snap:pincode:411027:1");
    EXPECT_EQ(c[4], "cowin:outbox");
    EXPECT_EQ(c[5], "12");
    EXPECT_EQ(c[6], "77");
    EXPECT_EQ(decode(c[7])->snap.fingerprint, 77u);
    EXPECT_EQ(c[8], "alert-1");
    EXPECT_EQ(c[9], "alert-2");
    // The script refuses to write unless the stored fingerprint is the expected one.
    EXPECT_NE(std::string(redis_store::commit_script()).find("~= ARGV[1] then return 0"), std::string::npos);
}

}  // namespace
}  // namespace cowin::state
