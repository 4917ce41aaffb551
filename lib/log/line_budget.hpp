#pragma once
// At most so many lines of one kind per window; the rest are counted and told in one line when the
// window ends. journald drops a service's lines past its own limit (10,000 per 30 s by default),
// warnings included: a big opening's one-line-per-delivery must not take that room from them.
#include <chrono>
#include <cstdint>

namespace cowin::log {

class line_budget {
public:
    using clock = std::chrono::steady_clock;

    line_budget(std::uint64_t limit, clock::duration window) : limit_(limit), window_(window) {}

    /// True when a line may be written now; false when it is held back (and counted).
    bool take(clock::time_point now) {
        roll(now);
        if (used_ < limit_) {
            ++used_;
            return true;
        }
        ++held_;
        return false;
    }
    /// Lines held back in windows that have ended by `now`; each is reported once.
    std::uint64_t held_back(clock::time_point now) {
        roll(now);
        const auto n = ended_held_;
        ended_held_ = 0;
        return n;
    }
    /// When the window in which lines are being held back ends (to tell them then).
    clock::time_point window_end() const { return start_ + window_; }

private:
    void roll(clock::time_point now) {
        if (now - start_ < window_) return;
        ended_held_ += held_;
        held_ = used_ = 0;
        start_ = now;
    }
    std::uint64_t limit_;
    clock::duration window_;
    clock::time_point start_{};
    std::uint64_t used_ = 0, held_ = 0, ended_held_ = 0;
};

}  // namespace cowin::log
