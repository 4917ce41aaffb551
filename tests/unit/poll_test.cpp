// The budget, the scheduler and the classification of CoWIN's answers, on a simulated clock.
#include <gtest/gtest.h>

#include <algorithm>

#include "cowin/classify.hpp"
#include "poll/budget.hpp"
#include "poll/scheduler.hpp"

namespace cowin::poll {
namespace {

using namespace std::chrono_literals;
const clock::time_point t0 = clock::time_point(std::chrono::hours(24 * 20000));

TEST(budget, spaces_calls_evenly) {
    budget b(100, 5min);
    EXPECT_EQ(b.spacing(), 3030ms);  // 3 s and a 1% margin for arrival jitter
    EXPECT_TRUE(b.may_call(t0));
    b.spend(t0);
    EXPECT_FALSE(b.may_call(t0 + 3029ms));
    EXPECT_TRUE(b.may_call(t0 + 3030ms));
}

TEST(budget, never_exceeds_the_limit_in_any_window) {
    budget b(30, 10s);
    std::vector<clock::time_point> calls;
    // A greedy caller that calls the moment it may, for 60 simulated seconds.
    for (clock::time_point now = t0; now < t0 + 60s; now += 1ms) {
        if (b.may_call(now)) {
            b.spend(now);
            calls.push_back(now);
        }
    }
    int worst = 0;
    for (auto start : calls) {
        worst = std::max(worst, static_cast<int>(std::count_if(calls.begin(), calls.end(),
                                                               [&](auto t) { return t >= start && t < start + 10s; })));
    }
    EXPECT_LE(worst, 30);
    EXPECT_GE(calls.size(), 175u);  // and it does spend the budget: 3 per second, less the margin
}

TEST(budget, history_survives_a_restart) {
    budget before(3, 1min);
    before.spend(t0);
    before.spend(t0 + 20s);
    before.spend(t0 + 40s);
    budget after(3, 1min);
    after.restore(before.history(), t0 + 41s);
    EXPECT_FALSE(after.may_call(t0 + 41s));
    EXPECT_EQ(after.next_allowed(), t0 + 60600ms);
    EXPECT_EQ(after.used(t0 + 41s), 3);
}

TEST(budget, nothing_while_blocked) {
    budget b(100, 5min);
    b.block_until(t0 + 5min);
    EXPECT_FALSE(b.may_call(t0 + 4min));
    EXPECT_TRUE(b.may_call(t0 + 5min));
}

target_key district(std::int64_t id) { return {target_key::kind::district, id, 0}; }

TEST(scheduler, polls_the_stalest_target_and_respects_min_interval) {
    scheduler s({30s, false, 1});
    s.set_targets({{district(1), 1}, {district(2), 1}});
    auto first = s.next(t0);
    ASSERT_TRUE(first);
    s.attempted(*first, t0);
    s.succeeded(*first, t0);
    auto second = s.next(t0 + 1s);
    ASSERT_TRUE(second);
    EXPECT_NE(*first, *second);
    s.attempted(*second, t0 + 1s);
    s.succeeded(*second, t0 + 1s);
    EXPECT_FALSE(s.next(t0 + 10s).has_value());  // both polled less than 30 s ago
    EXPECT_EQ(s.next_due(t0 + 10s), t0 + 30s);
    EXPECT_EQ(s.next(t0 + 31s), first);  // the older one goes first
}

TEST(scheduler, fair_over_a_simulated_hour) {
    // 40 targets, a budget of 30 calls per 10 s: each target about every 13.3 s.
    scheduler s({1s, false, 1});
    std::vector<std::pair<target_key, int>> targets;
    for (int i = 1; i <= 40; ++i) targets.push_back({district(i), 1});
    s.set_targets(targets);
    budget b(30, 10s);
    std::map<target_key, clock::time_point> last;
    std::chrono::milliseconds worst{0};
    for (auto now = t0; now < t0 + 1h;) {
        // Event-driven: jump to the moment the budget and the scheduler both allow a call.
        now = std::max(b.next_allowed(), s.next_due(now));
        auto k = s.next(now);
        ASSERT_TRUE(k);
        b.spend(now);
        s.attempted(*k, now);
        s.succeeded(*k, now);
        if (last.count(*k)) worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(now - last[*k]));
        last[*k] = now;
    }
    const auto ideal = std::chrono::milliseconds(40 * 10000 / 30);  // T x period / calls
    EXPECT_LE(worst.count(), ideal.count() * 11 / 10);
}

TEST(scheduler, weighting_by_subscribers_favours_the_crowded_target) {
    scheduler s({1s, true, 1});
    s.set_targets({{district(1), 1}, {district(2), 100}});
    for (auto k : {district(1), district(2)}) {
        s.attempted(k, t0);
        s.succeeded(k, t0);
    }
    EXPECT_EQ(s.next(t0 + 10s), district(2));
}

TEST(scheduler, failed_target_backs_off_while_others_go_on_and_parked_stays_parked) {
    scheduler s({1s, false, 1});
    s.set_targets({{district(1), 1}, {district(2), 1}, {district(3), 1}});
    s.failed(district(1), t0, 60s, "http 500");
    s.park(district(2), "APPOIN0017 Invalid District");
    EXPECT_EQ(s.next(t0 + 1s), district(3));
    s.attempted(district(3), t0 + 1s);
    EXPECT_FALSE(s.next(t0 + 1500ms).has_value());
    // Neither 1 nor 3 has data yet: the tie goes to the lower id, now that 1's backoff is over.
    EXPECT_EQ(s.next(t0 + 61s), district(1));
    EXPECT_EQ(s.find(district(2))->last_result, "APPOIN0017 Invalid District");
}

TEST(scheduler, target_set_changes_apply_at_once_and_keep_state) {
    scheduler s({30s, false, 2});
    s.set_targets({{district(1), 1}});
    EXPECT_EQ(s.targets().size(), 2u);  // two weeks
    s.attempted(district(1), t0);
    s.succeeded(district(1), t0);
    s.set_targets({{district(1), 2}, {district(5), 1}});
    EXPECT_EQ(s.targets().size(), 4u);
    EXPECT_EQ(s.find(district(1))->last_success, t0);
    EXPECT_EQ(s.find(district(1))->subscribers, 2);
    s.set_targets({{district(5), 1}});
    EXPECT_EQ(s.find(district(1)), nullptr);
}

TEST(backoff, doubles_with_jitter_up_to_five_minutes) {
    EXPECT_EQ(failure_backoff(1, 0.5), 5s);
    EXPECT_EQ(failure_backoff(2, 0.5), 10s);
    EXPECT_EQ(failure_backoff(30, 0.5), 300s);
    EXPECT_EQ(failure_backoff(1, 0.0), 3750ms);
    EXPECT_LT(failure_backoff(1, 0.999), 6250ms);
}

TEST(classify, every_kind_of_answer) {
    using api::answer_class;
    using api::classify;
    EXPECT_EQ(classify(200, "{}", "").what, answer_class::kind::ok);
    auto bad = classify(400, R"({"errorCode":"APPOIN0018","error":"Invalid Pincode"})", "");
    EXPECT_EQ(bad.what, answer_class::kind::misconfigured);
    EXPECT_EQ(bad.reason, "APPOIN0018 Invalid Pincode");
    EXPECT_EQ(classify(400, "<html>Bad Request</html>", "").what, answer_class::kind::transient);
    EXPECT_EQ(classify(401, R"({"message":"Unauthenticated access!"})", "").what, answer_class::kind::transient);
    auto cf = classify(403, "<HTML>403 ERROR ... Generated by cloudfront (CloudFront)</HTML>", "");
    EXPECT_EQ(cf.what, answer_class::kind::blocked);
    EXPECT_NE(cf.reason.find("User-Agent"), std::string::npos);
    EXPECT_EQ(classify(403, R"({"message": "Forbidden"})", "").what, answer_class::kind::blocked);
    auto limited = classify(429, R"({"error":"Too Many Requests"})", "120");
    EXPECT_EQ(limited.what, answer_class::kind::blocked);
    EXPECT_EQ(limited.retry_after, std::chrono::seconds(120));
    EXPECT_FALSE(classify(429, "", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after.has_value());
    EXPECT_EQ(classify(503, "", "").what, answer_class::kind::transient);
    EXPECT_EQ(classify(301, "", "").what, answer_class::kind::transient);
}

TEST(classify, a_block_names_its_likely_cause) {
    using api::block_context;
    using api::likely_block_cause;
    const auto cf = api::classify(403, "<HTML>Generated by cloudfront (CloudFront)</HTML>", "");
    const char* browser = "Mozilla/5.0 (X11; Linux x86_64)";
    struct row {
        block_context ctx;
        const char* expected;
    };
    const row rows[] = {
        {{5, 100, "python-requests/2.25", false}, "User-Agent \"python-requests/2.25\" is not a browser's"},
        {{95, 100, browser, true}, "the rate limit (95 of 100 calls used"},
        {{1, 100, browser, false}, "outside India"},
        {{10, 100, browser, true}, "spent by another program on this IP (10 of 100"},
    };
    for (const auto& r : rows) {
        const auto got = likely_block_cause(cf, r.ctx);
        EXPECT_NE(got.find(r.expected), std::string::npos) << got;
    }
    const auto limited = api::classify(429, "", "60");
    EXPECT_NE(likely_block_cause(limited, {1, 100, browser, false}).find("the rate limit (CoWIN said so)"), std::string::npos);
}

}  // namespace
}  // namespace cowin::poll

