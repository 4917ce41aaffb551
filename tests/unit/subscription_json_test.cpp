// Subscriptions sent as JSON (the admin API's bodies) are judged by the config's own reader: every
// class of bad body gets an error naming the field; good ones read as the same subscription the YAML
// would give. Also the stored record's round trip.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config/subscription_json.hpp"
#include "subs/record.hpp"

namespace cowin::config {
namespace {

struct bad_body {
    const char* name;
    std::string body;
    const char* field;    ///< "" when the body as a whole is wrong
    const char* message;  ///< a phrase of the message
};

class bad_bodies : public ::testing::TestWithParam<bad_body> {};

TEST_P(bad_bodies, are_refused_with_the_field_and_why) {
    const auto& b = GetParam();
    auto r = read_subscription_json(b.body, false);
    ASSERT_FALSE(r.sub.has_value()) << b.name;
    ASSERT_FALSE(r.errors.empty());
    bool found = false;
    std::string all;
    for (const auto& e : r.errors) {
        all += e.path + ": " + e.message + "\n";
        found = found || (e.path == b.field && e.message.find(b.message) != std::string::npos);
    }
    EXPECT_TRUE(found) << b.name << "\n" << all;
}

std::string nested(int depth) {
    std::string s = R"({"district_id":363,"notify":{"log":true},"x":)";
    for (int i = 0; i < depth; ++i) s += "[";
    for (int i = 0; i < depth; ++i) s += "]";
    return s + "}";
}

INSTANTIATE_TEST_SUITE_P(
    admin_api, bad_bodies,
    ::testing::Values(
        bad_body{"empty", "", "", "not valid JSON"},
        bad_body{"truncated", R"({"district_id":363,"notify":{"log":true})", "", "not valid JSON"},
        bad_body{"not an object", R"([{"district_id":363}])", "", "expected a JSON object"},
        bad_body{"trailing garbage", R"({"district_id":363,"notify":{"log":true}} x)", "", "not valid JSON"},
        bad_body{"invalid UTF-8", "{\"district_id\":363,\"id\":\"\xff\xfe\",\"notify\":{\"log\":true}}", "", "not valid JSON"},
        bad_body{"nested too deep", nested(40), "", "nested deeper than"},
        bad_body{"age as a string", R"({"district_id":363,"age":"30","notify":{"log":true}})", "age", "expected an integer"},
        bad_body{"age as a fraction", R"({"district_id":363,"age":30.5,"notify":{"log":true}})", "age", "expected an integer"},
        bad_body{"age out of range", R"({"district_id":363,"age":200,"notify":{"log":true}})", "age", "between 0 and 130"},
        bad_body{"age huge", R"({"district_id":363,"age":18446744073709551615,"notify":{"log":true}})", "age", "between 0 and 130"},
        bad_body{"dose as a string", R"({"district_id":363,"dose":"1","notify":{"log":true}})", "dose", "1 or 2"},
        bad_body{"dose 3", R"({"district_id":363,"dose":3,"notify":{"log":true}})", "dose", "1 or 2"},
        bad_body{"district as a boolean", R"({"district_id":true,"notify":{"log":true}})", "district_id", "expected an integer"},
        bad_body{"district out of range", R"({"district_id":0,"notify":{"log":true}})", "district_id", "between 1 and 99999"},
        bad_body{"both district and pincode", R"({"district_id":363,"pincode":"411001","notify":{"log":true}})", "",
                 "exactly one of district_id and pincode, got both"},
        bad_body{"neither district nor pincode", R"({"notify":{"log":true}})", "", "got neither"},
        bad_body{"pincode of 5 digits", R"({"pincode":"41100","notify":{"log":true}})", "pincode", "6-digit"},
        bad_body{"pincode starting with 0", R"({"pincode":"011001","notify":{"log":true}})", "pincode", "6-digit"},
        bad_body{"pincode as a boolean", R"({"pincode":true,"notify":{"log":true}})", "pincode", "6-digit"},
        bad_body{"vaccines not a list", R"({"district_id":363,"vaccines":"COVISHIELD","notify":{"log":true}})", "vaccines",
                 "a list of vaccine names"},
        bad_body{"unknown vaccine", R"({"district_id":363,"vaccines":["COVISHEILD"],"notify":{"log":true}})", "vaccines[0]",
                 "did you mean 'COVISHIELD'"},
        bad_body{"fee type unknown", R"({"district_id":363,"fee_type":"cheap","notify":{"log":true}})", "fee_type",
                 "one of any, free, paid"},
        bad_body{"min_capacity zero", R"({"district_id":363,"min_capacity":0,"notify":{"log":true}})", "min_capacity",
                 "between 1 and 100000"},
        bad_body{"days too many", R"({"district_id":363,"days":15,"notify":{"log":true}})", "days", "between 1 and 14"},
        bad_body{"center ids not numbers", R"({"district_id":363,"center_ids":["a"],"notify":{"log":true}})", "center_ids[0]",
                 "expected an integer"},
        bad_body{"unknown field", R"({"district_id":363,"notfy":{"log":true},"notify":{"log":true}})", "notfy",
                 "unknown key 'notfy'; did you mean 'notify'"},
        bad_body{"unknown nested field", R"({"district_id":363,"notify":{"log":true,"email":"a@b"}})", "notify.email",
                 "unknown key 'email'"},
        bad_body{"duplicate key", R"({"district_id":363,"district_id":364,"notify":{"log":true}})", "district_id",
                 "duplicate key"},
        bad_body{"no channel", R"({"district_id":363,"notify":{}})", "notify", "at least one channel"},
        bad_body{"log as a string", R"({"district_id":363,"notify":{"log":"true"}})", "notify.log", "true or false"},
        bad_body{"webhook URL not http", R"({"district_id":363,"notify":{"webhook":{"url":"ftp://x","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}})",
                 "notify.webhook.url", "http:// or https://"},
        bad_body{"webhook secret missing", R"({"district_id":363,"notify":{"webhook":{"url":"http://127.0.0.1/x"}}})",
                 "notify.webhook.secret", "whsec_"},
        bad_body{"telegram chat id as text", R"({"district_id":363,"notify":{"telegram":{"chat_id":"me"}}})",
                 "notify.telegram.chat_id", "expected an integer"},
        bad_body{"sms not E.164", R"({"district_id":363,"notify":{"sms":{"to":"98123 45678"}}})", "notify.sms.to", "+"},
        bad_body{"id with a slash", R"({"id":"a/b","district_id":363,"notify":{"log":true}})", "id", "A-Z a-z 0-9"},
        bad_body{"id as a number", R"({"id":7,"district_id":363,"notify":{"log":true}})", "id", "a string"}),
    [](const ::testing::TestParamInfo<bad_body>& p) { return "body_" + std::to_string(p.index); });

TEST(subscription_json, reads_the_same_subscription_as_the_yaml) {
    auto json = read_subscription_json(
        R"({"id":"pune-30","district_id":363,"age":30,"dose":1,"vaccines":["covishield","Sputnik V"],"fee_type":"free",
            "min_capacity":2,"days":3,"center_ids":[561234],
            "notify":{"webhook":{"url":"http://127.0.0.1:9000/hooks/pune","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                      "telegram":{"chat_id":-100123},"sms":{"to":"+919812345678"},"log":true}})",
        true);
    ASSERT_TRUE(json.sub.has_value()) << json.errors.front().str();
    auto yaml = load_string(R"(
state: { backend: memory }
delivery:
  telegram: { bot_token: "123:abc" }
  sms: { twilio: { account_sid: AC1, auth_token: t, from: "+15005550006" } }
subscriptions:
  - id: pune-30
    district_id: 363
    age: 30
    dose: 1
    vaccines: [covishield, "Sputnik V"]
    fee_type: free
    min_capacity: 2
    days: 3
    center_ids: [561234]
    notify:
      webhook: { url: "http://127.0.0.1:9000/hooks/pune", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
      telegram: { chat_id: -100123 }
      sms: { to: "+919812345678" }
      log: true
)",
                            "inline.yaml");
    ASSERT_TRUE(yaml.cfg.has_value()) << yaml.diag.errors.front().str();
    const subs::record a{*json.sub, subs::origin::api, 1, 2, true, {}};
    const subs::record b{yaml.cfg->subscriptions.at(0), subs::origin::api, 1, 2, true, {}};
    EXPECT_EQ(subs::to_json(a, subs::secrets::reveal), subs::to_json(b, subs::secrets::reveal));
    EXPECT_EQ(json.sub->vaccines, (std::vector<std::string>{"COVISHIELD", "SPUTNIK V"}));
}

TEST(subscription_json, the_id_is_optional_only_where_asked) {
    const std::string body = R"({"pincode":411001,"notify":{"log":true}})";
    EXPECT_TRUE(read_subscription_json(body, false).sub.has_value());
    auto r = read_subscription_json(body, true);
    ASSERT_FALSE(r.sub.has_value());
    EXPECT_EQ(r.errors.front().path, "id");
}

TEST(record, round_trips_through_its_stored_form) {
    auto parsed = read_subscription_json(
        R"({"id":"x","pincode":"411001","age":45,"vaccines":["COVAXIN"],"center_ids":[1,2],
            "notify":{"webhook":{"url":"https://example.org/h","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},"sms":{"to":"+919812345678"}}})",
        true);
    ASSERT_TRUE(parsed.sub.has_value());
    subs::record r{*parsed.sub, subs::origin::config, 1700000000123, 1700000000999, false, "webhook answered 410 Gone"};
    const std::string stored = subs::to_json(r, subs::secrets::reveal);
    auto back = subs::from_json(stored);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(subs::to_json(*back, subs::secrets::reveal), stored);
    EXPECT_EQ(back->inactive_reason, "webhook answered 410 Gone");
    const std::string served = subs::to_json(r, subs::secrets::redact);
    EXPECT_EQ(served.find("MfKQ9r8"), std::string::npos) << served;
    EXPECT_NE(served.find("\"created_at\":\"2023-11-14T22:13:20.123Z\""), std::string::npos) << served;
}

TEST(record, refuses_what_it_did_not_write) {
    EXPECT_FALSE(subs::from_json("").has_value());
    EXPECT_FALSE(subs::from_json("{}").has_value());
    EXPECT_FALSE(subs::from_json(R"({"id":"x","district_id":"363","notify":{"log":true}})").has_value());
    EXPECT_FALSE(subs::from_json(R"({"id":"x","district_id":363,"notify":{}})").has_value());
    EXPECT_TRUE(subs::from_json(R"({"id":"x","district_id":363,"notify":{"log":true}})").has_value());
}

}  // namespace
}  // namespace cowin::config
