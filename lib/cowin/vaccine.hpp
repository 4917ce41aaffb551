#pragma once
// The vaccines CoWIN has served, as one small id, so that matching compares bytes, not strings.
// The config validator and the parser share this list: a subscription can name only what CoWIN sends.

#include <cstdint>
#include <span>
#include <string_view>

namespace cowin::api {

enum class vaccine : std::uint8_t {
    unknown = 0,  ///< "" (served so in early May 2021) or absent
    covishield,
    covaxin,
    sputnik_v,  ///< served as "SPUTNIK V", with the space
    corbevax,
    covovax,
    zycov_d,
    other,  ///< a name this build does not know; matches only "any vaccine"
};

/// Trims and compares case-insensitively: " covishield " -> covishield.
vaccine parse_vaccine(std::string_view name);
/// The canonical upper-case name ("SPUTNIK V"); "" for unknown, "OTHER" for other.
std::string_view to_string(vaccine v);
/// The canonical names of every known vaccine, in enum order.
std::span<const std::string_view> known_vaccine_names();

}  // namespace cowin::api
