// /metrics text: well formed per the 0.0.4 exposition format, with HELP and TYPE for every family.
#include <gtest/gtest.h>

#include "metrics/registry.hpp"
#include "support/prometheus.hpp"

namespace cowin::metrics {
namespace {

TEST(metrics, the_full_set_renders_as_valid_exposition_text) {
    registry r;
    describe_all(r);
    r.add("cowin_calls_total", labels({{"endpoint", "calendarByDistrict"}, {"status", "200"}}), 3);
    r.set("poll_age_seconds", labels({{"target", "district:363:0"}}), 12.5);
    r.observe("delivery_latency_seconds", labels({{"channel", "webhook"}}), 0.004);
    r.observe("delivery_latency_seconds", labels({{"channel", "webhook"}}), 0.7);
    r.observe("delivery_latency_seconds", labels({{"channel", "webhook"}}), 1000);
    const auto text = r.render();
    const auto parsed = test::parse_prometheus(text);
    for (const auto& p : parsed.problems) ADD_FAILURE() << p;
    EXPECT_EQ(parsed.samples.at(R"(cowin_notifier_cowin_calls_total{endpoint="calendarByDistrict",status="200"})"), 3);
    EXPECT_EQ(parsed.samples.at(R"(cowin_notifier_poll_age_seconds{target="district:363:0"})"), 12.5);
    EXPECT_EQ(parsed.samples.at(R"(cowin_notifier_delivery_latency_seconds_bucket{channel="webhook",le="0.005"})"), 1);
    EXPECT_EQ(parsed.samples.at(R"(cowin_notifier_delivery_latency_seconds_bucket{channel="webhook",le="1"})"), 2);
    EXPECT_EQ(parsed.samples.at(R"(cowin_notifier_delivery_latency_seconds_bucket{channel="webhook",le="+Inf"})"), 3);
    EXPECT_EQ(parsed.samples.at(R"(cowin_notifier_delivery_latency_seconds_count{channel="webhook"})"), 3);
    EXPECT_EQ(parsed.types.at("cowin_notifier_delivery_latency_seconds"), "histogram");
    for (const char* name : {"cowin_notifier_build_info", "cowin_notifier_budget_used_calls", "cowin_notifier_matches_total",
                             "cowin_notifier_subscriptions", "cowin_notifier_alerts_dead_lettered_total",
                             "cowin_notifier_cowin_blocked_seconds_total", "cowin_notifier_transitions_total"}) {
        EXPECT_TRUE(parsed.types.count(name)) << name;
    }
}

TEST(metrics, label_values_are_escaped) {
    registry r;
    r.describe("x", "help", kind::gauge);
    r.set("x", labels({{"v", "a\"b\\c\nd"}}), 1);
    const auto parsed = test::parse_prometheus(r.render());
    for (const auto& p : parsed.problems) ADD_FAILURE() << p;
    EXPECT_EQ(parsed.samples.count(R"(cowin_notifier_x{v="a\"b\\c\nd"})"), 1u);
}

TEST(metrics, the_checker_catches_broken_text) {
    EXPECT_FALSE(test::parse_prometheus("cowin_notifier_x 1\n").problems.empty());
    EXPECT_FALSE(test::parse_prometheus("# HELP a b\n# TYPE a gauge\na{b=c} 1\n").problems.empty());
    EXPECT_FALSE(test::parse_prometheus("# HELP a b\n# TYPE a gauge\na one\n").problems.empty());
}

TEST(metrics, an_undescribed_metric_is_a_programming_error) {
    registry r;
    EXPECT_THROW(r.add("nope"), std::logic_error);
}

}  // namespace
}  // namespace cowin::metrics
