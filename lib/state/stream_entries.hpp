#pragma once
// Reading outbox entries out of Redis's stream replies: shared by the commit's claim and the worker's
// own reads (XREADGROUP, XAUTOCLAIM, XCLAIM), so that every way of taking an entry treats an odd one
// alike.
#include <vector>

#include "state/redis_connection.hpp"
#include "state/store.hpp"

namespace cowin::state {

/// [[id, [field, value, ...]], ...] as the outbox holds them: one claimed_entry per alert, in order.
/// An entry holds one alert as field "a", or up to alerts_per_entry as fields "part": a version from
/// before entries were shared reads only "a", so it dead-letters a shared entry whole (undecodable,
/// with what it held) rather than delivering its first alert and acknowledging the rest unsent,
/// should versions be mixed on one Redis during an upgrade. An entry without
/// one (written by something else) comes with its fields, one "field=value" per line, so the worker
/// dead-letters it as undecodable, with what it held, instead of leaving it pending for ever. An entry
/// deleted since it was added (no fields) is left out: Redis drops it from the pending list itself.
std::vector<claimed_entry> stream_entries(const redis_reply& list);

}  // namespace cowin::state
