#include <gtest/gtest.h>

#include "config/duration.hpp"

namespace cowin::config {
namespace {
using namespace std::chrono_literals;

TEST(duration, parses_each_unit_and_compounds) {
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("5m"), 5min);
    EXPECT_EQ(parse_duration("2h"), 2h);
    EXPECT_EQ(parse_duration("1d"), 24h);
    EXPECT_EQ(parse_duration("1h30m"), 90min);
    EXPECT_EQ(parse_duration("0s"), 0ms);
}

TEST(duration, refuses_what_is_not_a_duration) {
    for (const char* bad : {"", "30", "s", "-5s", "1.5s", "5 m", "5min", "5M", "10 parsecs", "1s2", "99999999999999d"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

TEST(duration, formats_to_what_it_parses) {
    EXPECT_EQ(format_duration(300000ms), "5m");
    EXPECT_EQ(format_duration(1500ms), "1s500ms");
    EXPECT_EQ(format_duration(0ms), "0s");
    for (std::chrono::milliseconds d : {1ms, 999ms, 1000ms * 61, 3600000ms * 25, 60000ms * 90}) EXPECT_EQ(parse_duration(format_duration(d)), d);
}

}  // namespace
}  // namespace cowin::config
