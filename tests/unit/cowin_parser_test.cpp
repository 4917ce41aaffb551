// The CoWIN parser on every recorded fixture, every quirk of reference/cowin-api.md and every kind of
// bad bytes; both kernels (AVX2 and portable) must agree.
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <sstream>

#include "cowin/parser.hpp"

namespace cowin::api {
namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(COWIN_FIXTURES_DIR) + "/cowin/" + name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    EXPECT_FALSE(s.str().empty()) << name;
    return s.str();
}

class parser_kernels : public ::testing::TestWithParam<const char*> {
protected:
    response_parser parser{response_parser::default_max_bytes, response_parser::default_max_depth, GetParam()};

    const response_view& ok(endpoint e, std::string_view json) {
        auto err = parser.parse(e, json);
        EXPECT_FALSE(err.has_value()) << err->str();
        return parser.view();
    }
};

INSTANTIATE_TEST_SUITE_P(kernels, parser_kernels, ::testing::Values("haswell", "fallback"));

struct fixture_case {
    const char* file;
    endpoint kind;
    std::size_t centers;
    std::size_t sessions;
    std::int64_t total_capacity;
};

TEST_P(parser_kernels, every_fixture_parses_with_its_counts) {
    // Counts taken from the files with Python's json module.
    const fixture_case cases[] = {
        {"calendarByDistrict_raigad-393_2021-05-21.json", endpoint::calendar, 200, 666, 244},
        {"calendarByPin_delhi-110085_2021-05-06_pre-dose-split.json", endpoint::calendar, 15, 69, 6817},
        {"calendar_centers_patna-801503_2021-07-13.json", endpoint::calendar, 2, 21, 31},
        {"findByPin_400055_2022-03-30_slots-strings.json", endpoint::find, 1, 3, 135},
        {"findByPin_401107_2021-07-11.json", endpoint::find, 2, 2, 0},
        {"findByPin_416416_2022-04-28_slots-objects.json", endpoint::find, 12, 14, 3488},
    };
    for (const auto& c : cases) {
        const response_view& v = ok(c.kind, fixture(c.file));
        EXPECT_EQ(v.centers.size(), c.centers) << c.file;
        EXPECT_EQ(v.sessions.size(), c.sessions) << c.file;
        std::int64_t total = 0;
        for (const auto& s : v.sessions) total += s.cap.total;
        EXPECT_EQ(total, c.total_capacity) << c.file;
        for (const auto& s : v.sessions) {
            EXPECT_NE(s.key, 0u) << c.file;
            EXPECT_TRUE(s.date.valid()) << c.file;
        }
    }
}

TEST_P(parser_kernels, raigad_details_are_read) {
    const response_view& v = ok(endpoint::calendar, fixture("calendarByDistrict_raigad-393_2021-05-21.json"));
    const session_detail d = materialize(v, 0);
    EXPECT_EQ(d.center_id, 46420);
    EXPECT_EQ(d.center_name, "Dhokwade PHC");
    EXPECT_EQ(d.address, "Dhokwade PHC Taluka Alibag");
    EXPECT_EQ(d.district_name, "Raigad");
    EXPECT_EQ(d.pincode, 402201);
    EXPECT_EQ(d.fee, fee_kind::free);
    EXPECT_EQ(d.session_id, "d54c5af7-3897-4da3-bd26-f937ab7ad553");
    EXPECT_EQ(to_iso(d.date), "2021-05-21");
    EXPECT_EQ(d.vaccine, "COVISHIELD");
    EXPECT_EQ(d.min_age, 45);
    EXPECT_EQ(d.max_age, -1);
    EXPECT_EQ(d.cap, (capacities{0, 0, 0}));
    EXPECT_EQ(d.slots, (std::vector<std::string>{"10:00AM-12:00PM", "12:00PM-02:00PM", "02:00PM-04:00PM",
                                                 "04:00PM-05:00PM"}));
    // The one Paid centre with vaccine_fees: its sessions learn their fee.
    for (std::uint32_t i = 0; i < v.sessions.size(); ++i) {
        if (v.centers[v.sessions[i].center].center_id == 699303) {
            EXPECT_EQ(materialize(v, i).fee_amount, "850");
            EXPECT_EQ(materialize(v, i).fee, fee_kind::paid);
        }
    }
}

