#include "delivery/handoff.hpp"

#include <algorithm>

namespace cowin::delivery {

void hand_off(poll::poller& from, worker& to) {
    from.claim = {consumer_group, to.consumer(), worker::batch_size};
    from.before_commit = [&to](const std::vector<subs::alert_draft>& drafts) {
        // The claim takes the commit's first alerts, which are those of its first drafts.
        std::vector<std::string> ids;
        const std::size_t n = std::min<std::size_t>(drafts.size(), worker::batch_size);
        ids.reserve(n);
        for (std::size_t i = 0; i < n; ++i) ids.push_back(drafts[i].subscription_id);
        to.prefetch(std::move(ids));
    };
    from.on_claimed = [&to](std::vector<taken>&& claimed) { to.deliver_claimed(std::move(claimed)); };
}

}  // namespace cowin::delivery
