#pragma once
// What a config asks the poller to do, worked out before any I/O: the targets, the calls per cycle and
// how fresh the budget lets each target be. Printed by --check-config and logged at start.

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace cowin::config {

struct poll_target {
    enum class kind { district, pincode };
    kind type;
    std::int64_t district_id = 0;
    std::string pincode;
    int subscribers = 0;
};

struct poll_plan {
    std::vector<poll_target> targets;
    /// targets x weeks_ahead.
    int calls_per_cycle = 0;
    /// The gap the budget imposes between two calls (period / calls).
    duration call_spacing{};
    /// How often each target can be polled: max(min_interval, calls_per_cycle x call_spacing).
    duration target_interval{};
};

/// Targets are the districts of poll.districts and of subscriptions, then every pincode subscription
/// (until the poller learns that its centres lie in polled districts).
poll_plan make_plan(const config& c);

/// A few human lines: what would be polled and how often.
std::string describe(const poll_plan& p, const config& c);

}  // namespace cowin::config
