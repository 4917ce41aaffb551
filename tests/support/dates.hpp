#pragma once
#include <ctime>
#include <string>

namespace cowin::test {

/// Today in India as CoWIN's date parameter wants it: DD-MM-YYYY.
inline std::string india_today() {
    const std::time_t now = std::time(nullptr) + 5 * 3600 + 30 * 60;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%d-%m-%Y", &tm);
    return buf;
}

}  // namespace cowin::test