#include "cowin/request.hpp"

namespace cowin::api {
namespace {

using namespace std::chrono_literals;

TEST(request, date_is_today_in_india_and_rolls_over_at_ist_midnight) {
    // 2026-11-27 18:29:59 UTC is 23:59:59 IST; a second later it is the 28th in India.
    const auto before = std::chrono::system_clock::time_point(std::chrono::seconds(1795804199));
    EXPECT_EQ(to_iso(india_date(before)), "2026-11-27");
    EXPECT_EQ(to_iso(india_date(before + 1s)), "2026-11-28");
}

TEST(request, calendar_urls_and_headers) {
    poll::target_key d{poll::target_key::kind::district, 363, 0};
    poll::target_key p{poll::target_key::kind::pincode, 411027, 1};
    const civil_date today{2026, 11, 27};
    EXPECT_EQ(calendar_url("https://cdn-api.co-vin.in/api/", d, today),
              "https://cdn-api.co-vin.in/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363&date=27-11-2026");
    EXPECT_EQ(calendar_url("http://127.0.0.1:8700/api", p, today),
              "http://127.0.0.1:8700/api/v2/appointment/sessions/public/calendarByPin?pincode=411027&date=04-12-2026");
    config::cowin_settings c;
    auto h = request_headers(c);
    EXPECT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"User-Agent", c.user_agent}));
    c.api_key.value = "k";
    EXPECT_EQ(request_headers(c).back(), (std::pair<std::string, std::string>{"x-api-key", "k"}));
}

}  // namespace
}  // namespace cowin::api

