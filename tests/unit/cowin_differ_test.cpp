// The differ: what changed between two snapshots of one target, per session.
#include <gtest/gtest.h>

#include <xxhash.h>

#include <algorithm>

#include "cowin/civil_date.hpp"
#include "cowin/differ.hpp"
#include "cowin/parser.hpp"
#include "cowin/vaccine.hpp"

namespace cowin::api {
namespace {

session_state make(std::uint64_t key, capacities cap, std::int64_t center = 1) {
    session_state s;
    s.key = key;
    s.center_id = center;
    s.cap = cap;
    s.date = civil_date{2021, 5, 21};
    s.min_age = 18;
    s.vaccine_id = vaccine::covishield;
    s.fee = fee_kind::free;
    return s;
}

std::vector<transition> run(const std::vector<session_state>& a, const std::vector<session_state>& b) {
    snapshot before{1, a, {}}, after{2, b, {}};
    std::vector<transition> out;
    diff_scratch scratch;
    diff(before, after, out, scratch);
    return out;
}

TEST(differ, identical_snapshots_give_nothing) {
    auto s = std::vector{make(1, {0, 0, 0}), make(2, {5, 5, 0})};
    EXPECT_TRUE(run(s, s).empty());
}

TEST(differ, session_opens_with_capacity_up) {
    auto t = run({make(1, {0, 0, 0})}, {make(1, {10, 10, 0})});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].what, transition::kind::changed);
    EXPECT_EQ(t[0].changed, transition::total | transition::dose1);
    EXPECT_EQ(t[0].before, 0u);
    EXPECT_EQ(t[0].after, 0u);
}

TEST(differ, session_closes_with_capacity_down) {
    auto t = run({make(1, {10, 4, 6})}, {make(1, {0, 0, 0})});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].changed, transition::total | transition::dose1 | transition::dose2);
}

TEST(differ, close_then_reopen_is_two_changes) {
    auto open = std::vector{make(1, {3, 3, 0})};
    auto closed = std::vector{make(1, {0, 0, 0})};
    EXPECT_EQ(run(open, closed).size(), 1u);
    EXPECT_EQ(run(closed, open).size(), 1u);
}

TEST(differ, new_session_appears_and_gone_session_disappears) {
    auto t = run({make(1, {0, 0, 0}), make(2, {1, 1, 0})}, {make(1, {0, 0, 0}), make(3, {4, 4, 0})});
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].what, transition::kind::appeared);
    EXPECT_EQ(t[0].after, 1u);
    EXPECT_EQ(t[0].before, transition::none);
    EXPECT_EQ(t[1].what, transition::kind::disappeared);
    EXPECT_EQ(t[1].before, 1u);
}

TEST(differ, whole_centre_gone) {
    auto t = run({make(1, {0, 0, 0}, 7), make(2, {1, 1, 0}, 8), make(3, {2, 2, 0}, 8)}, {make(1, {0, 0, 0}, 7)});
    ASSERT_EQ(t.size(), 2u);
    for (const auto& x : t) EXPECT_EQ(x.what, transition::kind::disappeared);
}

TEST(differ, unknown_dose_capacity_becoming_known_is_a_change) {
    auto t = run({make(1, {5, capacities::unknown, capacities::unknown})}, {make(1, {5, 5, 0})});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].changed, transition::dose1 | transition::dose2);
}

TEST(differ, reordered_sessions_are_matched_by_key) {
    auto t = run({make(1, {0, 0, 0}), make(2, {1, 1, 0}), make(3, {2, 2, 0})},
                 {make(3, {2, 2, 0}), make(1, {0, 0, 0}), make(2, {9, 9, 0})});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].what, transition::kind::changed);
    EXPECT_EQ(t[0].before, 1u);
    EXPECT_EQ(t[0].after, 2u);
}

TEST(differ, attribute_change_is_reported) {
    auto a = make(1, {3, 3, 0});
    auto b = a;
    b.min_age = 45;
    auto t = run({a}, {b});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].changed, transition::attributes);
}

TEST(differ, from_nothing_everything_appears) {
    auto t = run({}, {make(1, {0, 0, 0}), make(2, {1, 1, 0})});
    EXPECT_EQ(t.size(), 2u);
    EXPECT_TRUE(std::all_of(t.begin(), t.end(), [](auto& x) { return x.what == transition::kind::appeared; }));
}

