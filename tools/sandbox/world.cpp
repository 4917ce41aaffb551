#include "world.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "util/json_writer.hpp"
#include "util/text.hpp"

namespace cowin::sandbox {

using api::civil_date;
using api::days_since_epoch;
using api::from_days_since_epoch;

namespace {

constexpr const char* blocks[] = {"Haveli", "City", "Rural", "North", "South", "East", "West", "Central", "Not Applicable"};
constexpr const char* places[] = {"PHC", "UPHC", "CHC", "District Hospital", "Municipal School", "Civil Hospital"};
constexpr const char* slot_times[] = {"09:00AM-11:00AM", "11:00AM-01:00PM", "01:00PM-03:00PM", "03:00PM-05:00PM"};

// The first two digits of a state's pincodes (India Post's postal circles), so generated pincodes look
// like real ones: Pune's centres get 41xxxx.
int state_pin_prefix(std::int64_t state_id) {
    static const std::map<std::int64_t, int> prefixes{
        {1, 74},  {2, 52},  {3, 79},  {4, 78},  {5, 84},  {6, 16},  {7, 49},  {8, 39},  {9, 11},  {10, 40},
        {11, 38}, {12, 12}, {13, 17}, {14, 18}, {15, 83}, {16, 56}, {17, 68}, {18, 19}, {19, 68}, {20, 46},
        {21, 41}, {22, 79}, {23, 79}, {24, 79}, {25, 79}, {26, 75}, {27, 60}, {28, 14}, {29, 30}, {30, 73},
        {31, 60}, {32, 50}, {33, 79}, {34, 22}, {35, 24}, {36, 70}, {37, 39}};
    auto it = prefixes.find(state_id);
    return it == prefixes.end() ? 99 : it->second;
}

// The fields every centre starts with, in CoWIN's order, in calendars and findBy* records alike.
void write_centre_head(util::json_writer& w, const centre& c, const district_info& di) {
    w.key("center_id").value(c.center_id)
        .key("name").value(c.name)
        .key("address").value(c.address)
        .key("state_name").value(di.state_name)
        .key("district_name").value(di.district_name)
        .key("block_name").value(c.block_name)
        .key("pincode").value(c.pincode);
}

civil_date add_days(civil_date d, int n) { return from_days_since_epoch(days_since_epoch(d) + n); }

}  // namespace

world::world(settings s, std::vector<district_info> districts, std::string states_json)
    : settings_(s), districts_(std::move(districts)), states_json_(std::move(states_json)), ids_(s.seed) {
    for (std::size_t i = 0; i < districts_.size(); ++i) district_index_[districts_[i].district_id] = i;
}

// Each district draws its centres' pincodes from one block of 100 in its state's range; districts of a
// state may share a block, so a pincode can span districts, as 110085 does in real data.
int world::pincode_base(std::int64_t district_id) const {
    const district_info& d = districts_[district_index_.at(district_id)];
    return state_pin_prefix(d.state_id) * 10000 + static_cast<int>((district_id * 37) % 100) * 100;
}

bool world::has_district(std::int64_t id) const { return district_index_.count(id) != 0; }

std::optional<std::string> world::districts_json(std::int64_t state_id) const {
    util::json_writer w;
    w.begin_object().key("districts").begin_array();
    bool any = false;
    for (const auto& d : districts_) {
        if (d.state_id != state_id) continue;
        any = true;
        w.begin_object().key("district_id").value(d.district_id).key("district_name").value(d.district_name).end_object();
    }
    w.end_array().key("ttl").value(24).end_object();
    if (!any) return std::nullopt;
    return w.take();
}

std::string world::new_session_id() {
    const std::uint64_t a = ids_(), b = ids_();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>(a >> 16) & 0xffffu, static_cast<unsigned>(a) & 0xfffu,
                  static_cast<unsigned>(b >> 48) & 0xfffu, static_cast<unsigned long long>(b & 0xffffffffffffull));
    return buf;
}

world::district_data& world::ensure(std::int64_t district_id, civil_date today) {
    auto it = generated_.find(district_id);
    if (it != generated_.end()) return it->second;
    generate(district_id, today);
    return generated_.at(district_id);
}

