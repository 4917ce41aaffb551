#include "cowin/vaccine.hpp"

#include <array>
#include <cctype>

namespace cowin::api {

namespace {
constexpr std::array<std::string_view, 6> names{"COVISHIELD", "COVAXIN", "SPUTNIK V", "CORBEVAX", "COVOVAX", "ZYCOV-D"};

bool equal_upper(std::string_view raw, std::string_view upper) {
    if (raw.size() != upper.size()) return false;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(raw[i])) != upper[i]) return false;
    }
    return true;
}
}  // namespace

vaccine parse_vaccine(std::string_view name) {
    // Fast path: served exactly as the canonical name, as nearly always.
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (name == names[i]) return static_cast<vaccine>(i + 1);
    }
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
    if (name.empty()) return vaccine::unknown;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (equal_upper(name, names[i])) return static_cast<vaccine>(i + 1);
    }
    return vaccine::other;
}

std::string_view to_string(vaccine v) {
    if (v == vaccine::unknown) return "";
    if (v == vaccine::other) return "OTHER";
    return names[static_cast<std::size_t>(v) - 1];
}

std::span<const std::string_view> known_vaccine_names() { return names; }

}  // namespace cowin::api
