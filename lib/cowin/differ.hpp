#pragma once
// previous snapshot x new snapshot -> what changed, per session. Raw before/after only: whether a
// change "opens" a session for someone is the matcher's business.

#include <cstdint>
#include <utility>
#include <vector>

#include "cowin/snapshot.hpp"

namespace cowin::api {

struct transition {
    static constexpr std::uint32_t none = UINT32_MAX;
    enum class kind : std::uint8_t { appeared, disappeared, changed };
    enum change : std::uint8_t {
        total = 1,       ///< available_capacity
        dose1 = 2,       ///< available_capacity_dose1 (including unknown -> known)
        dose2 = 4,       ///< available_capacity_dose2
        attributes = 8,  ///< age limits, vaccine, fee, date, centre
    };

    kind what = kind::changed;
    /// Bits of `change`; all set for appeared and disappeared.
    std::uint8_t changed = 0;
    /// Index in the previous snapshot, or none.
    std::uint32_t before = none;
    /// Index in the new snapshot, or none.
    std::uint32_t after = none;
};

/// Reusable memory for diff(), so that a poll allocates nothing once warm.
class diff_scratch {
public:
    void index(const std::vector<session_state>& sessions, std::size_t from);
    /// Index of `key` among the indexed sessions, or transition::none.
    std::uint32_t find(std::uint64_t key) const;
    std::vector<bool> matched;

private:
    std::vector<std::pair<std::uint64_t, std::uint32_t>> slots_;
    std::uint64_t mask_ = 0;
};

/// Appends to `out` one transition per session that appeared, disappeared or changed.
void diff(const snapshot& before, const snapshot& after, std::vector<transition>& out, diff_scratch& scratch);

}  // namespace cowin::api
