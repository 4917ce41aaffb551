#include "cowin/model.hpp"
#include "util/text.hpp"

namespace cowin::api {

namespace {
void assign_trimmed(std::string& out, std::string_view s) { out.assign(util::trim_spaces(s)); }
}  // namespace

void materialize_into(const response_view& r, std::uint32_t session_index, session_detail& d) {
    const session_view& s = r.sessions.at(session_index);
    const center_view& c = r.centers.at(s.center);
    d.center_id = c.center_id;
    assign_trimmed(d.center_name, c.name);
    assign_trimmed(d.address, c.address);
    assign_trimmed(d.block_name, c.block_name);
    assign_trimmed(d.district_name, c.district_name);
    assign_trimmed(d.state_name, c.state_name);
    d.pincode = c.pincode;
    d.fee = c.fee;
    d.fee_amount.assign(s.fee);
    if (d.fee_amount.empty()) {
        for (std::uint32_t i = c.first_fee; i < c.first_fee + c.fee_count; ++i) {
            if (parse_vaccine(r.fees[i].vaccine) == s.vaccine_id) d.fee_amount.assign(r.fees[i].fee);
        }
    }
    d.session_id.assign(s.session_id);
    d.date = s.date;
    d.vaccine.assign(s.vaccine_id == vaccine::other ? s.vaccine_name : to_string(s.vaccine_id));
    d.min_age = s.min_age;
    d.max_age = s.max_age;
    d.allow_all_age = s.allow_all_age;
    d.cap = s.cap;
    d.slots.resize(s.slot_count);
    for (std::uint32_t i = 0; i < s.slot_count; ++i) d.slots[i].assign(r.slots[s.first_slot + i].time);
}

session_detail materialize(const response_view& r, std::uint32_t session_index) {
    session_detail d;
    materialize_into(r, session_index, d);
    return d;
}

}  // namespace cowin::api
