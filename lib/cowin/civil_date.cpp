#include "cowin/civil_date.hpp"

#include <charconv>
#include <cstdio>

namespace cowin::api {

namespace {
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}
bool read_number(std::string_view& text, std::size_t max_digits, int& out) {
    std::size_t n = 0;
    while (n < text.size() && n < max_digits && text[n] >= '0' && text[n] <= '9') ++n;
    if (n == 0) return false;
    std::from_chars(text.data(), text.data() + n, out);
    text.remove_prefix(n);
    return true;
}
}  // namespace

std::optional<civil_date> parse_cowin_date(std::string_view text) {
    // Fast path: the zero-padded DD-MM-YYYY that every real response uses.
    auto digit = [](char c) { return static_cast<unsigned>(c - '0') < 10u; };
    if (text.size() == 10 && text[2] == '-' && text[5] == '-' && digit(text[0]) && digit(text[1]) && digit(text[3]) &&
        digit(text[4]) && digit(text[6]) && digit(text[7]) && digit(text[8]) && digit(text[9])) {
        const int dd = (text[0] - '0') * 10 + (text[1] - '0');
        const int mm = (text[3] - '0') * 10 + (text[4] - '0');
        const int yy = (text[6] - '0') * 1000 + (text[7] - '0') * 100 + (text[8] - '0') * 10 + (text[9] - '0');
        if (yy < 2000 || mm < 1 || mm > 12 || dd < 1 || dd > days_in_month(yy, mm)) return std::nullopt;
        return civil_date{static_cast<std::int16_t>(yy), static_cast<std::uint8_t>(mm), static_cast<std::uint8_t>(dd)};
    }
    int d = 0, m = 0, y = 0;
    if (!read_number(text, 2, d) || text.empty() || text[0] != '-') return std::nullopt;
    text.remove_prefix(1);
    if (!read_number(text, 2, m) || text.empty() || text[0] != '-') return std::nullopt;
    text.remove_prefix(1);
    if (text.size() != 4 || !read_number(text, 4, y) || !text.empty()) return std::nullopt;
    if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
    return civil_date{static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

std::string to_iso(civil_date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

std::string to_cowin(civil_date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d-%02d-%04d", d.day, d.month, d.year);
    return buf;
}

// Howard Hinnant's days_from_civil / civil_from_days.
std::int32_t days_since_epoch(civil_date d) {
    int y = d.year - (d.month <= 2 ? 1 : 0);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = (d.month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + d.day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

civil_date from_days_since_epoch(std::int32_t z) {
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp < 10 ? mp + 3 : mp - 9;
    return civil_date{static_cast<std::int16_t>(y + (m <= 2 ? 1 : 0)), static_cast<std::uint8_t>(m),
                      static_cast<std::uint8_t>(d)};
}

}  // namespace cowin::api
