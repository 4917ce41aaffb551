#include "util/text.hpp"

#include <cctype>

namespace cowin::util {

std::string to_lower_ascii(std::string_view s) {
    // Not std::tolower: that asks the locale for every byte (it showed in the worker's profile, run
    // once per header of every answer), and a locale's idea of a letter is not ASCII's.
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
}

}  // namespace cowin::util
