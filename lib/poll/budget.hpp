#pragma once
// CoWIN's rate budget for one egress IP: at most `calls` per any window of `period`, spent evenly
// (period / calls apart) rather than in bursts, and nothing at all while blocked. Pure: the caller
// passes the time; the call history can be saved and restored so a restart cannot overspend.

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

namespace cowin::poll {

using clock = std::chrono::system_clock;

class budget {
public:
    budget(int calls, std::chrono::milliseconds period);

    /// The earliest time a call may be made.
    clock::time_point next_allowed() const;
    bool may_call(clock::time_point now) const { return now >= next_allowed(); }
    /// Records a call made at `now` (callers check may_call first).
    void spend(clock::time_point now);
    /// No call before `until` (a 403/429 from CoWIN).
    void block_until(clock::time_point until);
    clock::time_point blocked_until() const { return blocked_until_; }

    /// Calls in the window ending at `now`.
    int used(clock::time_point now) const;
    int calls() const { return calls_; }
    /// The period with its safety margin (1%).
    std::chrono::milliseconds period() const { return period_; }
    std::chrono::milliseconds spacing() const { return spacing_; }

    /// The call times to persist (milliseconds since the epoch), oldest first.
    std::vector<std::int64_t> history() const;
    /// Restores persisted call times (from before a restart); ones outside the window are dropped.
    void restore(const std::vector<std::int64_t>& ms_since_epoch, clock::time_point now);
    /// New limits (a reload); the history is kept.
    void reconfigure(int calls, std::chrono::milliseconds period);

private:
    void trim(clock::time_point now);

    int calls_;
    std::chrono::milliseconds period_;
    std::chrono::milliseconds spacing_;
    std::deque<clock::time_point> window_;
    clock::time_point blocked_until_{};
};

}  // namespace cowin::poll
