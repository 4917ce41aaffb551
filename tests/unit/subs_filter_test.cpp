// The filter semantics of DESIGN.md §2, one row per rule, plus the traps 2021's notifiers fell into
// (peers.md §3.4). Each row checks the matcher's verdict and that "why not" agrees with it.
#include <gtest/gtest.h>

#include <functional>

#include "subs/filter.hpp"

namespace cowin::subs {
namespace {

using api::capacities;
using api::civil_date;
using api::session_state;
using api::tristate;

constexpr civil_date today{2026, 11, 27};

session_state session() {
    session_state s;
    s.key = 1;
    s.center_id = 561234;
    s.cap = {10, 10, 0};
    s.date = today;
    s.pincode = 411027;
    s.min_age = 18;
    s.max_age = -1;
    s.vaccine_id = api::vaccine::covishield;
    s.fee = api::fee_kind::free;
    return s;
}

config::subscription wish() {
    config::subscription s;
    s.id = "t";
    s.district_id = 363;
    s.notify.log = true;
    return s;
}

struct row {
    const char* name;
    std::function<void(config::subscription&)> sub;
    std::function<void(session_state&)> ses;
    bool open;
    const char* reason;  ///< a phrase the explanation must contain when not open
};

class filter_rules : public ::testing::TestWithParam<row> {};

TEST_P(filter_rules, verdict_and_explanation_agree) {
    const row& r = GetParam();
    config::subscription s = wish();
    session_state ses = session();
    r.sub(s);
    r.ses(ses);
    const filter f = make_filter(s, 0);
    EXPECT_EQ(open(f, ses, today, s.center_ids), r.open) << r.name;
    const auto why = why_not(s, ses, today);
    EXPECT_EQ(why.empty(), r.open) << r.name << ": " << (why.empty() ? "" : why.front());
    if (!r.open) {
        std::string all;
        for (const auto& w : why) all += w + "; ";
        EXPECT_NE(all.find(r.reason), std::string::npos) << r.name << ": " << all;
    }
}

auto none = [](auto&) {};

INSTANTIATE_TEST_SUITE_P(
    rules, filter_rules,
    ::testing::Values(
        row{"no filter: any session with capacity", none, none, true, ""},
        row{"min_age above the age", [](auto& s) { s.age = 30; }, [](auto& x) { x.min_age = 45; }, false,
            "min_age_limit 45 > age 30"},
        row{"min_age equal to the age", [](auto& s) { s.age = 45; }, [](auto& x) { x.min_age = 45; }, true, ""},
        row{"max_age absent: every age from min", [](auto& s) { s.age = 80; }, none, true, ""},
        row{"max_age present and below the age (18-44 slot, 45+ user)", [](auto& s) { s.age = 50; },
            [](auto& x) { x.max_age = 44; }, false, "max_age_limit 44 < age 50"},
        row{"max_age present and equal to the age", [](auto& s) { s.age = 44; }, [](auto& x) { x.max_age = 44; }, true, ""},
        row{"allow_all_age overrides max_age", [](auto& s) { s.age = 60; },
            [](auto& x) {
                x.max_age = 44;
                x.allow_all_age = tristate::yes;
            },
            true, ""},
        row{"allow_all_age still needs min_age", [](auto& s) { s.age = 15; },
            [](auto& x) { x.allow_all_age = tristate::yes; }, false, "min_age_limit 18 > age 15"},
        row{"allow_all_age false keeps max_age", [](auto& s) { s.age = 60; },
            [](auto& x) {
                x.max_age = 44;
                x.allow_all_age = tristate::no;
            },
            false, "max_age_limit 44 < age 60"},
        row{"dose 1 watches dose1", [](auto& s) { s.dose = 1; }, [](auto& x) { x.cap = {5, 5, 0}; }, true, ""},
        row{"dose 2 with no dose2 capacity", [](auto& s) { s.dose = 2; }, [](auto& x) { x.cap = {5, 5, 0}; }, false,
            "dose2 capacity 0 < min_capacity 1"},
        row{"dose 1 with total but no dose1 capacity", [](auto& s) { s.dose = 1; }, [](auto& x) { x.cap = {7, 0, 7}; },
            false, "dose1 capacity 0 < min_capacity 1"},
        row{"pre-split data: dose filter falls back to the total", [](auto& s) { s.dose = 1; },
            [](auto& x) { x.cap = {4, capacities::unknown, capacities::unknown}; }, true, ""},
        row{"pre-split data with no total", [](auto& s) { s.dose = 2; },
            [](auto& x) { x.cap = {0, capacities::unknown, capacities::unknown}; }, false, "(not served; total used)"},
        row{"no dose: the total", none, [](auto& x) { x.cap = {3, 0, 0}; }, true, ""},
        row{"vaccine listed", [](auto& s) { s.vaccines = {"COVISHIELD"}; }, none, true, ""},
        row{"vaccine not listed", [](auto& s) { s.vaccines = {"COVISHIELD"}; },
            [](auto& x) { x.vaccine_id = api::vaccine::covaxin; }, false, "vaccine COVAXIN not in [COVISHIELD]"},
        row{"vaccine names case-insensitive", [](auto& s) { s.vaccines = {"sputnik v"}; },
            [](auto& x) { x.vaccine_id = api::vaccine::sputnik_v; }, true, ""},
        row{"several vaccines", [](auto& s) { s.vaccines = {"COVAXIN", "CORBEVAX"}; },
            [](auto& x) { x.vaccine_id = api::vaccine::corbevax; }, true, ""},
        row{"a session without a vaccine name matches only any", [](auto& s) { s.vaccines = {"COVISHIELD"}; },
            [](auto& x) { x.vaccine_id = api::vaccine::unknown; }, false, "not in [COVISHIELD]"},
        row{"fee free wanted, paid session", [](auto& s) { s.fee_type = config::fee_filter::free; },
            [](auto& x) { x.fee = api::fee_kind::paid; }, false, "fee_type Paid is not free"},
        row{"fee paid wanted, paid session", [](auto& s) { s.fee_type = config::fee_filter::paid; },
            [](auto& x) { x.fee = api::fee_kind::paid; }, true, ""},
        row{"fee any", none, [](auto& x) { x.fee = api::fee_kind::paid; }, true, ""},
        row{"min_capacity reached", [](auto& s) { s.min_capacity = 10; }, none, true, ""},
        row{"min_capacity on the watched dose", [](auto& s) {
                s.min_capacity = 2;
                s.dose = 1;
            },
            [](auto& x) { x.cap = {9, 1, 8}; }, false, "dose1 capacity 1 < min_capacity 2"},
        row{"days: within the window", [](auto& s) { s.days = 2; }, [](auto& x) { x.date = {2026, 11, 28}; }, true, ""},
        row{"days: beyond the window", [](auto& s) { s.days = 2; }, [](auto& x) { x.date = {2026, 11, 29}; }, false,
            "beyond days 2"},
        row{"yesterday's session (the CDN's stale copy after midnight)", none, [](auto& x) { x.date = {2026, 11, 26}; },
            false, "is before today"},
        row{"centre allowed", [](auto& s) { s.center_ids = {1, 561234}; }, none, true, ""},
        row{"centre not allowed", [](auto& s) { s.center_ids = {1, 2}; }, none, false, "center_id 561234 not in center_ids"},
        row{"negative capacity reads as none", none, [](auto& x) { x.cap = {-3, 0, 0}; }, false,
            "available_capacity 0 < min_capacity 1"}),
    [](const ::testing::TestParamInfo<row>& p) { return "rule_" + std::to_string(p.index); });

TEST(filter, inactive_subscription_is_never_open) {
    filter f = make_filter(wish(), 0);
    f.active = false;
    EXPECT_FALSE(open(f, session(), today, {}));
}

TEST(filter, stays_sixteen_bytes) { EXPECT_EQ(sizeof(filter), 16u); }

}  // namespace
}  // namespace cowin::subs
