#pragma once
#include <chrono>
#include <string>

#include "cowin/request.hpp"

namespace cowin::test {

/// Today in India as CoWIN's date parameter wants it: DD-MM-YYYY.
inline std::string india_today() { return api::to_cowin(api::india_date(std::chrono::system_clock::now())); }

}  // namespace cowin::test