void world::generate(std::int64_t district_id, civil_date today) {
    // Seeded per district, so a district looks the same whatever order districts are asked for in.
    std::mt19937 rng(settings_.seed * 1000003u + static_cast<std::uint32_t>(district_id));
    district_data& data = generated_[district_id];
    data.generated_on = today;
    const int count = settings_.centres_per_district > 0 ? settings_.centres_per_district
                                                         : 20 + static_cast<int>(rng() % 181);
    for (int c = 0; c < count; ++c) {
        centre ce;
        ce.center_id = district_id * 10000 + c + 1;
        const char* block = blocks[rng() % std::size(blocks)];
        ce.name = std::string(places[rng() % std::size(places)]) + " " + block + " " + std::to_string(c + 1);
        if (rng() % 7 == 0) ce.name += " ";  // CoWIN's trailing spaces
        ce.address = "Ward " + std::to_string(rng() % 40 + 1) + ", near bus stand";
        ce.block_name = block;
        ce.district_id = district_id;
        ce.pincode = pincode_base(district_id) + static_cast<int>(rng() % 60);
        ce.lat = rng() % 10 == 0 ? 0 : 18 + static_cast<int>(rng() % 10);  // integers, often 0: as served
        ce.lng = rng() % 10 == 0 ? 0 : 72 + static_cast<int>(rng() % 15);
        ce.paid = rng() % 10 == 0;
        ce.fee = ce.paid ? (rng() % 2 ? "780" : "386.25") : "0";
        for (int day = 0; day < settings_.days; ++day) {
            if (rng() % 2 != 0) continue;
            session s;
            s.session_id = new_session_id();
            s.center_id = ce.center_id;
            s.date = add_days(today, day);
            s.min_age = rng() % 3 == 0 ? 45 : 18;
            if (s.min_age == 18 && rng() % 3 == 0) s.max_age = 44;
            if (rng() % 8 == 0) s.allow_all_age = 1;
            s.vaccine = rng() % 5 == 0 ? "COVAXIN" : "COVISHIELD";
            // Most sessions are booked out; a few have some doses left.
            if (rng() % 12 == 0) {
                s.dose1 = static_cast<int>(rng() % 30);
                s.dose2 = static_cast<int>(rng() % 10);
            }
            ce.sessions.push_back(sessions_.size());
            session_index_[s.session_id] = sessions_.size();
            sessions_.push_back(std::move(s));
        }
        data.centres.push_back(ce.center_id);
        centres_[ce.center_id] = std::move(ce);
    }
}

std::string world::render_calendar(const std::vector<const centre*>& centres, civil_date from, bool with_ids) const {
    const int first = days_since_epoch(from);
    std::string out;
    out.reserve(centres.size() * 1200);
    out += with_ids ? "{\"centers\":[" : "{\"centers\":";
    bool first_centre = true;
    for (const centre* c : centres) {
        std::vector<const session*> in_range;
        for (std::size_t i : c->sessions) {
            const int d = days_since_epoch(sessions_[i].date) - first;
            if (d >= 0 && d < 7) in_range.push_back(&sessions_[i]);
        }
        if (in_range.empty() && with_ids) continue;
        std::sort(in_range.begin(), in_range.end(), [](auto* a, auto* b) { return a->date < b->date; });
        const district_info& di = districts_[district_index_.at(c->district_id)];
        util::json_writer w;
        w.begin_object();
        write_centre_head(w, *c, di);
        w.key("lat").value(c->lat)
            .key("long").value(c->lng)
            .key("from").value(c->from)
            .key("to").value(c->to)
            .key("fee_type").value(c->paid ? "Paid" : "Free")
            .key("sessions").begin_array();
        for (const session* s : in_range) {
            w.begin_object();
            if (with_ids) w.key("session_id").value(s->session_id);
            w.key("date").value(api::to_cowin(s->date)).key("available_capacity").value(s->total()).key("min_age_limit").value(s->min_age);
            if (s->max_age >= 0) w.key("max_age_limit").value(s->max_age);
            if (s->allow_all_age >= 0) w.key("allow_all_age").value(s->allow_all_age == 1);
            w.key("vaccine").value(s->vaccine).key("slots").begin_array();
            for (const char* t : slot_times) {
                if (s->slot_style == 1) {
                    w.begin_object().key("time").value(t).key("seats").value(s->total() / 4).end_object();
                } else {
                    w.value(t);
                }
            }
            w.end_array().key("available_capacity_dose1").value(s->dose1).key("available_capacity_dose2").value(s->dose2).end_object();
        }
        w.end_array();
        if (c->paid) {
            // Real Paid centres list the fee per vaccine; some omit it (Raigad 565576).
            w.key("vaccine_fees").begin_array().begin_object().key("vaccine").value("COVISHIELD").key("fee").value(c->fee).end_object().end_array();
        }
        w.end_object();
        if (!first_centre) out += ',';
        first_centre = false;
        out += w.str();
    }
    out += with_ids ? "]}" : "}";
    return out;
}

