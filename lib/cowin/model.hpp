#pragma once
// What a CoWIN response says, in two forms:
// - views (center_view, session_view): filled by the parser, pointing into its buffers; valid until that
//   parser parses again. Cheap: no allocation per field.
// - owned records (session_detail): copied out of the views for the few sessions an alert needs.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cowin/civil_date.hpp"
#include "cowin/vaccine.hpp"

namespace cowin::api {

enum class fee_kind : std::uint8_t { unknown, free, paid };

/// Capacities as served. Dose capacities did not exist before 16 May 2021: they are then unknown,
/// which is not the same as zero. Negative values (CoWIN served some) read as 0.
struct capacities {
    static constexpr std::int32_t unknown = -1;
    std::int32_t total = 0;
    std::int32_t dose1 = unknown;
    std::int32_t dose2 = unknown;

    bool operator==(const capacities&) const = default;
};

/// Optional boolean without std::optional's padding, for compact records.
enum class tristate : std::int8_t { absent = -1, no = 0, yes = 1 };

struct vaccine_fee_view {
    std::string_view vaccine;
    std::string_view fee;
};

struct slot_view {
    std::string_view time;
    /// -1 when CoWIN served slots as plain strings (before April 2022).
    std::int32_t seats = -1;
};

struct center_view {
    std::int64_t center_id = 0;
    std::string_view name, address, state_name, district_name, block_name, from, to;
    /// 0 when absent.
    std::int32_t pincode = 0;
    fee_kind fee = fee_kind::unknown;
    /// Range in response_view::fees.
    std::uint32_t first_fee = 0, fee_count = 0;
};

struct session_view {
    /// Stable across polls of the same target: a hash of session_id, or of (centre, date, vaccine,
    /// min age) where CoWIN serves no session_id (calendarByCenter).
    std::uint64_t key = 0;
    std::string_view session_id;
    /// Index in response_view::centers.
    std::uint32_t center = 0;
    civil_date date;
    capacities cap;
    std::int16_t min_age = 0;
    /// -1 when absent.
    std::int16_t max_age = -1;
    tristate allow_all_age = tristate::absent;
    vaccine vaccine_id = vaccine::unknown;
    /// As served, trimmed.
    std::string_view vaccine_name;
    /// findBy* records carry a per-session fee string; calendars carry vaccine_fees on the centre.
    std::string_view fee;
    /// Range in response_view::slots.
    std::uint32_t first_slot = 0, slot_count = 0;
};

enum class endpoint : std::uint8_t {
    calendar,            ///< calendarByDistrict, calendarByPin: {"centers":[{..., "sessions":[...]}]}
    calendar_by_center,  ///< calendarByCenter: {"centers":{...}}, sessions without session_id
    find,                ///< findByPin, findByDistrict: {"sessions":[flat records]}
};

struct response_view {
    endpoint kind = endpoint::calendar;
    std::vector<center_view> centers;
    std::vector<session_view> sessions;
    std::vector<slot_view> slots;
    std::vector<vaccine_fee_view> fees;

    void clear() {
        centers.clear();
        sessions.clear();
        slots.clear();
        fees.clear();
    }
};

struct state {
    std::int64_t state_id = 0;
    std::string state_name;
};

struct district {
    std::int64_t district_id = 0;
    /// Trailing spaces, which CoWIN serves ("Aurangabad "), removed.
    std::string district_name;
};

/// Everything an alert says about one session and its centre (DESIGN.md §5), owned.
struct session_detail {
    std::int64_t center_id = 0;
    std::string center_name, address, block_name, district_name, state_name;
    std::int32_t pincode = 0;
    fee_kind fee = fee_kind::unknown;
    /// The fee for this session's vaccine where CoWIN says it ("386.25"), else "".
    std::string fee_amount;
    std::string session_id;
    civil_date date;
    std::string vaccine;
    std::int16_t min_age = 0;
    std::int16_t max_age = -1;
    tristate allow_all_age = tristate::absent;
    capacities cap;
    std::vector<std::string> slots;
};

/// Copies one session of a view out, with its centre.
session_detail materialize(const response_view& r, std::uint32_t session_index);
/// The same into an existing record, reusing its strings' memory.
void materialize_into(const response_view& r, std::uint32_t session_index, session_detail& d);

}  // namespace cowin::api