namespace cowin::poll {
namespace {

using namespace std::chrono_literals;

TEST(pincode_coverage, a_pincode_is_covered_only_when_all_its_districts_are_polled) {
    std::map<std::int64_t, std::vector<std::string>> pins{{110085, {"North Delhi", "North West Delhi"}}, {411027, {"Pune"}},
                                                          {400001, {}}};
    std::map<std::string, std::int64_t> ids{{"North Delhi", 145}, {"North West Delhi", 146}, {"Pune", 363}};
    EXPECT_EQ(covered_pincodes(pins, ids, {363}), (std::vector<std::int64_t>{411027}));
    EXPECT_EQ(covered_pincodes(pins, ids, {145, 146, 363}), (std::vector<std::int64_t>{110085, 411027}));
    EXPECT_TRUE(covered_pincodes(pins, {}, {363}).empty());  // names never seen in a district calendar
}

TEST(pincode_coverage, a_covered_pincode_is_polled_only_hourly) {
    scheduler s({1s, false, 1});
    const target_key pin{target_key::kind::pincode, 411027, 0};
    s.set_targets({{pin, 1}});
    s.attempted(pin, t0);
    s.succeeded(pin, t0);
    s.set_covered(411027, true);
    EXPECT_FALSE(s.next(t0 + 10min).has_value());
    EXPECT_EQ(s.next(t0 + 1h), pin);
    s.set_covered(411027, false);
    EXPECT_EQ(s.next(t0 + 2s), pin);
}

}  // namespace
}  // namespace cowin::poll

namespace cowin::poll {
namespace {

TEST(pincode_coverage, the_learned_maps_round_trip_as_text) {
    std::map<std::int64_t, std::vector<std::string>> pins{{110085, {"North Delhi", "North West Delhi"}}, {400001, {}}};
    std::map<std::string, std::int64_t> ids{{"North Delhi", 145}, {"Pune", 363}};
    std::map<std::int64_t, std::vector<std::string>> pins2;
    std::map<std::string, std::int64_t> ids2;
    decode_locations(encode_locations(pins, ids), pins2, ids2);
    EXPECT_EQ(pins2, pins);
    EXPECT_EQ(ids2, ids);
    decode_locations("garbage\nP x\tA\nD 12\n\n", pins2, ids2);  // damaged lines are skipped
    EXPECT_EQ(ids2, ids);
}

}  // namespace
}  // namespace cowin::poll
