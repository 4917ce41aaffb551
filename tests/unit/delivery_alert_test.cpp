// What an alert says: the webhook body of DESIGN.md §5, Telegram's escaped HTML within 4096
// characters, one SMS segment, and the outbox's stored form.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <ctime>
#include <random>
#include <set>

#include "delivery/alert.hpp"
#include "subs/index.hpp"
#include "subs/record.hpp"

namespace cowin::delivery {
namespace {

api::session_detail detail(int i, std::string name = "Aundh District Hospital") {
    api::session_detail d;
    d.center_id = 561234 + i;
    d.center_name = std::move(name);
    d.address = "Aundh";
    d.block_name = "Haveli";
    d.district_name = "Pune";
    d.state_name = "Maharashtra";
    d.pincode = 411027;
    d.fee = api::fee_kind::free;
    d.session_id = "6b1f-" + std::to_string(i);
    d.date = {2026, 11, 28};
    d.vaccine = "COVISHIELD";
    d.min_age = 18;
    d.cap = {12, 10, 2};
    d.slots = {"09:00AM-11:00AM", "11:00AM-01:00PM"};
    return d;
}

subs::alert_draft draft(int sessions, std::string name = "Aundh District Hospital") {
    subs::alert_draft d;
    d.subscription_id = "pune-30-dose1";
    d.target_id = 363;
    d.fetched_at = std::chrono::system_clock::time_point(std::chrono::seconds(1795774502));  // 2026-11-27T10:15:02Z
    d.detected_at = d.fetched_at + std::chrono::seconds(1);
    auto pool = std::make_shared<std::vector<api::session_detail>>();
    for (int i = 0; i < sessions; ++i) {
        pool->push_back(detail(i, name));
        d.sessions.push_back(static_cast<std::uint32_t>(i));
    }
    d.pool = pool;
    return d;
}

TEST(alert, webhook_body_has_the_documented_shape) {
    const std::string body = webhook_body(draft(1), 1795774503000);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(body).get(doc), simdjson::SUCCESS) << body;
    EXPECT_EQ(std::string_view(doc["type"]), "slots.opened");
    EXPECT_EQ(std::string_view(doc["timestamp"]), "2026-11-27T10:15:03Z");
    auto data = doc["data"];
    EXPECT_EQ(std::string_view(data["subscription_id"]), "pune-30-dose1");
    EXPECT_EQ(std::int64_t(data["district_id"]), 363);
    EXPECT_TRUE(data["pincode"].is_null());
    EXPECT_EQ(std::string_view(data["fetched_at"]), "2026-11-27T10:15:02Z");
    auto s = data["sessions"].at(0);
    EXPECT_EQ(std::string_view(s["date"]), "2026-11-28");
    EXPECT_EQ(std::string_view(s["fee_type"]), "Free");
    EXPECT_TRUE(s["max_age_limit"].is_null());
    EXPECT_EQ(std::int64_t(s["available_capacity_dose1"]), 10);
    EXPECT_EQ(std::string_view(s["slots"].at(1)), "11:00AM-01:00PM");
}

TEST(alert, subscribers_of_one_poll_share_its_sessions_and_other_polls_never_do) {
    auto a = draft(2);
    auto b = a;
    b.subscription_id = "pune-45";
    const auto body_a = webhook_body(a, 1);
    const auto body_b = webhook_body(b, 1);
    EXPECT_NE(body_b.find("\"pune-45\""), std::string::npos);
    EXPECT_EQ(body_a.substr(body_a.find("\"sessions\"")), body_b.substr(body_b.find("\"sessions\"")));
    // Another poll: same indices, another pool (whatever address it gets), other centres.
    for (int i = 0; i < 50; ++i) {
        auto other = draft(2, "Centre " + std::to_string(i));
        EXPECT_NE(webhook_body(other, 1).find("Centre " + std::to_string(i)), std::string::npos) << i;
    }
    auto fewer = a;
    fewer.sessions = {1};
    EXPECT_EQ(webhook_body(fewer, 1).find("\"session_id\":\"" + std::string(detail(0, "x").session_id)), std::string::npos);
}

TEST(alert, telegram_text_is_escaped) {
    const auto text = telegram_text(draft(1, "PHC <Aundh> & \"Sons\""));
    EXPECT_NE(text.find("PHC &lt;Aundh&gt; &amp; &quot;Sons&quot;"), std::string::npos) << text;
    EXPECT_EQ(text.find("<Aundh>"), std::string::npos);
}

TEST(alert, telegram_text_fits_4096_characters_and_says_how_many_more) {
    const auto text = telegram_text(draft(200, "केंद्र सामुदायिक आरोग्य केंद्र, बहुत लंबा नाम वाला अस्पताल"));
    EXPECT_LE(utf8_length(text), 4096u);
    EXPECT_NE(text.find(" more"), std::string::npos);
    EXPECT_NE(text.find("(200 sessions)"), std::string::npos);
    const auto few = telegram_text(draft(2));
    EXPECT_EQ(few.find(" more"), std::string::npos);
}

TEST(alert, sms_fits_one_segment) {
    const auto one = sms_text(draft(1));
    EXPECT_LE(one.size(), 160u);
    EXPECT_NE(one.find("12 doses at Aundh District Hospital 411027 on 28-11 COVISHIELD"), std::string::npos) << one;
    const auto many = sms_text(draft(5, std::string(300, 'x')));
    EXPECT_LE(many.size(), 160u);
    EXPECT_NE(many.find("(+4 more)"), std::string::npos) << many;
}

TEST(alert, summary_is_one_plain_line_naming_place_doses_and_the_rest) {
    const auto one = summary_text(draft(1));
    EXPECT_NE(one.find("Aundh District Hospital: 12 doses on 28-11 COVISHIELD"), std::string::npos) << one;
    EXPECT_EQ(one.find('\n'), std::string::npos);
    EXPECT_NE(summary_text(draft(3)).find("(+2 more)"), std::string::npos);
}

TEST(alert, one_alert_per_channel_sharing_one_id_and_round_tripping) {
    auto alerts = alerts_for(draft(2), subs::webhook | subs::telegram | subs::log);
    ASSERT_EQ(alerts.size(), 3u);
    EXPECT_EQ(alerts[0].id, alerts[1].id);
    EXPECT_EQ(alerts[0].via, channel::webhook);
    EXPECT_FALSE(alerts[0].body.empty());
    EXPECT_TRUE(alerts[1].body.empty());
    EXPECT_FALSE(alerts[1].text.empty());
    for (const auto& a : alerts) {
        auto back = decode(encode(a));
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(encode(*back), encode(a));
        EXPECT_EQ(back->summary, summary_text(draft(2)));
    }
    // The payload travels verbatim after the header line, newlines and quotes and all.
    alert multi = alerts[1];
    multi.text = "line one\n\"two\"\n";
    EXPECT_EQ(decode(encode(multi))->text, multi.text);
    EXPECT_EQ(encode(alerts[0]).substr(encode(alerts[0]).find('\n') + 1), alerts[0].body);
    // The earlier form (the payload as a JSON string field) is still read.
    const auto legacy = decode(R"({"id":"alt_1","channel":"webhook","sub":"s1","fetched_ms":1,"detected_ms":2,"attempt":1,)"
                               R"("body":"{\"type\":\"slots.opened\"}","summary":"x"})");
    ASSERT_TRUE(legacy.has_value());
    EXPECT_EQ(legacy->body, R"({"type":"slots.opened"})");
    EXPECT_EQ(legacy->attempt, 1);
    // A header line that is not an alert, or a payload field in the new form, is refused.
    EXPECT_FALSE(decode("{\"id\":\"a\"}\npayload").has_value());
    EXPECT_FALSE(decode("{\"id\":\"a\",\"sub\":\"s\",\"channel\":\"webhook\",\"body\":\"x\"}\npayload").has_value());
    EXPECT_FALSE(decode("\n").has_value());
    EXPECT_FALSE(decode("{}").has_value());
    EXPECT_FALSE(decode(R"({"id":"a","sub":"s","channel":"pigeon"})").has_value());
    EXPECT_FALSE(decode("not json").has_value());
    EXPECT_TRUE(alerts_for(draft(0), subs::webhook).empty());
}

// The hand-written formatter against libc's, over leap years, month ends, the epoch and year 9999.
TEST(alert, times_are_written_as_gmtime_would) {
    auto reference = [](std::int64_t ms) {
        const std::time_t secs = static_cast<std::time_t>(ms / 1000);
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char buf[64];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
        char out[80];
        std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
        return std::string(out);
    };
    std::vector<std::int64_t> cases{0, 999, 1000, 951782400000 /* 2000-02-29 */, 1709164800123 /* 2024-02-29 */,
                                    1795774502000, 1798761599999 /* 2026-12-31T23:59:59.999 */, 253402300799999};
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; ++i) cases.push_back(static_cast<std::int64_t>(rng() % 253402300800000ULL));
    for (auto ms : cases) ASSERT_EQ(subs::iso_time(ms), reference(ms)) << ms;
}

