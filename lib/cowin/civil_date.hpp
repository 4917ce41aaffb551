#pragma once
// A calendar date as CoWIN serves it (DD-MM-YYYY) and as alerts show it (ISO 8601).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cowin::api {

struct civil_date {
    std::int16_t year = 0;
    std::uint8_t month = 0;
    std::uint8_t day = 0;

    auto operator<=>(const civil_date&) const = default;
    bool valid() const { return month != 0; }
};

/// "21-05-2021"; also the unpadded "8-6-2021" that CoWIN accepted. Checks the day exists.
std::optional<civil_date> parse_cowin_date(std::string_view text);
/// "2021-05-21".
std::string to_iso(civil_date d);
/// "21-05-2021", the form CoWIN's `date` parameter takes.
std::string to_cowin(civil_date d);
/// Days since 1970-01-01 (proleptic Gregorian), for "within N days" filters.
std::int32_t days_since_epoch(civil_date d);
civil_date from_days_since_epoch(std::int32_t days);

}  // namespace cowin::api
