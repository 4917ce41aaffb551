#include "poll/budget.hpp"

#include <algorithm>

namespace cowin::poll {

budget::budget(int calls, std::chrono::milliseconds period) { reconfigure(calls, period); }

void budget::reconfigure(int calls, std::chrono::milliseconds period) {
    calls_ = std::max(1, calls);
    // CoWIN counts calls by when they arrive, and arrival jitters: spent at exactly the limit, call k
    // and call k + calls would land less than a period apart half the time. A 1% margin absorbs 3 s
    // of jitter over CoWIN's 5 minutes for 1% of freshness.
    period_ = period + period / 100;
    spacing_ = std::chrono::milliseconds((period_.count() + calls_ - 1) / calls_);
}

clock::time_point budget::next_allowed() const {
    clock::time_point t = blocked_until_;
    if (!window_.empty()) {
        t = std::max(t, window_.back() + spacing_);
        if (static_cast<int>(window_.size()) >= calls_) {
            t = std::max(t, window_[window_.size() - static_cast<std::size_t>(calls_)] + period_);
        }
    }
    return t;
}

void budget::spend(clock::time_point now) {
    window_.push_back(now);
    trim(now);
}

void budget::trim(clock::time_point now) {
    while (!window_.empty() && (window_.front() + period_ <= now || static_cast<int>(window_.size()) > calls_)) {
        window_.pop_front();
    }
}

void budget::block_until(clock::time_point until) { blocked_until_ = std::max(blocked_until_, until); }

int budget::used(clock::time_point now) const {
    return static_cast<int>(std::count_if(window_.begin(), window_.end(), [&](auto t) { return t + period_ > now; }));
}

std::vector<std::int64_t> budget::history() const {
    std::vector<std::int64_t> out;
    for (auto t : window_) {
        out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    }
    return out;
}

void budget::restore(const std::vector<std::int64_t>& ms, clock::time_point now) {
    std::vector<clock::time_point> times;
    for (auto v : ms) times.push_back(clock::time_point(std::chrono::milliseconds(v)));
    for (auto t : window_) times.push_back(t);
    std::sort(times.begin(), times.end());
    window_.assign(times.begin(), times.end());
    trim(now);
}

}  // namespace cowin::poll