TEST_P(parser_kernels, pre_dose_split_capacities_are_unknown_not_zero) {
    const response_view& v = ok(endpoint::calendar, fixture("calendarByPin_delhi-110085_2021-05-06_pre-dose-split.json"));
    for (const auto& s : v.sessions) {
        EXPECT_EQ(s.cap.dose1, capacities::unknown);
        EXPECT_EQ(s.cap.dose2, capacities::unknown);
    }
}

TEST_P(parser_kernels, optional_age_fields_of_patna) {
    const response_view& v = ok(endpoint::calendar, fixture("calendar_centers_patna-801503_2021-07-13.json"));
    int with_max = 0, with_allow = 0;
    for (const auto& s : v.sessions) {
        with_max += s.max_age >= 0;
        with_allow += s.allow_all_age != tristate::absent;
    }
    EXPECT_EQ(with_max, 11);
    EXPECT_EQ(with_allow, 3);
}

TEST_P(parser_kernels, find_records_share_their_centre_and_slot_objects_are_read) {
    const response_view& v = ok(endpoint::find, fixture("findByPin_416416_2022-04-28_slots-objects.json"));
    const session_detail d = materialize(v, 0);
    EXPECT_EQ(d.center_id, 8679);
    EXPECT_EQ(d.slots.at(0), "09:00AM-11:00AM");
    EXPECT_EQ(v.slots.at(0).seats, 0);
    EXPECT_EQ(d.fee_amount, "0");
    EXPECT_EQ(d.cap, (capacities{299, 100, 100}));  // total != dose1 + dose2, kept as served
}

TEST_P(parser_kernels, states_and_districts) {
    std::vector<state> states;
    ASSERT_FALSE(parser.parse_states(fixture("states_2021-07.json"), states).has_value());
    ASSERT_EQ(states.size(), 37u);
    EXPECT_EQ(states[0].state_id, 1);
    EXPECT_EQ(states[0].state_name, "Andaman and Nicobar Islands");
    std::vector<district> districts;
    ASSERT_FALSE(parser.parse_districts(fixture("districts_21_maharashtra_DEMO-server_2021-05.json"), districts));
    ASSERT_EQ(districts.size(), 37u);
    EXPECT_EQ(districts[4].district_name, "Aurangabad");  // served with a trailing space
    EXPECT_TRUE(parser.parse_districts("{\"states\":[]}", districts).has_value());
}

TEST_P(parser_kernels, kernels_agree_on_every_fixture) {
    response_parser other{response_parser::default_max_bytes, response_parser::default_max_depth,
                          std::string_view(GetParam()) == "haswell" ? "fallback" : "haswell"};
    for (auto [file, kind] : {std::pair{"calendarByDistrict_raigad-393_2021-05-21.json", endpoint::calendar},
                              std::pair{"findByPin_416416_2022-04-28_slots-objects.json", endpoint::find}}) {
        const std::string json = fixture(file);
        ASSERT_FALSE(parser.parse(kind, json).has_value());
        ASSERT_FALSE(other.parse(kind, json).has_value());
        ASSERT_EQ(parser.view().sessions.size(), other.view().sessions.size());
        for (std::uint32_t i = 0; i < parser.view().sessions.size(); ++i) {
            EXPECT_EQ(parser.view().sessions[i].key, other.view().sessions[i].key);
            EXPECT_EQ(materialize(parser.view(), i).slots, materialize(other.view(), i).slots);
        }
    }
}

// ---- quirks: one row each, a minimal calendar around one session ----

std::string calendar(std::string_view center_extra, std::string_view session_fields) {
    return std::string(R"({"centers":[{"center_id":7,"name":"C ","pincode":411027,"fee_type":"Free",)") +
           std::string(center_extra) + R"("sessions":[{)" + std::string(session_fields) + "}]}]}";
}
constexpr const char* base_session = R"("session_id":"s-1","date":"21-05-2021","available_capacity":5,"min_age_limit":18)";

struct quirk {
    const char* name;
    std::string json;
    std::function<void(const response_view&)> check;
};