TEST(alert, ids_are_alt_and_24_hex_digits_and_differ) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = new_alert_id(1796413542347);  // all in one minute: the random part alone keeps them apart
        ASSERT_EQ(id.size(), 28u) << id;
        ASSERT_EQ(id.substr(0, 4), "alt_") << id;
        ASSERT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(alert, an_id_tells_the_minute_it_was_made_in) {
    for (std::int64_t ms : {std::int64_t{0}, std::int64_t{59999}, std::int64_t{60000}, std::int64_t{1796413542347}}) {
        EXPECT_EQ(minute_of_alert_id(new_alert_id(ms)), ms / 60000) << ms;
    }
    EXPECT_EQ(new_alert_id(1796413542347).substr(0, 12), "alt_01c8da01");  // minute 29940225
    // Anything else is no id of ours: no minute, rather than a guess.
    EXPECT_EQ(minute_of_alert_id("alt_01c8da01"), std::nullopt);
    EXPECT_EQ(minute_of_alert_id("alt_01c8da01ffffffffffffffffff"), std::nullopt);
    EXPECT_EQ(minute_of_alert_id("alt_01C8AE41ffffffffffffffff"), std::nullopt);
    EXPECT_EQ(minute_of_alert_id("evt_01c8ae41ffffffffffffffff"), std::nullopt);
    EXPECT_EQ(minute_of_alert_id(""), std::nullopt);
}

}  // namespace
}  // namespace cowin::delivery
