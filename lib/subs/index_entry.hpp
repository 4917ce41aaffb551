#pragma once
// What the index needs of a subscription, and nothing personal: its id, target, filter, channels and
// origin. Kept in Redis beside the full record, in 24 bytes (plus 8 per allowed centre), so that a start
// loads a million subscriptions by moving ~40 MB instead of every record's JSON; the full records are
// read only when one is used (the API, delivery, explain).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subs/filter.hpp"
#include "subs/record.hpp"

namespace cowin::subs {

struct index_entry {
    std::string id;
    bool by_pincode = false;
    std::int64_t target = 0;  ///< district id or pincode
    filter f;                 ///< slot unset
    std::uint8_t channels = 0;
    origin from = origin::api;
    std::vector<std::int64_t> centers;
};

index_entry entry_of(const config::subscription& s, bool active, origin from);
inline index_entry entry_of(const record& r) { return entry_of(r.sub, r.active, r.from); }

/// The stored bytes (versioned, little-endian).
std::string encode(const index_entry& e);
/// nullopt when `bytes` is not an entry this build can read.
std::optional<index_entry> decode_entry(std::string_view id, std::string_view bytes);

}  // namespace cowin::subs
