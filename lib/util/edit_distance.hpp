#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace cowin::util {

/// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, or "" when none is close enough to be a likely typo.
std::string nearest(std::string_view word, std::span<const std::string> candidates);

}  // namespace cowin::util