TEST_P(parser_kernels, quirks_of_real_responses) {
    const std::string b = base_session;
    const quirk rows[] = {
        {"pincode_as_string", R"({"centers":[{"center_id":7,"pincode":"411027","sessions":[{)" + b + "}]}]}",
         [](const auto& v) { EXPECT_EQ(v.centers[0].pincode, 411027); }},
        {"pincode_garbage_string", R"({"centers":[{"center_id":7,"pincode":"N/A","sessions":[{)" + b + "}]}]}",
         [](const auto& v) { EXPECT_EQ(v.centers[0].pincode, 0); }},
        {"lat_long_garbage_ignored", calendar(R"("lat":"x","long":17.5,)", b),
         [](const auto& v) { EXPECT_EQ(v.sessions.size(), 1u); }},
        {"address_missing", calendar("", b), [](const auto& v) { EXPECT_EQ(materialize(v, 0).address, ""); }},
        {"vaccine_fees_missing_on_paid", R"({"centers":[{"center_id":7,"fee_type":"Paid","sessions":[{)" + b +
                                             R"(,"vaccine":"COVISHIELD"}]}]})",
         [](const auto& v) {
             EXPECT_EQ(materialize(v, 0).fee, fee_kind::paid);
             EXPECT_EQ(materialize(v, 0).fee_amount, "");
         }},
        {"vaccine_fees_after_sessions_decimal",
         R"({"centers":[{"center_id":7,"fee_type":"Paid","sessions":[{)" + b +
             R"(,"vaccine":"covaxin"}],"vaccine_fees":[{"vaccine":"COVAXIN","fee":"386.25"}]}]})",
         [](const auto& v) { EXPECT_EQ(materialize(v, 0).fee_amount, "386.25"); }},
        {"max_age_and_allow_all_age", calendar("", b + R"(,"max_age_limit":44,"allow_all_age":false)"),
         [](const auto& v) {
             EXPECT_EQ(v.sessions[0].max_age, 44);
             EXPECT_EQ(v.sessions[0].allow_all_age, tristate::no);
         }},
        {"max_age_null", calendar("", b + R"(,"max_age_limit":null,"allow_all_age":true)"),
         [](const auto& v) {
             EXPECT_EQ(v.sessions[0].max_age, -1);
             EXPECT_EQ(v.sessions[0].allow_all_age, tristate::yes);
         }},
        {"dose_fields_absent", calendar("", b),
         [](const auto& v) { EXPECT_EQ(v.sessions[0].cap, (capacities{5, capacities::unknown, capacities::unknown})); }},
        {"vaccine_empty", calendar("", b + R"(,"vaccine":"")"),
         [](const auto& v) { EXPECT_EQ(v.sessions[0].vaccine_id, vaccine::unknown); }},
        {"vaccine_any_case", calendar("", b + R"(,"vaccine":"Covishield")"),
         [](const auto& v) { EXPECT_EQ(v.sessions[0].vaccine_id, vaccine::covishield); }},
        {"vaccine_sputnik_space", calendar("", b + R"(,"vaccine":"SPUTNIK V")"),
         [](const auto& v) { EXPECT_EQ(materialize(v, 0).vaccine, "SPUTNIK V"); }},
        {"vaccine_unknown_name_kept", calendar("", b + R"(,"vaccine":"NEWVAX ")"),
         [](const auto& v) {
             EXPECT_EQ(v.sessions[0].vaccine_id, vaccine::other);
             EXPECT_EQ(materialize(v, 0).vaccine, "NEWVAX");
         }},
        {"slots_strings", calendar("", b + R"(,"slots":["09:00AM-11:00AM","11:00AM-01:00PM"])"),
         [](const auto& v) { EXPECT_EQ(materialize(v, 0).slots.size(), 2u); }},
        {"slots_objects", calendar("", b + R"(,"slots":[{"time":"09:00AM-11:00AM","seats":3,"x":[1]}])"),
         [](const auto& v) {
             EXPECT_EQ(materialize(v, 0).slots.at(0), "09:00AM-11:00AM");
             EXPECT_EQ(v.slots.at(0).seats, 3);
         }},
        {"trailing_spaces_in_names", calendar(R"("district_name":"Aurangabad ",)", b),
         [](const auto& v) {
             EXPECT_EQ(materialize(v, 0).district_name, "Aurangabad");
             EXPECT_EQ(materialize(v, 0).center_name, "C");
         }},
        {"unknown_fields_ignored", calendar(R"("new_field":{"a":[1,2,{"b":null}]},)", b + R"(,"extra":[true])"),
         [](const auto& v) { EXPECT_EQ(v.sessions.size(), 1u); }},
        {"capacity_not_sum_of_doses", calendar("", b + R"(,"available_capacity_dose1":0,"available_capacity_dose2":0)"),
         [](const auto& v) { EXPECT_EQ(v.sessions[0].cap, (capacities{5, 0, 0})); }},
        {"negative_capacity_is_zero",
         calendar("", R"("session_id":"s","date":"21-05-2021","available_capacity":-3,"min_age_limit":18,)"
                      R"("available_capacity_dose1":-1)"),
         [](const auto& v) { EXPECT_EQ(v.sessions[0].cap, (capacities{0, 0, capacities::unknown})); }},
        {"unpadded_date", calendar("", R"("session_id":"s","date":"8-6-2021","available_capacity":1,"min_age_limit":18)"),
         [](const auto& v) { EXPECT_EQ(to_iso(v.sessions[0].date), "2021-06-08"); }},
        {"empty_centers_is_valid", R"({"centers":[]})", [](const auto& v) { EXPECT_TRUE(v.sessions.empty()); }},
        {"empty_sessions_is_valid", R"({"sessions":[]})", [](const auto& v) { EXPECT_TRUE(v.sessions.empty()); }},
        {"flat_record_fee_zero_with_paid",
         R"({"sessions":[{"center_id":804791,"fee_type":"Paid","fee":"0",)" + b + R"(,"vaccine":"COVISHIELD"}]})",
         [](const auto& v) { EXPECT_EQ(materialize(v, 0).fee_amount, "0"); }},
        {"flat_record_fee_number", R"({"sessions":[{"center_id":1,"fee":780,)" + b + "}]}",
         [](const auto& v) { EXPECT_EQ(materialize(v, 0).fee_amount, "780"); }},
        {"ttl_and_other_top_level_fields", R"({"ttl":24,"centers":[],"meta":{"x":1}})",
         [](const auto& v) { EXPECT_TRUE(v.centers.empty()); }},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        const endpoint e = row.json.find("\"sessions\":[{\"center_id") != std::string::npos ||
                                   row.json == R"({"sessions":[]})"
                               ? endpoint::find
                               : endpoint::calendar;
        auto err = parser.parse(e, row.json);
        ASSERT_FALSE(err.has_value()) << err->str();
        row.check(parser.view());
    }
}

