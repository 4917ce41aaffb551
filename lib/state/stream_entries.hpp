#pragma once
// Reading outbox entries out of Redis's stream replies: shared by the commit's claim and the worker's
// own reads (XREADGROUP, XAUTOCLAIM, XCLAIM), so that every way of taking an entry treats an odd one
// alike.
#include <string>
#include <vector>

#include "state/redis_connection.hpp"
#include "state/store.hpp"

namespace cowin::state {

/// [[id, [field, value, ...]], ...] as the outbox holds them: one claimed_entry per alert, in order.
std::vector<claimed_entry> stream_entries(const redis_reply& list);

/// The alerts of one entry, from its fields (name, value, ...), appended to `out`. An entry holds:
/// - one alert as field "a";
/// - or several: the first as "base", each of the others as "like", its differences from the first
///   (entry_delta.hpp). A "like" that does not apply comes as "like=" and what it held, so the
///   worker dead-letters that alert as undecodable, and delivers the others;
/// - or, as written before entries were delta-encoded, several as "part", each whole.
/// A version that reads only "a" and "part" finds neither in a delta-encoded entry and dead-letters it
/// whole, with what it held, rather than delivering its first alert and acknowledging the rest
/// unsent, should versions be mixed on one Redis during an upgrade; the same holds one version
/// further back, for "part". An entry with none of these (written by something else) comes with its
/// fields, one "field=value" per line, so the worker dead-letters it as undecodable instead of
/// leaving it pending for ever. An entry deleted since it was added (no fields) is left out: Redis
/// drops it from the pending list itself.
void entry_parts(const std::string& entry_id, const std::vector<redis_reply>& fields, std::vector<claimed_entry>& out);

/// Field names as the commit writes them.
inline constexpr const char* single_field = "a";
inline constexpr const char* base_field = "base";
inline constexpr const char* like_field = "like";

/// A commit's alerts as its entries hold them, in place: each alert after an entry's first (every
/// alerts_per_entry) replaced by its differences from that first one. Both commit paths write these.
void to_entry_values(std::vector<std::string>& alerts);

}  // namespace cowin::state
