#pragma once
// The CoWIN calls the poller makes: URL and headers per target, from the config.
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "cowin/civil_date.hpp"
#include "poll/scheduler.hpp"

namespace cowin::api {

/// calendarByDistrict or calendarByPin for `k`, from `today` (+7 days per week), under base_url.
std::string calendar_url(const std::string& base_url, const poll::target_key& k, civil_date today);
/// User-Agent, Accept, Accept-Language and x-api-key (where configured).
std::vector<std::pair<std::string, std::string>> request_headers(const config::cowin_settings& c);
/// Today in India (IST, UTC+05:30) at `now`.
civil_date india_date(std::chrono::system_clock::time_point now);

}  // namespace cowin::api
