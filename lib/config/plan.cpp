#include "config/plan.hpp"

#include <algorithm>
#include <map>

#include "config/duration.hpp"

namespace cowin::config {

poll_plan make_plan(const config& c) {
    std::map<std::int64_t, int> districts;
    std::map<std::string, int> pincodes;
    for (auto d : c.poll.districts) districts.try_emplace(d, 0);
    for (const auto& s : c.subscriptions) {
        if (s.district_id) ++districts[*s.district_id];
        if (s.pincode) ++pincodes[*s.pincode];
    }
    poll_plan p;
    for (auto [id, n] : districts) p.targets.push_back({poll_target::kind::district, id, {}, n});
    for (const auto& [pin, n] : pincodes) p.targets.push_back({poll_target::kind::pincode, 0, pin, n});
    p.calls_per_cycle = static_cast<int>(p.targets.size()) * c.cowin.weeks_ahead;
    p.call_spacing = c.cowin.rate_limit.period / c.cowin.rate_limit.calls;
    p.target_interval = std::max(c.poll.min_interval, p.call_spacing * p.calls_per_cycle);
    return p;
}

std::string describe(const poll_plan& p, const config& c) {
    auto plural = [](int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
    std::string out;
    out += "would poll " + plural(static_cast<int>(p.targets.size()), "target") + " at " + c.cowin.base_url +
           ", within " + std::to_string(c.cowin.rate_limit.calls) + " calls per " +
           format_duration(c.cowin.rate_limit.period) + " (one call every " + format_duration(p.call_spacing) + ")\n";
    for (const auto& t : p.targets) {
        out += "  ";
        out += t.type == poll_target::kind::district ? "district " + std::to_string(t.district_id)
                                                      : "pincode " + t.pincode;
        out += " (" + plural(t.subscribers, "subscription") + ", " + plural(c.cowin.weeks_ahead, "call") + ")\n";
    }
    if (p.targets.empty()) {
        out += "  nothing yet: add poll.districts or subscriptions (here or through the admin API)\n";
    } else {
        out += "each target every " + format_duration(p.target_interval) + " (poll.min_interval " +
               format_duration(c.poll.min_interval) + "; the budget alone allows " +
               format_duration(p.call_spacing * p.calls_per_cycle) + ")\n";
    }
    return out;
}

}  // namespace cowin::config
