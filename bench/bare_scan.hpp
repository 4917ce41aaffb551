#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cowin::bench {

/// The limit: simdjson on-demand (AVX2 kernel) reading the same fields our parser reads, storing
/// nothing. `json` must be padded. Returns a checksum so nothing is optimised away; 0 on error.
std::uint64_t bare_scan(std::string_view json);

}  // namespace cowin::bench
