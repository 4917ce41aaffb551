#pragma once
// A target's state between polls: per session, its capacities and the few attributes that matching
// needs, in 40 bytes. Owned, so it outlives the parser's buffers and can be stored in Redis.

#include <cstdint>
#include <string_view>
#include <vector>

#include "cowin/model.hpp"

namespace cowin::api {

struct session_state {
    std::uint64_t key = 0;
    std::int64_t center_id = 0;
    capacities cap;
    civil_date date;
    std::int32_t pincode = 0;
    std::int16_t min_age = 0;
    std::int16_t max_age = -1;
    tristate allow_all_age = tristate::absent;
    vaccine vaccine_id = vaccine::unknown;
    fee_kind fee = fee_kind::unknown;
    std::uint8_t reserved = 0;
    /// Index in snapshot::details, or no_detail for a session with no capacity.
    std::uint32_t detail = no_detail;
    static constexpr std::uint32_t no_detail = UINT32_MAX;

    bool has_capacity() const { return cap.total > 0 || cap.dose1 > 0 || cap.dose2 > 0; }

    /// Same session, same attributes (everything but the capacities).
    bool same_attributes(const session_state& o) const {
        return center_id == o.center_id && date == o.date && pincode == o.pincode && min_age == o.min_age &&
               max_age == o.max_age && allow_all_age == o.allow_all_age && vaccine_id == o.vaccine_id && fee == o.fee;
    }
};
static_assert(sizeof(session_state) == 48, "keep the snapshot compact");

struct snapshot {
    /// fingerprint() of the bytes this was parsed from; a response with the same fingerprint is the
    /// same response and needs no parse.
    std::uint64_t fingerprint = 0;
    /// In response order: consecutive polls usually list sessions in the same order, which the differ
    /// exploits.
    std::vector<session_state> sessions;
    /// Details of the sessions with capacity.
    std::vector<session_detail> details;
};

/// 64-bit XXH3 of the raw response bytes.
std::uint64_t fingerprint(std::string_view bytes);

/// Fills `out` (reusing its memory) from a parsed response.
void make_snapshot(const response_view& r, std::uint64_t fingerprint, snapshot& out);

}  // namespace cowin::api