std::string world::render_find(const std::vector<const centre*>& centres, civil_date date) const {
    util::json_writer w;
    w.begin_object().key("sessions").begin_array();
    for (const centre* c : centres) {
        const district_info& di = districts_[district_index_.at(c->district_id)];
        for (std::size_t i : c->sessions) {
            const session& s = sessions_[i];
            if (s.date != date) continue;
            w.begin_object();
            write_centre_head(w, *c, di);
            w.key("from").value(c->from)
                .key("to").value(c->to)
                .key("lat").value(c->lat)
                .key("long").value(c->lng)
                .key("fee_type").value(c->paid ? "Paid" : "Free")
                .key("session_id").value(s.session_id)
                .key("date").value(api::to_cowin(s.date))
                .key("available_capacity").value(s.total())
                .key("available_capacity_dose1").value(s.dose1)
                .key("available_capacity_dose2").value(s.dose2)
                .key("fee").value(c->fee)
                .key("min_age_limit").value(s.min_age);
            if (s.max_age >= 0) w.key("max_age_limit").value(s.max_age);
            if (s.allow_all_age >= 0) w.key("allow_all_age").value(s.allow_all_age == 1);
            w.key("vaccine").value(s.vaccine).key("slots").begin_array();
            for (const char* t : slot_times) w.value(t);
            w.end_array().end_object();
        }
    }
    w.end_array().end_object();
    return w.take();
}

std::string world::calendar_by_district(std::int64_t district_id, civil_date from, civil_date today) {
    std::vector<const centre*> cs;
    for (auto id : ensure(district_id, today).centres) cs.push_back(&centres_.at(id));
    return render_calendar(cs, from, true);
}

std::vector<const centre*> world::centres_of_pin(int pincode, civil_date today) {
    std::vector<const centre*> cs;
    for (const auto& d : districts_) {
        if (pincode_base(d.district_id) != pincode / 100 * 100) continue;
        for (auto id : ensure(d.district_id, today).centres) {
            const centre& c = centres_.at(id);
            if (c.pincode == pincode) cs.push_back(&c);
        }
    }
    return cs;
}

std::string world::calendar_by_pin(int pincode, civil_date from, civil_date today) {
    return render_calendar(centres_of_pin(pincode, today), from, true);
}

std::optional<std::string> world::calendar_by_center(std::int64_t center_id, civil_date from) {
    auto it = centres_.find(center_id);
    if (it == centres_.end()) return std::nullopt;
    return render_calendar({&it->second}, from, false);
}

std::string world::find_by_district(std::int64_t district_id, civil_date date, civil_date today) {
    std::vector<const centre*> cs;
    for (auto id : ensure(district_id, today).centres) cs.push_back(&centres_.at(id));
    return render_find(cs, date);
}

std::string world::find_by_pin(int pincode, civil_date date, civil_date today) {
    return render_find(centres_of_pin(pincode, today), date);
}

std::vector<opened> world::open(const open_request& r, civil_date today, std::string& error) {
    std::vector<centre*> candidates;
    if (r.center_id) {
        auto it = centres_.find(*r.center_id);
        if (it == centres_.end()) {
            error = "no centre " + std::to_string(*r.center_id);
            return {};
        }
        candidates.push_back(&it->second);
    } else if (r.pincode) {
        for (const centre* c : centres_of_pin(*r.pincode, today)) candidates.push_back(&centres_.at(c->center_id));
        if (candidates.empty()) {
            error = "no centre has pincode " + std::to_string(*r.pincode);
            return {};
        }
    } else {
        if (!r.district_id || !has_district(*r.district_id)) {
            error = "district_id names no district";
            return {};
        }
        for (auto id : ensure(*r.district_id, today).centres) candidates.push_back(&centres_.at(id));
    }
    const bool paid = r.fee_type == "Paid";
    std::vector<centre*> fitting;
    for (centre* c : candidates) {
        if (c->paid == paid) fitting.push_back(c);
    }
    if (fitting.empty()) fitting = candidates;
    std::vector<opened> out;
    for (int i = 0; i < r.count; ++i) {
        centre& c = *fitting[static_cast<std::size_t>(i) % fitting.size()];
        c.paid = paid;
        session s;
        s.session_id = new_session_id();
        s.center_id = c.center_id;
        s.date = r.date.value_or(add_days(today, 1));
        s.min_age = r.min_age_limit;
        s.max_age = r.max_age_limit.value_or(-1);
        s.vaccine = r.vaccine;
        if (r.dose == 1) s.dose1 = r.capacity;
        else if (r.dose == 2) s.dose2 = r.capacity;
        else {
            s.dose1 = r.capacity - r.capacity / 2;
            s.dose2 = r.capacity / 2;
        }
        out.push_back({s.session_id, c.center_id, s.date});
        c.sessions.push_back(sessions_.size());
        session_index_[s.session_id] = sessions_.size();
        sessions_.push_back(std::move(s));
    }
    return out;
}

