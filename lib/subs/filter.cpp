#include "subs/filter.hpp"

#include <algorithm>

#include "cowin/vaccine.hpp"

namespace cowin::subs {

filter make_filter(const config::subscription& s, std::uint32_t slot) {
    filter f;
    f.slot = slot;
    f.min_capacity = static_cast<std::uint32_t>(std::max(1, s.min_capacity));
    for (const auto& v : s.vaccines) f.vaccines |= static_cast<std::uint16_t>(1u << static_cast<unsigned>(api::parse_vaccine(v)));
    f.age = s.age ? static_cast<std::uint8_t>(std::clamp(*s.age, 0, 254)) : filter::any_age;
    f.fee = s.fee_type;
    f.days = s.days ? static_cast<std::uint8_t>(*s.days) : 0;
    f.dose = s.dose ? static_cast<std::uint8_t>(*s.dose) : 0;
    f.has_centers = !s.center_ids.empty();
    return f;
}

std::int32_t watched_capacity(std::uint8_t dose, const api::capacities& c) {
    std::int32_t v = c.total;
    if (dose == 1 && c.dose1 != api::capacities::unknown) v = c.dose1;
    if (dose == 2 && c.dose2 != api::capacities::unknown) v = c.dose2;
    return std::max(v, 0);
}

namespace {

bool age_ok(std::uint8_t age, const api::session_state& s) {
    if (age == filter::any_age) return true;
    if (s.min_age > age) return false;
    // allow_all_age: every age from min_age_limit up, whatever max_age_limit says.
    if (s.allow_all_age == api::tristate::yes) return true;
    return s.max_age < 0 || age <= s.max_age;
}

bool fee_ok(config::fee_filter want, api::fee_kind got) {
    switch (want) {
        case config::fee_filter::any: return true;
        case config::fee_filter::free: return got == api::fee_kind::free;
        case config::fee_filter::paid: return got == api::fee_kind::paid;
    }
    return false;
}

// A session before today is stale data (the CDN's copy from yesterday): never open.
bool date_ok(std::uint8_t days, const api::session_state& s, api::civil_date today) {
    const auto ahead = api::days_since_epoch(s.date) - api::days_since_epoch(today);
    return ahead >= 0 && (days == 0 || ahead < days);
}

}  // namespace

bool passes(const filter& f, const api::session_state& s, api::civil_date today, std::span<const std::int64_t> centers) {
    if (!age_ok(f.age, s)) return false;
    if (f.vaccines != 0 && (f.vaccines & (1u << static_cast<unsigned>(s.vaccine_id))) == 0) return false;
    if (!fee_ok(f.fee, s.fee)) return false;
    if (!date_ok(f.days, s, today)) return false;
    if (f.has_centers && std::find(centers.begin(), centers.end(), s.center_id) == centers.end()) return false;
    return true;
}

std::vector<std::string> why_not(const config::subscription& sub, const api::session_state& s, api::civil_date today) {
    std::vector<std::string> out;
    const filter f = make_filter(sub, 0);
    if (sub.age) {
        const int age = *sub.age;
        if (s.min_age > age) {
            out.push_back("min_age_limit " + std::to_string(s.min_age) + " > age " + std::to_string(age));
        } else if (s.allow_all_age != api::tristate::yes && s.max_age >= 0 && age > s.max_age) {
            out.push_back("max_age_limit " + std::to_string(s.max_age) + " < age " + std::to_string(age));
        }
    }
    if (f.vaccines != 0 && (f.vaccines & (1u << static_cast<unsigned>(s.vaccine_id))) == 0) {
        std::string list;
        for (const auto& v : sub.vaccines) list += (list.empty() ? "" : ", ") + v;
        const auto name = api::to_string(s.vaccine_id);
        out.push_back("vaccine " + (name.empty() ? std::string("(none given)") : std::string(name)) + " not in [" + list + "]");
    }
    if (!fee_ok(f.fee, s.fee)) {
        out.push_back(std::string("fee_type ") + (s.fee == api::fee_kind::paid ? "Paid" : s.fee == api::fee_kind::free ? "Free" : "unknown") +
                      " is not " + (f.fee == config::fee_filter::free ? "free" : "paid"));
    }
    const auto ahead = api::days_since_epoch(s.date) - api::days_since_epoch(today);
    if (ahead < 0) {
        out.push_back("date " + api::to_iso(s.date) + " is before today " + api::to_iso(today));
    } else if (f.days != 0 && ahead >= f.days) {
        out.push_back("date " + api::to_iso(s.date) + " is " + std::to_string(ahead) + " days ahead, beyond days " +
                      std::to_string(f.days));
    }
    if (f.has_centers && std::find(sub.center_ids.begin(), sub.center_ids.end(), s.center_id) == sub.center_ids.end()) {
        out.push_back("center_id " + std::to_string(s.center_id) + " not in center_ids");
    }
    const std::int32_t cap = watched_capacity(f.dose, s.cap);
    if (cap < static_cast<std::int64_t>(f.min_capacity)) {
        std::string watched = f.dose == 0 ? "available_capacity" : "dose" + std::to_string(f.dose) + " capacity";
        if (f.dose == 1 && s.cap.dose1 == api::capacities::unknown) watched += " (not served; total used)";
        if (f.dose == 2 && s.cap.dose2 == api::capacities::unknown) watched += " (not served; total used)";
        out.push_back(watched + " " + std::to_string(cap) + " < min_capacity " + std::to_string(f.min_capacity));
    }
    return out;
}

}  // namespace cowin::subs
