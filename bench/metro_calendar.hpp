#pragma once
// A generated calendarByDistrict response for a metro district: about 400 centres x 7 days, compact
// like CoWIN's own, with the field mix of May-July 2021 (dose fields, optional max_age_limit and
// allow_all_age, a few Paid centres with vaccine_fees, mostly zero capacities).
#include <cstdint>
#include <string>

namespace cowin::bench {

/// `generation` changes a few capacities, as the next poll of the same district would see.
std::string metro_calendar(std::uint32_t seed, int centres, int days, int generation);

}  // namespace cowin::bench