bool world::patch(const std::string& session_id, std::optional<int> dose1, std::optional<int> dose2,
                  std::optional<int> total) {
    auto it = session_index_.find(session_id);
    if (it == session_index_.end()) return false;
    session& s = sessions_[it->second];
    if (dose1) s.dose1 = *dose1;
    if (dose2) s.dose2 = *dose2;
    if (total) s.extra = *total - s.dose1 - s.dose2;
    return true;
}

bool world::close(const std::string& session_id) {
    // CoWIN keeps booked-out sessions in its answers, at capacity 0.
    return patch(session_id, 0, 0, 0);
}

void world::churn(double openings, civil_date today, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::int64_t> ids;
    for (const auto& [id, data] : generated_) ids.push_back(id);
    for (auto id : ids) {
        if (u(rng) < openings) {
            open_request r;
            r.district_id = id;
            r.capacity = 5 + static_cast<int>(rng() % 46);
            r.dose = static_cast<int>(rng() % 3);
            r.min_age_limit = rng() % 3 == 0 ? 45 : 18;
            r.vaccine = rng() % 5 == 0 ? "COVAXIN" : "COVISHIELD";
            r.fee_type = rng() % 10 == 0 ? "Paid" : "Free";
            std::string error;
            open(r, today, error);
        }
    }
    // Bookings drain open sessions within seconds to minutes.
    for (session& s : sessions_) {
        if (s.total() == 0) continue;
        const int booked = static_cast<int>(rng() % 4);
        for (int* dose : {&s.dose1, &s.dose2}) {
            *dose = std::max(0, *dose - booked);
        }
        s.extra = std::max(0, s.extra - booked);
    }
}

std::string world::load_calendar(const api::response_view& v) {
    auto lower = [](std::string_view in) { return util::to_lower_ascii(util::trim_spaces(in)); };
    for (std::uint32_t i = 0; i < v.sessions.size(); ++i) {
        const api::session_detail d = api::materialize(v, i);
        const api::center_view& cv = v.centers[v.sessions[i].center];
        std::int64_t district_id = 0;
        for (const auto& di : districts_) {
            if (lower(di.district_name) == lower(cv.district_name) && lower(di.state_name) == lower(cv.state_name)) {
                district_id = di.district_id;
            }
        }
        if (district_id == 0) return "no district named \"" + std::string(cv.district_name) + "\" in " + std::string(cv.state_name);
        district_data& data = generated_[district_id];
        auto [it, inserted] = centres_.try_emplace(d.center_id);
        centre& c = it->second;
        if (inserted) {
            c.center_id = d.center_id;
            c.name = std::string(cv.name);
            c.address = std::string(cv.address);
            c.block_name = std::string(cv.block_name);
            c.district_id = district_id;
            c.pincode = cv.pincode;
            c.from = std::string(cv.from);
            c.to = std::string(cv.to);
            c.paid = cv.fee == api::fee_kind::paid;
            c.fee = d.fee_amount.empty() ? "0" : d.fee_amount;
            data.centres.push_back(c.center_id);
        }
        session s;
        s.session_id = d.session_id.empty() ? new_session_id() : d.session_id;
        s.center_id = d.center_id;
        s.date = d.date;
        s.min_age = d.min_age;
        s.max_age = d.max_age;
        s.allow_all_age = static_cast<int>(d.allow_all_age);
        s.vaccine = d.vaccine;
        s.dose1 = std::max(0, d.cap.dose1);
        s.dose2 = std::max(0, d.cap.dose2);
        s.extra = d.cap.total - s.dose1 - s.dose2;
        c.sessions.push_back(sessions_.size());
        session_index_[s.session_id] = sessions_.size();
        sessions_.push_back(std::move(s));
    }
    return "";
}

void world::reset() {
    generated_.clear();
    centres_.clear();
    sessions_.clear();
    session_index_.clear();
    ids_.seed(settings_.seed);
}

}  // namespace cowin::sandbox