TEST_P(parser_kernels, calendar_by_center_is_one_object_without_session_ids) {
    const std::string json =
        R"({"centers":{"center_id":561234,"name":"Aundh","sessions":[)"
        R"({"date":"21-05-2021","available_capacity":3,"min_age_limit":18,"vaccine":"COVISHIELD"},)"
        R"({"date":"21-05-2021","available_capacity":0,"min_age_limit":45,"vaccine":"COVISHIELD"},)"
        R"({"date":"22-05-2021","available_capacity":1,"min_age_limit":18,"vaccine":"COVISHIELD"}]}})";
    ASSERT_FALSE(parser.parse(endpoint::calendar_by_center, json).has_value());
    const auto& v = parser.view();
    ASSERT_EQ(v.sessions.size(), 3u);
    EXPECT_NE(v.sessions[0].key, v.sessions[1].key);
    EXPECT_NE(v.sessions[0].key, v.sessions[2].key);
    // Stable: the same session gets the same key in the next response.
    const auto first = v.sessions[0].key;
    ASSERT_FALSE(parser.parse(endpoint::calendar_by_center, json).has_value());
    EXPECT_EQ(parser.view().sessions[0].key, first);
    // An array there is a wrong shape for this endpoint.
    EXPECT_TRUE(parser.parse(endpoint::calendar_by_center, R"({"centers":[]})").has_value());
}

// ---- bad bytes: an error naming what and where, and no partial snapshot ----

struct bad_row {
    const char* name;
    std::string json;
    parse_error::kind kind;
    const char* pointer;
};

