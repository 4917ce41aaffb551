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
