// The subscription index: a poll's transitions -> the subscriptions each session opened for. Checked
// rule by rule and against a brute-force scan of every subscription on random polls.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "cowin/differ.hpp"
#include "subs/index.hpp"

namespace cowin::subs {
namespace {

using api::session_state;
constexpr api::civil_date today{2026, 11, 27};

session_state ses(std::uint64_t key, int cap, std::int32_t pincode = 411001, std::int16_t min_age = 18) {
    session_state s;
    s.key = key;
    s.center_id = static_cast<std::int64_t>(key % 7 + 1);
    s.cap = {cap, cap, 0};
    s.date = today;
    s.pincode = pincode;
    s.min_age = min_age;
    s.vaccine_id = api::vaccine::covishield;
    s.fee = api::fee_kind::free;
    return s;
}

config::subscription district_sub(std::string id, std::int64_t district, int min_capacity = 1) {
    config::subscription s;
    s.id = std::move(id);
    s.district_id = district;
    s.min_capacity = min_capacity;
    s.notify.log = true;
    return s;
}

config::subscription pincode_sub(std::string id, std::string pin) {
    config::subscription s;
    s.id = std::move(id);
    s.pincode = std::move(pin);
    s.notify.log = true;
    return s;
}

// Polls district/pincode `id` going from `before` to `after`; returns the ids matched, "id@sessionkey".
std::set<std::string> poll(const index& idx, std::vector<session_state> before, std::vector<session_state> after,
                           bool by_pincode = false, std::int64_t id = 363, std::set<std::int64_t> covered = {}) {
    api::snapshot b{1, std::move(before), {}}, a{2, std::move(after), {}};
    std::vector<api::transition> ts;
    api::diff_scratch scratch;
    api::diff(b, a, ts, scratch);
    poll_result p;
    p.type = by_pincode ? poll_result::kind::pincode : poll_result::kind::district;
    p.id = id;
    p.before = &b;
    p.after = &a;
    p.transitions = ts;
    p.today = today;
    p.covered = [covered](std::int64_t pin) { return covered.count(pin) != 0; };
    std::vector<match> out;
    idx.match_poll(p, out);
    std::set<std::string> ids;
    for (const auto& m : out) ids.insert(std::string(idx.id_of(m.slot)) + "@" + std::to_string(a.sessions[m.session].key));
    return ids;
}

using set = std::set<std::string>;

TEST(index, a_session_appearing_with_capacity_opens_for_its_district) {
    index idx;
    idx.upsert(district_sub("pune", 363));
    idx.upsert(district_sub("mumbai", 395));
    EXPECT_EQ(poll(idx, {}, {ses(1, 5), ses(2, 0)}), (set{"pune@1"}));
}

TEST(index, unchanged_capacity_alerts_nobody_again) {
    index idx;
    idx.upsert(district_sub("pune", 363));
    EXPECT_EQ(poll(idx, {ses(1, 5)}, {ses(1, 5)}), set{});
    EXPECT_EQ(poll(idx, {ses(1, 5)}, {ses(1, 9)}), set{});  // more seats, but it was open already
    EXPECT_EQ(poll(idx, {ses(1, 5)}, {ses(1, 2)}), set{});
}

TEST(index, a_session_that_closes_and_reopens_alerts_again) {
    index idx;
    idx.upsert(district_sub("pune", 363));
    EXPECT_EQ(poll(idx, {ses(1, 5)}, {ses(1, 0)}), set{});
    EXPECT_EQ(poll(idx, {ses(1, 0)}, {ses(1, 3)}), (set{"pune@1"}));
}

TEST(index, crossing_min_capacity_opens_only_for_those_it_crosses) {
    index idx;
    idx.upsert(district_sub("one", 363, 1));
    idx.upsert(district_sub("five", 363, 5));
    idx.upsert(district_sub("ten", 363, 10));
    EXPECT_EQ(poll(idx, {ses(1, 3)}, {ses(1, 6)}), (set{"five@1"}));
    EXPECT_EQ(poll(idx, {ses(1, 0)}, {ses(1, 10)}), (set{"one@1", "five@1", "ten@1"}));
}

TEST(index, disappearing_sessions_alert_nobody) {
    index idx;
    idx.upsert(district_sub("pune", 363));
    EXPECT_EQ(poll(idx, {ses(1, 5)}, {}), set{});
}

TEST(index, an_attribute_change_that_opens_a_session_alerts) {
    index idx;
    auto s = district_sub("thirty", 363);
    s.age = 30;
    idx.upsert(s);
    EXPECT_EQ(poll(idx, {ses(1, 5, 411001, 45)}, {ses(1, 5, 411001, 18)}), (set{"thirty@1"}));
    EXPECT_EQ(poll(idx, {ses(1, 5, 411001, 18)}, {ses(1, 5, 411001, 45)}), set{});
}

TEST(index, pincode_subscribers_are_served_by_the_district_poll_only_when_covered) {
    index idx;
    idx.upsert(pincode_sub("pin", "411001"));
    idx.upsert(pincode_sub("other-pin", "411002"));
    // Covered: the district's poll serves it; its own poll must not alert it a second time.
    EXPECT_EQ(poll(idx, {}, {ses(1, 5, 411001), ses(2, 5, 411009)}, false, 363, {411001}), (set{"pin@1"}));
    EXPECT_EQ(poll(idx, {}, {ses(1, 5, 411001)}, true, 411001, {411001}), set{});
    // Not covered: its own poll serves it, the district's does not.
    EXPECT_EQ(poll(idx, {}, {ses(1, 5, 411001)}, false, 363, {}), set{});
    EXPECT_EQ(poll(idx, {}, {ses(1, 5, 411001)}, true, 411001, {}), (set{"pin@1"}));
}

TEST(index, removed_and_inactive_subscriptions_are_not_matched) {
    index idx;
    idx.upsert(district_sub("a", 363));
    const auto b = idx.upsert(district_sub("b", 363));
    idx.upsert(district_sub("c", 363));
    EXPECT_TRUE(idx.remove("a"));
    EXPECT_FALSE(idx.remove("a"));
    idx.set_active(b, false);
    EXPECT_EQ(poll(idx, {}, {ses(1, 5)}), (set{"c@1"}));
    EXPECT_EQ(idx.size(), 2u);
}

TEST(index, upsert_replaces_a_subscription_with_the_same_id) {
    index idx;
    idx.upsert(district_sub("a", 363));
    idx.upsert(district_sub("a", 395));
    EXPECT_EQ(idx.size(), 1u);
    EXPECT_EQ(poll(idx, {}, {ses(1, 5)}), set{});
    EXPECT_EQ(poll(idx, {}, {ses(1, 5)}, false, 395), (set{"a@1"}));
}

TEST(index, open_sessions_of_a_pincode_subscription_skip_other_pincodes) {
    index idx;
    const auto slot = idx.upsert(pincode_sub("pin", "411001"));
    api::snapshot snap{1, {ses(1, 5, 411001), ses(2, 5, 411002), ses(3, 0, 411001)}, {}};
    std::vector<std::uint32_t> open;
    idx.open_sessions(slot, snap, today, open);
    EXPECT_EQ(open, (std::vector<std::uint32_t>{0}));
}

TEST(index, ids_survive_many_inserts_and_removals) {
    index idx;
    for (int i = 0; i < 5000; ++i) idx.upsert(district_sub("s" + std::to_string(i), 1 + i % 50));
    for (int i = 0; i < 5000; i += 2) ASSERT_TRUE(idx.remove("s" + std::to_string(i)));
    for (int i = 0; i < 5000; ++i) {
        auto slot = idx.find("s" + std::to_string(i));
        ASSERT_EQ(slot.has_value(), i % 2 == 1) << i;
        if (slot) {
            EXPECT_EQ(idx.id_of(*slot), "s" + std::to_string(i));
        }
    }
    EXPECT_EQ(idx.size(), 2500u);
    auto counts = idx.district_counts();
    ASSERT_EQ(counts.size(), 25u);  // only odd districts are left: i odd -> 1 + i % 50 even
    EXPECT_EQ(counts.front(), (std::pair<std::int64_t, int>{2, 100}));
}

TEST(index, lists_in_pages_and_by_district) {
    index idx;
    for (int i = 0; i < 25; ++i) idx.upsert(district_sub("s" + std::to_string(i), i < 15 ? 363 : 395));
    std::uint32_t next = 0;
    std::vector<std::string> seen;
    std::uint32_t cursor = 0;
    int pages = 0;
    do {
        for (auto s : idx.list(std::nullopt, std::nullopt, cursor, 10, next)) seen.emplace_back(idx.id_of(s));
        cursor = next;
        ++pages;
    } while (next != 0);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen.size(), 25u);
    EXPECT_EQ(idx.list(395, std::nullopt, 0, 100, next).size(), 10u);
    EXPECT_EQ(idx.list(std::nullopt, 411001, 0, 100, next).size(), 0u);
}

TEST(index_entry, round_trips_and_refuses_foreign_bytes) {
    auto s = pincode_sub("p1", "411001");
    s.age = 45;
    s.dose = 2;
    s.vaccines = {"COVAXIN", "SPUTNIK V"};
    s.fee_type = config::fee_filter::paid;
    s.min_capacity = 7;
    s.days = 3;
    s.center_ids = {11, 22};
    s.notify.telegram = config::telegram_target{5};
    const index_entry e = entry_of(s, false, origin::config);
    const std::string bytes = encode(e);
    EXPECT_EQ(bytes.size(), 24u + 16u);
    auto back = decode_entry("p1", bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(encode(*back), bytes);
    EXPECT_EQ(back->from, origin::config);
    EXPECT_FALSE(back->f.active);
    EXPECT_TRUE(back->by_pincode);
    EXPECT_EQ(back->target, 411001);
    EXPECT_EQ(back->centers, (std::vector<std::int64_t>{11, 22}));
    // The decoded entry matches what the subscription itself matches.
    index a, b;
    a.upsert(s, true);
    auto active = *back;
    active.f.active = true;
    b.upsert(active);
    auto session = ses(1, 9, 411001, 45);
    session.cap = {9, 0, 9};
    session.vaccine_id = api::vaccine::covaxin;
    session.fee = api::fee_kind::paid;
    session.center_id = 22;
    EXPECT_EQ(poll(a, {}, {session}, true, 411001), (set{"p1@1"}));
    EXPECT_EQ(poll(b, {}, {session}, true, 411001), (set{"p1@1"}));

    EXPECT_FALSE(decode_entry("p1", "").has_value());
    EXPECT_FALSE(decode_entry("p1", bytes.substr(0, 30)).has_value());  // centres cut short
    EXPECT_FALSE(decode_entry("", bytes).has_value());
    std::string wrong_version = bytes;
    wrong_version[0] = 9;
    EXPECT_FALSE(decode_entry("p1", wrong_version).has_value());
    std::string bad_dose = bytes;
    bad_dose[10] = 3;
    EXPECT_FALSE(decode_entry("p1", bad_dose).has_value());
}

// The index must find exactly what checking every subscription would find.
TEST(index, agrees_with_a_brute_force_scan_on_random_polls) {
    std::mt19937 rng(20261127);
    index idx;
    std::vector<config::subscription> all;
    const char* vaccines[] = {"COVISHIELD", "COVAXIN", "SPUTNIK V"};
    for (int i = 0; i < 600; ++i) {
        config::subscription s = rng() % 4 == 0 ? pincode_sub("p" + std::to_string(i), std::to_string(411001 + rng() % 3))
                                                : district_sub("d" + std::to_string(i), 363);
        if (rng() % 2) s.age = static_cast<int>(rng() % 70);
        if (rng() % 2) s.dose = static_cast<int>(1 + rng() % 2);
        if (rng() % 3 == 0) s.vaccines = {vaccines[rng() % 3]};
        if (rng() % 3 == 0) s.fee_type = rng() % 2 ? config::fee_filter::free : config::fee_filter::paid;
        s.min_capacity = static_cast<int>(1 + rng() % 8);
        if (rng() % 4 == 0) s.days = static_cast<int>(1 + rng() % 5);
        if (rng() % 10 == 0) s.center_ids = {static_cast<std::int64_t>(1 + rng() % 7)};
        idx.upsert(s);
        all.push_back(s);
    }
    auto random_session = [&](std::uint64_t key) {
        session_state s = ses(key, static_cast<int>(rng() % 12), static_cast<std::int32_t>(411001 + rng() % 3),
                              static_cast<std::int16_t>(rng() % 3 == 0 ? 45 : 18));
        s.cap = {static_cast<std::int32_t>(rng() % 12), static_cast<std::int32_t>(rng() % 12),
                 rng() % 5 == 0 ? api::capacities::unknown : static_cast<std::int32_t>(rng() % 12)};
        if (rng() % 3 == 0) s.max_age = 44;
        if (rng() % 5 == 0) s.allow_all_age = api::tristate::yes;
        s.vaccine_id = static_cast<api::vaccine>(1 + rng() % 3);
        s.fee = rng() % 2 ? api::fee_kind::free : api::fee_kind::paid;
        s.date = api::from_days_since_epoch(api::days_since_epoch(today) + static_cast<std::int32_t>(rng() % 7) - 1);
        return s;
    };
    const std::set<std::int64_t> covered{411001, 411002};
    for (int round = 0; round < 40; ++round) {
        std::vector<session_state> before, after;
        for (std::uint64_t k = 1; k <= 60; ++k) {
            if (rng() % 6 != 0) before.push_back(random_session(k));
            if (rng() % 6 != 0) {
                session_state s = random_session(k);
                // Mostly the same session with other capacities, as between real polls.
                auto it = std::find_if(before.begin(), before.end(), [&](const session_state& b) { return b.key == k; });
                if (it != before.end() && rng() % 4 != 0) {
                    const auto cap = s.cap;
                    s = *it;
                    s.cap = cap;
                }
                after.push_back(s);
            }
        }
        const set got = poll(idx, before, after, false, 363, covered);
        set want;
        for (const auto& s : all) {
            const bool mine = s.district_id || covered.count(std::stoll(*s.pincode)) != 0;
            if (!mine) continue;
            const filter f = make_filter(s, 0);
            for (const auto& a : after) {
                if (s.pincode && a.pincode != std::stoll(*s.pincode)) continue;
                auto b = std::find_if(before.begin(), before.end(), [&](const session_state& x) { return x.key == a.key; });
                const bool was_open = b != before.end() && open(f, *b, today, s.center_ids);
                if (open(f, a, today, s.center_ids) && !was_open) want.insert(s.id + "@" + std::to_string(a.key));
            }
        }
        ASSERT_EQ(got, want) << "round " << round;
    }
}

}  // namespace
}  // namespace cowin::subs