TEST_P(parser_kernels, bad_bytes_are_refused_whole) {
    const std::string good = fixture("calendarByDistrict_raigad-393_2021-05-21.json");
    std::string deep = R"({"centers":[],"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
    const bad_row rows[] = {
        {"truncated", good.substr(0, good.size() / 2), parse_error::kind::syntax, nullptr},
        {"truncated_at_end", good.substr(0, good.size() - 3), parse_error::kind::syntax, nullptr},
        {"not_json", "<html>403 ERROR</html>", parse_error::kind::syntax, nullptr},
        {"empty_body", "", parse_error::kind::syntax, nullptr},
        {"invalid_utf8", calendar("", std::string(base_session) + ",\"vaccine\":\"COVI\xff\xfeLD\""),
         parse_error::kind::utf8, nullptr},
        {"string_for_capacity",
         calendar("", R"("session_id":"s","date":"21-05-2021","available_capacity":"5","min_age_limit":18)"),
         parse_error::kind::wrong_type, "/centers/0/sessions/0/available_capacity"},
        {"string_for_center_id", R"({"centers":[{"center_id":"7","sessions":[]}]})", parse_error::kind::wrong_type,
         "/centers/0/center_id"},
        {"float_for_capacity",
         calendar("", R"("session_id":"s","date":"21-05-2021","available_capacity":1.5,"min_age_limit":18)"),
         parse_error::kind::wrong_type, "/centers/0/sessions/0/available_capacity"},
        {"missing_centers", R"({"sessions":[]})", parse_error::kind::missing, "/centers"},
        {"centers_not_array", R"({"centers":{"center_id":1}})", parse_error::kind::wrong_type, "/centers"},
        {"root_not_object", R"([1,2])", parse_error::kind::wrong_type, ""},
        {"missing_capacity", calendar("", R"("session_id":"s","date":"21-05-2021","min_age_limit":18)"),
         parse_error::kind::missing, "/centers/0/sessions/0/available_capacity"},
        {"missing_date", calendar("", R"("session_id":"s","available_capacity":1,"min_age_limit":18)"),
         parse_error::kind::missing, "/centers/0/sessions/0/date"},
        {"missing_center_id", R"({"centers":[{"name":"x","sessions":[]}]})", parse_error::kind::missing,
         "/centers/0/center_id"},
        {"impossible_date", calendar("", R"("session_id":"s","date":"31-02-2021","available_capacity":1,"min_age_limit":18)"),
         parse_error::kind::bad_value, "/centers/0/sessions/0/date"},
        {"age_out_of_range", calendar("", R"("session_id":"s","date":"21-05-2021","available_capacity":1,"min_age_limit":999)"),
         parse_error::kind::bad_value, "/centers/0/sessions/0/min_age_limit"},
        {"too_deep", deep, parse_error::kind::too_deep, nullptr},
        {"trailing_content", R"({"centers":[]} {"centers":[]})", parse_error::kind::trailing, nullptr},
        {"slots_not_array", calendar("", std::string(base_session) + R"(,"slots":"09:00AM")"),
         parse_error::kind::wrong_type, "/centers/0/sessions/0/slots"},
        {"find_record_wrong_type", R"({"sessions":[{"center_id":1,"date":"21-05-2021","available_capacity":true}]})",
         parse_error::kind::wrong_type, "/sessions/0/available_capacity"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        // Parse a good response first: a failure must not leave it (or part of the bad one) behind.
        ASSERT_FALSE(parser.parse(endpoint::calendar, good).has_value());
        const endpoint e = std::string_view(row.name).starts_with("find") ? endpoint::find : endpoint::calendar;
        auto err = parser.parse(e, row.json);
        ASSERT_TRUE(err.has_value());
        EXPECT_EQ(err->what, row.kind) << err->str();
        if (row.pointer != nullptr) {
            EXPECT_EQ(err->pointer, row.pointer) << err->str();
        }
        EXPECT_FALSE(err->message.empty());
        EXPECT_TRUE(parser.view().sessions.empty());
        EXPECT_TRUE(parser.view().centers.empty());
    }
}

TEST_P(parser_kernels, size_bound_is_enforced) {
    response_parser small{1000, 32, GetParam()};
    auto err = small.parse(endpoint::calendar, fixture("calendarByDistrict_raigad-393_2021-05-21.json"));
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->what, parse_error::kind::too_large);
    EXPECT_NE(err->message.find("over the bound of 1000"), std::string::npos);
}

TEST_P(parser_kernels, padded_input_parses_without_copy) {
    std::string json = fixture("findByPin_401107_2021-07-11.json");
    const std::size_t size = json.size();
    json.append(response_parser::padding, ' ');
    ASSERT_FALSE(parser.parse_padded(endpoint::find, std::string_view(json.data(), size)).has_value());
    EXPECT_EQ(parser.view().sessions.size(), 2u);
}

}  // namespace
}  // namespace cowin::api
