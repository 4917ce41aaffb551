#include "cowin/request.hpp"

namespace cowin::api {

civil_date india_date(std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    const auto ist = duration_cast<seconds>(now.time_since_epoch()).count() + 5 * 3600 + 30 * 60;
    return from_days_since_epoch(static_cast<std::int32_t>(ist / 86400 - (ist < 0 && ist % 86400 != 0 ? 1 : 0)));
}

std::string calendar_url(const std::string& base_url, const poll::target_key& k, civil_date today) {
    std::string url = base_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    const civil_date from = from_days_since_epoch(days_since_epoch(today) + 7 * k.week);
    if (k.type == poll::target_key::kind::district) {
        url += "/v2/appointment/sessions/public/calendarByDistrict?district_id=" + std::to_string(k.id);
    } else {
        url += "/v2/appointment/sessions/public/calendarByPin?pincode=" + std::to_string(k.id);
    }
    return url + "&date=" + to_cowin(from);
}

std::vector<std::pair<std::string, std::string>> request_headers(const config::cowin_settings& c) {
    std::vector<std::pair<std::string, std::string>> h{
        {"User-Agent", c.user_agent}, {"Accept", "application/json"}, {"Accept-Language", c.accept_language}};
    if (!c.api_key.empty()) h.emplace_back("x-api-key", c.api_key.value);
    return h;
}

}  // namespace cowin::api
