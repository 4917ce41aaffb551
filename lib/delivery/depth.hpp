#pragma once
// What waits in the outbox: read by the worker every second for the metrics and the status.

#include <cstdint>

namespace cowin::delivery {

struct outbox_depth {
    std::int64_t waiting = 0;  ///< alerts new, taken and scheduled for retry
    std::int64_t dead = 0;     ///< alerts dead-lettered
    /// How long the oldest alert due for delivery (new, or taken and not settled) has waited in the
    /// outbox, by the outbox's own clock; 0 when none waits. A retry waits from when it fell due:
    /// until then it waits by design. A worker that is stuck, or too slow for what comes in, shows
    /// here first.
    std::int64_t oldest_pending_ms = 0;
};

}  // namespace cowin::delivery
