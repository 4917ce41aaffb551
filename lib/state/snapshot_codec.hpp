#pragma once
// A snapshot as bytes, for the Redis store: versioned, length-checked, little-endian (x86-64 and
// arm64 alike). A blob that does not decode is reported, never half-read.
#include <optional>
#include <string>
#include <string_view>

#include "state/store.hpp"

namespace cowin::state {

std::string encode(const stored_snapshot& s);
/// nullopt for anything that is not a complete blob of this version.
std::optional<stored_snapshot> decode(std::string_view bytes);

}  // namespace cowin::state
