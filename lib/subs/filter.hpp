#pragma once
// One subscription's filter (DESIGN.md §2) in 16 bytes, and the rules that decide whether a session is
// open for it. The rules live here once: the matcher applies them to a poll's transitions, the
// explain endpoint turns each failed rule into words.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "cowin/snapshot.hpp"

namespace cowin::subs {

struct filter {
    static constexpr std::uint8_t any_age = 255;

    std::uint32_t slot = 0;          ///< the subscription's place in the registry
    std::uint32_t min_capacity = 1;
    std::uint16_t vaccines = 0;      ///< bit (1 << api::vaccine) per accepted vaccine; 0: any
    std::uint8_t age = any_age;
    config::fee_filter fee = config::fee_filter::any;
    std::uint8_t days = 0;           ///< 0: the whole calendar
    std::uint8_t dose = 0;           ///< 0: available_capacity; 1, 2: that dose's capacity
    bool has_centers = false;        ///< the centre allow-list is kept beside the registry
    bool active = true;
};
static_assert(sizeof(filter) == 16, "the matcher streams these; keep them compact");

filter make_filter(const config::subscription& s, std::uint32_t slot);

/// The capacity a dose filter watches. Dose capacities did not exist before 16 May 2021: only when
/// the dose field is absent (unknown) does a dose filter fall back to the total.
std::int32_t watched_capacity(std::uint8_t dose, const api::capacities& c);

/// Everything but capacity: age, vaccine, fee, date window, centre. `today` is India's date;
/// `centers` the allow-list when `f.has_centers`.
bool passes(const filter& f, const api::session_state& s, api::civil_date today, std::span<const std::int64_t> centers);

/// Open: passes the filter and the watched capacity reaches min_capacity.
inline bool open(const filter& f, const api::session_state& s, api::civil_date today,
                 std::span<const std::int64_t> centers) {
    return f.active && static_cast<std::int64_t>(watched_capacity(f.dose, s.cap)) >= f.min_capacity &&
           passes(f, s, today, centers);
}

/// Why `s` is not open for `sub`, one phrase per failed rule ("min_age_limit 45 > age 30"); empty when
/// it is open.
std::vector<std::string> why_not(const config::subscription& sub, const api::session_state& s, api::civil_date today);

}  // namespace cowin::subs
