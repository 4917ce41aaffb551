#pragma once
// The sandbox's CoWIN data: districts (real ids and names), their centres and sessions, generated
// deterministically from a seed the first time a district is asked for, and changed by the control API
// and the churn. Renders every public endpoint's JSON with CoWIN's shapes and quirks.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cowin/civil_date.hpp"
#include "cowin/model.hpp"
#include "cowin/request.hpp"
#include "cowin/vaccine.hpp"

namespace cowin::sandbox {

struct district_info {
    std::int64_t district_id = 0;
    std::string district_name;
    std::int64_t state_id = 0;
    std::string state_name;
};

struct session {
    std::string session_id;
    std::int64_t center_id = 0;
    api::civil_date date;
    int min_age = 18;
    int max_age = -1;           ///< -1: not served
    int allow_all_age = -1;     ///< -1: not served, 0 false, 1 true
    std::string vaccine;
    int dose1 = 0;
    int dose2 = 0;
    int extra = 0;  ///< capacity that is neither dose (served as available_capacity - dose1 - dose2)
    int slot_style = 0;  ///< 0: strings, 1: {time, seats} objects (April 2022 on)

    int total() const { return dose1 + dose2 + extra; }
};

struct centre {
    std::int64_t center_id = 0;
    std::string name, address, block_name;
    std::int64_t district_id = 0;
    int pincode = 0;
    int lat = 0, lng = 0;
    std::string from = "09:00:00", to = "17:00:00";
    bool paid = false;
    std::string fee = "0";
    std::vector<std::size_t> sessions;  ///< indices in world::sessions_
};

struct open_request {
    std::optional<std::int64_t> district_id;
    std::optional<int> pincode;
    std::optional<std::int64_t> center_id;
    int count = 1;
    int capacity = 10;
    int dose = 1;  ///< 0: split between doses
    int min_age_limit = 18;
    std::optional<int> max_age_limit;
    std::string vaccine = "COVISHIELD";
    std::string fee_type = "Free";
    std::optional<api::civil_date> date;
};

struct opened {
    std::string session_id;
    std::int64_t center_id = 0;
    api::civil_date date;
};

class world {
public:
    struct settings {
        std::uint32_t seed = 1;
        /// 0: each district gets 20 to 200 centres, drawn from the seed.
        int centres_per_district = 0;
        /// Days of sessions generated from the day a district is first asked for.
        int days = 14;
    };

    world(settings s, std::vector<district_info> districts, std::string states_json);

    bool has_district(std::int64_t id) const;
    const std::vector<district_info>& districts() const { return districts_; }
    const std::string& states_json() const { return states_json_; }
    std::optional<std::string> districts_json(std::int64_t state_id) const;

    /// `today` is the first day of generated sessions for districts generated now.
    std::string calendar_by_district(std::int64_t district_id, api::civil_date from, api::civil_date today);
    std::string calendar_by_pin(int pincode, api::civil_date from, api::civil_date today);
    /// nullopt for an unknown centre.
    std::optional<std::string> calendar_by_center(std::int64_t center_id, api::civil_date from);
    std::string find_by_district(std::int64_t district_id, api::civil_date date, api::civil_date today);
    std::string find_by_pin(int pincode, api::civil_date date, api::civil_date today);

    /// Opens new sessions; errors as a message.
    std::vector<opened> open(const open_request& r, api::civil_date today, std::string& error);
    /// Sets capacities of a session; false if there is none with that id.
    bool patch(const std::string& session_id, std::optional<int> dose1, std::optional<int> dose2,
               std::optional<int> total);
    bool close(const std::string& session_id);

    /// One step of a simulated morning: with probability `openings` per district, a session opens;
    /// open sessions drain by simulated bookings. Only districts already generated take part.
    void churn(double openings, api::civil_date today, std::mt19937& rng);

    void prepare(std::int64_t district_id, api::civil_date today) { ensure(district_id, today); }
    /// Takes the centres and sessions of a recorded calendar response (--data FILE) as they are, in
    /// the districts their district_name names; those districts are then not generated. "" or an error.
    std::string load_calendar(const api::response_view& v);
    void reset();
    std::size_t session_count() const { return sessions_.size(); }

private:
    struct district_data {
        std::vector<std::int64_t> centres;  ///< centre ids
        api::civil_date generated_on;
    };
    district_data& ensure(std::int64_t district_id, api::civil_date today);
    void generate(std::int64_t district_id, api::civil_date today);
    std::string render_calendar(const std::vector<const centre*>& centres, api::civil_date from, bool with_ids) const;
    std::string render_find(const std::vector<const centre*>& centres, api::civil_date date) const;
    std::vector<const centre*> centres_of_pin(int pincode, api::civil_date today);
    std::string new_session_id();
    int pincode_base(std::int64_t district_id) const;

    settings settings_;
    std::vector<district_info> districts_;
    std::map<std::int64_t, std::size_t> district_index_;
    std::string states_json_;
    std::map<std::int64_t, district_data> generated_;
    std::map<std::int64_t, centre> centres_;
    std::vector<session> sessions_;
    std::map<std::string, std::size_t> session_index_;
    std::mt19937_64 ids_;
};

/// Today in India, for the generated data.
inline api::civil_date today_in_india() { return api::india_date(std::chrono::system_clock::now()); }

}  // namespace cowin::sandbox