TEST(differ, parsed_response_diffs_against_its_edit) {
    response_parser parser;
    const char* before = R"({"centers":[{"center_id":7,"sessions":[)"
                         R"({"session_id":"a","date":"21-05-2021","available_capacity":0,"min_age_limit":18},)"
                         R"({"session_id":"b","date":"21-05-2021","available_capacity":2,"min_age_limit":45}]}]})";
    const char* after = R"({"centers":[{"center_id":7,"sessions":[)"
                        R"({"session_id":"a","date":"21-05-2021","available_capacity":4,"min_age_limit":18}]}]})";
    snapshot s1, s2;
    ASSERT_FALSE(parser.parse(endpoint::calendar, before).has_value());
    make_snapshot(parser.view(), fingerprint(before), s1);
    ASSERT_FALSE(parser.parse(endpoint::calendar, after).has_value());
    make_snapshot(parser.view(), fingerprint(after), s2);
    EXPECT_NE(s1.fingerprint, s2.fingerprint);
    std::vector<transition> out;
    diff_scratch scratch;
    diff(s1, s2, out, scratch);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].what, transition::kind::changed);
    EXPECT_EQ(s2.sessions[out[0].after].cap.total, 4);
    EXPECT_EQ(out[1].what, transition::kind::disappeared);
    // Open sessions keep what an alert needs, after the parser has moved on.
    ASSERT_EQ(s1.details.size(), 1u);
    EXPECT_EQ(s1.details[s1.sessions[1].detail].session_id, "b");
    EXPECT_EQ(s1.sessions[0].detail, session_state::no_detail);
    ASSERT_EQ(s2.details.size(), 1u);
    EXPECT_EQ(s2.details[s2.sessions[0].detail].cap.total, 4);
    EXPECT_EQ(to_iso(s2.details[0].date), "2021-05-21");
}

TEST(fingerprint, is_xxh3_whichever_kernel_computes_it) {
    // Fingerprints are stored in Redis: a machine with AVX2 and one without must agree.
    std::string bytes(100000, 'x');
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i * 7 % 26);
    EXPECT_EQ(fingerprint(bytes), XXH3_64bits(bytes.data(), bytes.size()));
}

TEST(fingerprint, identical_bytes_identical_fingerprint) {
    EXPECT_EQ(fingerprint("{\"centers\":[]}"), fingerprint("{\"centers\":[]}"));
    EXPECT_NE(fingerprint("{\"centers\":[]}"), fingerprint("{\"centers\":[] }"));
}

TEST(civil_date, parses_cowin_dates_and_prints_iso) {
    EXPECT_EQ(to_iso(*parse_cowin_date("21-05-2021")), "2021-05-21");
    EXPECT_EQ(to_iso(*parse_cowin_date("8-6-2021")), "2021-06-08");
    EXPECT_EQ(to_cowin(civil_date{2026, 11, 27}), "27-11-2026");
    EXPECT_TRUE(parse_cowin_date("29-02-2024").has_value());
    for (const char* bad : {"", "29-02-2021", "32-01-2021", "01-13-2021", "2021-05-21", "21/05/2021", "21-05-21",
                            "21-05-2021x", "aa-bb-cccc"}) {
        EXPECT_FALSE(parse_cowin_date(bad).has_value()) << bad;
    }
    for (int d : {0, 1, 59, 18000, 20600}) EXPECT_EQ(days_since_epoch(from_days_since_epoch(d)), d);
    EXPECT_EQ(days_since_epoch(civil_date{1970, 1, 1}), 0);
}

TEST(vaccine, names_are_read_case_insensitively) {
    EXPECT_EQ(parse_vaccine(" covishield "), vaccine::covishield);
    EXPECT_EQ(parse_vaccine("Sputnik V"), vaccine::sputnik_v);
    EXPECT_EQ(parse_vaccine(""), vaccine::unknown);
    EXPECT_EQ(parse_vaccine("SPUTNIKV"), vaccine::other);
    EXPECT_EQ(to_string(vaccine::corbevax), "CORBEVAX");
}

}  // namespace
}  // namespace cowin::api
