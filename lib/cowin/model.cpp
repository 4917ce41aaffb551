#include "cowin/model.hpp"

namespace cowin::api {

namespace {
std::string trimmed(std::string_view s) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return std::string(s);
}
}  // namespace

session_detail materialize(const response_view& r, std::uint32_t session_index) {
    const session_view& s = r.sessions.at(session_index);
    const center_view& c = r.centers.at(s.center);
    session_detail d;
    d.center_id = c.center_id;
    d.center_name = trimmed(c.name);
    d.address = trimmed(c.address);
    d.block_name = trimmed(c.block_name);
    d.district_name = trimmed(c.district_name);
    d.state_name = trimmed(c.state_name);
    d.pincode = c.pincode;
    d.fee = c.fee;
    d.fee_amount = std::string(s.fee);
    if (d.fee_amount.empty()) {
        for (std::uint32_t i = c.first_fee; i < c.first_fee + c.fee_count; ++i) {
            if (parse_vaccine(r.fees[i].vaccine) == s.vaccine_id) d.fee_amount = std::string(r.fees[i].fee);
        }
    }
    d.session_id = std::string(s.session_id);
    d.date = s.date;
    d.vaccine = s.vaccine_id == vaccine::other ? std::string(s.vaccine_name) : std::string(to_string(s.vaccine_id));
    d.min_age = s.min_age;
    d.max_age = s.max_age;
    d.allow_all_age = s.allow_all_age;
    d.cap = s.cap;
    d.slots.reserve(s.slot_count);
    for (std::uint32_t i = s.first_slot; i < s.first_slot + s.slot_count; ++i) d.slots.emplace_back(r.slots[i].time);
    return d;
}

}  // namespace cowin::api
