// cowin-sandbox over real HTTP on loopback: every CoWIN endpoint parses with our parser, CoWIN's
// behaviour (rate limit, User-Agent, CDN cache, gzip, faults), the delivery fakes and the control API.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <sys/socket.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>
#include <fstream>
#include <sstream>

#include "cowin/parser.hpp"
#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/dates.hpp"
#include "support/process.hpp"
#include "support/tls_files.hpp"
#include "support/http_client.hpp"
#include "util/base64.hpp"
#include "webhook/signature.hpp"

namespace cowin {
namespace {

using test::background_process;
using test::http_client;
using test::sandbox_command;

std::string today() { return test::india_today(); }

const std::string browser = "Mozilla/5.0 (X11; Linux x86_64) cowin-notifier-test";
const std::map<std::string, std::string> ua{{"user-agent", browser}};

std::string calendar_target(const std::string& endpoint, const std::string& param) {
    return "/api/v2/appointment/sessions/public/" + endpoint + "?" + param + "&date=" + today();
}

simdjson::dom::element json(simdjson::dom::parser& p, const std::string& body) { return p.parse(body).value(); }

class sandbox : public ::testing::Test {
protected:
    background_process proc{sandbox_command({"--districts", "363", "--centres-per-district", "30"}), "listening on"};
    http_client client{"127.0.0.1", proc.port()};
    api::response_parser parser;
    simdjson::dom::parser dom;
};

TEST_F(sandbox, every_cowin_endpoint_has_the_shape_our_parser_accepts) {
    auto cal = client.get(calendar_target("calendarByDistrict", "district_id=363"), ua);
    ASSERT_EQ(cal.status, 200) << cal.body;
    ASSERT_FALSE(parser.parse(api::endpoint::calendar, cal.body)) << parser.parse(api::endpoint::calendar, cal.body)->str();
    ASSERT_GT(parser.view().sessions.size(), 0u);
    EXPECT_EQ(parser.view().centers.size(), 30u);
    const std::int32_t pincode = parser.view().centers[0].pincode;
    const std::int64_t center = parser.view().centers[0].center_id;
    for (const auto& s : parser.view().sessions) EXPECT_FALSE(s.session_id.empty());
    // pincode is served as a number, as real CoWIN does
    EXPECT_NE(cal.body.find("\"pincode\":" + std::to_string(pincode)), std::string::npos);

    auto pin = client.get(calendar_target("calendarByPin", "pincode=" + std::to_string(pincode)), ua);
    ASSERT_EQ(pin.status, 200);
    ASSERT_FALSE(parser.parse(api::endpoint::calendar, pin.body));
    for (const auto& c : parser.view().centers) EXPECT_EQ(c.pincode, pincode);

    auto by_center = client.get(calendar_target("calendarByCenter", "center_id=" + std::to_string(center)), ua);
    ASSERT_EQ(by_center.status, 200);
    ASSERT_FALSE(parser.parse(api::endpoint::calendar_by_center, by_center.body));
    EXPECT_EQ(by_center.body.find("session_id"), std::string::npos);

    for (auto [endpoint, param] : {std::pair<std::string, std::string>{"findByDistrict", "district_id=363"},
                                   std::pair<std::string, std::string>{"findByPin", "pincode=" + std::to_string(pincode)}}) {
        auto find = client.get(calendar_target(endpoint, param), ua);
        ASSERT_EQ(find.status, 200);
        ASSERT_FALSE(parser.parse(api::endpoint::find, find.body)) << endpoint;
        EXPECT_EQ(find.body.rfind("{\"sessions\":[", 0), 0u);
    }

    std::vector<api::state> states;
    auto st = client.get("/api/v2/admin/location/states", ua);
    ASSERT_FALSE(parser.parse_states(st.body, states));
    EXPECT_EQ(states.size(), 37u);
    std::vector<api::district> districts;
    auto di = client.get("/api/v2/admin/location/districts/21", ua);
    ASSERT_FALSE(parser.parse_districts(di.body, districts));
    EXPECT_GT(districts.size(), 30u);
}

TEST_F(sandbox, bad_parameters_answer_like_cowin) {
    auto pin = client.get(calendar_target("calendarByPin", "pincode=12345"), ua);
    EXPECT_EQ(pin.status, 400);
    EXPECT_EQ(pin.body, R"({"errorCode":"APPOIN0018","error":"Invalid Pincode"})");
    auto missing = client.get("/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363", ua);
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.body, R"({"errorCode":"USRRES0001","error":"Input parameter missing"})");
    auto bad_date = client.get("/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363&date=32-13-2021", ua);
    EXPECT_EQ(bad_date.status, 400);
}

TEST_F(sandbox, an_opened_session_shows_up_and_can_be_changed_and_closed) {
    auto opened = client.request("POST", "/sandbox/v1/sessions/open",
                                 R"({"district_id":363,"count":2,"capacity":10,"dose":1,"min_age_limit":18,"vaccine":"COVISHIELD","fee_type":"Free"})");
    ASSERT_EQ(opened.status, 200) << opened.body;
    auto doc = json(dom, opened.body);
    ASSERT_EQ(doc["sessions"].get_array().size(), 2u);
    const std::string id(doc["sessions"].at(0)["session_id"].get_string().value());

    auto find_session = [&](std::string_view session_id) -> std::optional<api::capacities> {
        auto cal = client.get(calendar_target("calendarByDistrict", "district_id=363"), ua);
        EXPECT_FALSE(parser.parse(api::endpoint::calendar, cal.body));
        for (const auto& s : parser.view().sessions) {
            if (s.session_id == session_id) return s.cap;
        }
        return std::nullopt;
    };
    EXPECT_EQ(find_session(id), (api::capacities{10, 10, 0}));
    ASSERT_EQ(client.request("PATCH", "/sandbox/v1/sessions/" + id, R"({"available_capacity_dose1":3})").status, 200);
    EXPECT_EQ(find_session(id), (api::capacities{3, 3, 0}));
    ASSERT_EQ(client.request("POST", "/sandbox/v1/sessions/" + id + "/close").status, 200);
    EXPECT_EQ(find_session(id), (api::capacities{0, 0, 0}));
}

TEST_F(sandbox, bad_control_requests_get_400_with_a_json_error) {
    struct row {
        const char* method;
        const char* target;
        const char* body;
        int status;
    };
    const row rows[] = {
        {"POST", "/sandbox/v1/sessions/open", "{not json", 400},
        {"POST", "/sandbox/v1/sessions/open", R"({"district_id":"363"})", 400},
        {"POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"colour":"red"})", 400},
        {"POST", "/sandbox/v1/sessions/open", R"({"district_id":99999})", 400},
        {"POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"count":0})", 400},
        {"POST", "/sandbox/v1/sessions/open", R"({"count":1})", 400},
        {"PATCH", "/sandbox/v1/sessions/no-such-session", R"({"available_capacity_dose1":1})", 404},
        {"PATCH", "/sandbox/v1/sessions/x", R"({"available_capacity_dose1":"many"})", 400},
        {"POST", "/sandbox/v1/faults", R"({"endpoint":"calendarByDistrict","mode":"explode"})", 400},
        {"POST", "/sandbox/v1/faults", R"({"endpoint":"nowhere","mode":"http500"})", 400},
        {"POST", "/sandbox/v1/faults", R"({"endpoint":"calendarByDistrict","mode":"slow","delay":"soon"})", 400},
        {"PUT", "/sandbox/v1/hooks/a", R"({"secret":"plain"})", 400},
        {"PUT", "/sandbox/v1/hooks/a", R"({"script":[200,"ok"]})", 400},
        {"PUT", "/sandbox/v1/hooks/a", R"({"script":[999]})", 400},
        {"PUT", "/sandbox/v1/telegram/chats/abc", R"({"blocked":true})", 400},
        {"PUT", "/sandbox/v1/telegram/chats/5", R"({"blocked":"yes"})", 400},
        {"POST", "/sandbox/v1/telegram/storm", R"({"count":0})", 400},
        {"POST", "/sandbox/v1/telegram/storm", R"({"retry_after":2})", 400},
        {"POST", "/sandbox/v1/telegram/storm", R"({"count":5,"retry_after":0})", 400},
        {"POST", "/sandbox/v1/churn", R"({})", 400},
        {"POST", "/sandbox/v1/churn", R"({"paused":"yes"})", 400},
        {"GET", "/sandbox/v1/nothing-here", "", 404},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(std::string(r.method) + " " + r.target + " " + r.body);
        auto a = client.request(r.method, r.target, r.body);
        EXPECT_EQ(a.status, r.status) << a.body;
        EXPECT_EQ(a.header("content-type"), "application/json");
        EXPECT_TRUE(json(dom, a.body)["error"].is_string()) << a.body;
    }
}

TEST_F(sandbox, each_fault_mode_answers_as_scripted_then_recovers) {
    const std::string target = calendar_target("calendarByDistrict", "district_id=363");
    auto fault = [&](const std::string& body) { ASSERT_EQ(client.request("POST", "/sandbox/v1/faults", body).status, 200); };
    fault(R"({"endpoint":"calendarByDistrict","mode":"http500","count":2})");
    EXPECT_EQ(client.get(target, ua).status, 500);
    EXPECT_EQ(client.get(target, ua).status, 500);
    EXPECT_EQ(client.get(target, ua).status, 200);
    fault(R"({"endpoint":"calendarByDistrict","mode":"http401"})");
    auto unauth = client.get(target, ua);
    EXPECT_EQ(unauth.status, 401);
    EXPECT_NE(unauth.body.find("Unauthenticated access!"), std::string::npos);
    fault(R"({"endpoint":"calendarByDistrict","mode":"truncated"})");
    auto truncated = client.get(target, ua);
    EXPECT_EQ(truncated.status, 200);
    EXPECT_TRUE(parser.parse(api::endpoint::calendar, truncated.body).has_value());
    fault(R"({"endpoint":"calendarByDistrict","mode":"invalid"})");
    auto invalid = client.get(target, ua);
    EXPECT_TRUE(parser.parse(api::endpoint::calendar, invalid.body).has_value());
    fault(R"({"endpoint":"calendarByDistrict","mode":"slow","delay":"300ms"})");
    auto slow = client.get(target, ua);
    EXPECT_EQ(slow.status, 200);
    EXPECT_FALSE(parser.parse(api::endpoint::calendar, slow.body).has_value());
    fault(R"({"endpoint":"calendarByDistrict","mode":"stall"})");
    http_client impatient("127.0.0.1", proc.port(), std::chrono::milliseconds(500));
    auto stalled = impatient.get(target, ua);
    EXPECT_EQ(stalled.status, 0);
    EXPECT_FALSE(stalled.error.empty());
    EXPECT_EQ(client.get(target, ua).status, 200);
    fault(R"({"endpoint":"calendarByDistrict","mode":"http429","delay":"7s"})");
    auto limited = client.get(target, ua);
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("retry-after"), "7");
    fault(R"({"endpoint":"calendarByDistrict","mode":"wrong_types"})");
    auto wrong = client.get(target, ua);
    EXPECT_EQ(wrong.status, 200);
    EXPECT_TRUE(parser.parse(api::endpoint::calendar, wrong.body).has_value());
    // Reset: the head with the full Content-Length, half the body, then RST (read raw: a client
    // library may quietly try again).
    fault(R"({"endpoint":"calendarByDistrict","mode":"reset"})");
    {
        const int fd = test::connect_loopback(proc.port());
        ASSERT_GE(fd, 0);
        const std::string get = "GET " + target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: " + browser + "\r\n\r\n";
        ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
        std::string got;
        char buf[65536];
        ssize_t n = 0;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
        const int err = errno;
        ::close(fd);
        EXPECT_EQ(n, -1);
        EXPECT_EQ(err, ECONNRESET);
        const auto head_end = got.find("\r\n\r\n");
        ASSERT_NE(head_end, std::string::npos);
        const auto length = std::stoul(got.substr(got.find("Content-Length: ") + 16));
        EXPECT_LT(got.size() - head_end - 4, length);
    }
    EXPECT_EQ(client.get(target, ua).status, 200);
    auto stats = json(dom, client.get("/sandbox/v1/stats").body);
    EXPECT_EQ(stats["calls"]["calendarByDistrict"]["500"].get_int64().value(), 2);
    EXPECT_EQ(stats["rejections"]["fault"].get_int64().value(), 10);
}

TEST_F(sandbox, gzip_when_asked) {
    const std::string target = calendar_target("calendarByDistrict", "district_id=363");
    auto plain = client.get(target, ua);
    auto zipped = client.get(target, {{"user-agent", browser}, {"accept-encoding", "gzip, deflate"}});
    EXPECT_EQ(zipped.header("content-encoding"), "gzip");
    EXPECT_LT(zipped.body.size(), plain.body.size());
    EXPECT_EQ(test::gunzip(zipped.body), plain.body);
}

TEST(sandbox_limits, the_101st_call_in_5_minutes_gets_cloudfronts_403_and_control_calls_do_not_count) {
    background_process proc(sandbox_command({"--centres-per-district", "3"}), "listening on");
    http_client client("127.0.0.1", proc.port());
    const std::string target = calendar_target("calendarByDistrict", "district_id=363");
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(client.get(target, ua).status, 200) << i;
        if (i % 10 == 0) {
            ASSERT_EQ(client.get("/sandbox/v1/stats").status, 200);
        }
    }
    auto blocked = client.get(target, ua);
    EXPECT_EQ(blocked.status, 403);
    EXPECT_EQ(blocked.header("content-type"), "text/html");
    std::ifstream page(std::string(COWIN_FIXTURES_DIR) + "/cowin/error_403_cloudfront_blocked.html");
    std::stringstream expected;
    expected << page.rdbuf();
    EXPECT_EQ(blocked.body, expected.str());
    simdjson::dom::parser dom;
    auto stats = dom.parse(client.get("/sandbox/v1/stats").body).value();
    EXPECT_EQ(stats["rejections"]["rate_limit"].get_int64().value(), 1);
    EXPECT_EQ(stats["calls"]["calendarByDistrict"]["200"].get_int64().value(), 100);
}

TEST(sandbox_limits, blocked_status_429_carries_retry_after) {
    background_process proc(sandbox_command({"--rate-limit", "3/1h", "--blocked-status", "429"}), "listening on");
    http_client client("127.0.0.1", proc.port());
    const std::string target = calendar_target("calendarByDistrict", "district_id=393");
    for (int i = 0; i < 3; ++i) ASSERT_EQ(client.get(target, ua).status, 200);
    auto limited = client.get(target, ua);
    EXPECT_EQ(limited.status, 429);
    EXPECT_GT(std::stoi(limited.header("retry-after")), 3000);
}

TEST(sandbox_limits, require_user_agent_refuses_non_browsers) {
    background_process proc(sandbox_command({"--require-user-agent"}), "listening on");
    http_client client("127.0.0.1", proc.port());
    const std::string target = calendar_target("calendarByDistrict", "district_id=393");
    EXPECT_EQ(client.get(target).status, 403);
    EXPECT_EQ(client.get(target, {{"user-agent", "python-requests/2.25"}}).status, 403);
    EXPECT_EQ(client.get(target, ua).status, 200);
}

TEST(sandbox_limits, cache_ttl_serves_identical_bytes_with_an_age) {
    background_process proc(sandbox_command({"--cache-ttl", "1h", "--centres-per-district", "5"}), "listening on");
    http_client client("127.0.0.1", proc.port());
    const std::string target = calendar_target("calendarByDistrict", "district_id=393");
    auto first = client.get(target, ua);
    // The district changes, but the CDN keeps serving what it has.
    auto opened = client.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":393,"capacity":50})");
    ASSERT_EQ(opened.status, 200);
    auto second = client.get(target, ua);
    EXPECT_EQ(first.header("x-cache"), "Miss from cloudfront");
    EXPECT_EQ(second.header("x-cache"), "Hit from cloudfront");
    EXPECT_FALSE(second.header("age").empty());
    EXPECT_EQ(second.body, first.body);
    // Another date is another cache entry, fresh.
    auto other = client.get("/api/v2/appointment/sessions/public/calendarByDistrict?district_id=393&date=01-01-2030", ua);
    EXPECT_EQ(other.header("x-cache"), "Miss from cloudfront");
}

TEST_F(sandbox, telegram_limits_and_errors) {
    const std::string send = "/telegram/bot123:abc/sendMessage";
    auto msg = [&](std::int64_t chat, const std::string& text, const std::string& mode = "HTML") {
        simdjson::dom::parser p;
        std::string body = R"({"chat_id":)" + std::to_string(chat) + R"(,"text":")" + text + R"(","parse_mode":")" + mode + "\"}";
        return client.request("POST", send, body);
    };
    auto ok = msg(1, "<b>slots</b> open &amp; waiting");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_TRUE(json(dom, ok.body)["ok"].get_bool().value());
    // One chat, twice within a second: 429 with retry_after.
    auto again = msg(1, "again");
    EXPECT_EQ(again.status, 429);
    auto err = json(dom, again.body);
    EXPECT_FALSE(err["ok"].get_bool().value());
    EXPECT_EQ(err["error_code"].get_int64().value(), 429);
    EXPECT_GE(err["parameters"]["retry_after"].get_int64().value(), 1);
    // 30 per second per bot: of 40 quick messages to distinct chats some are refused.
    int refused = 0;
    for (int chat = 100; chat < 140; ++chat) refused += msg(chat, "hello").status == 429;
    EXPECT_GT(refused, 0);
    ASSERT_EQ(client.request("PUT", "/sandbox/v1/telegram/chats/7", R"({"blocked":true})").status, 200);
    auto blocked = msg(7, "hi");
    EXPECT_EQ(blocked.status, 403);
    EXPECT_EQ(std::string(json(dom, blocked.body)["description"].get_string().value()), "Forbidden: bot was blocked by the user");
    EXPECT_EQ(msg(8, std::string(4097, 'x')).status, 400);
    auto entities = msg(9, "<script>x</script> & more");
    EXPECT_EQ(entities.status, 400);
    EXPECT_NE(entities.body.find("can't parse entities"), std::string::npos);
    // A storm: the next two get 429 with the given retry_after, whatever the rate, then all is well.
    ASSERT_EQ(client.request("POST", "/sandbox/v1/telegram/storm", R"({"count":2,"retry_after":3})").status, 200);
    for (int chat : {300, 301}) {
        auto stormy = msg(chat, "hi");
        EXPECT_EQ(stormy.status, 429);
        EXPECT_EQ(json(dom, stormy.body)["parameters"]["retry_after"].get_int64().value(), 3);
    }
    auto got = json(dom, client.get("/sandbox/v1/telegram/messages").body);
    EXPECT_EQ(std::string(got["messages"].at(0)["text"].get_string().value()), "<b>slots</b> open &amp; waiting");
    EXPECT_GT(got["rejected_429"].get_int64().value(), 0);
    EXPECT_EQ(got["storm_429"].get_int64().value(), 2);
}

TEST_F(sandbox, twilio_and_msg91_shapes) {
    const std::string auth = "Basic " + util::base64_encode("AC123:secret");
    std::map<std::string, std::string> form{{"authorization", auth}, {"content-type", "application/x-www-form-urlencoded"}};
    const std::string path = "/twilio/2010-04-01/Accounts/AC123/Messages.json";
    auto sent = client.request("POST", path, "To=%2B919812345678&From=%2B15005550006&Body=Slots+open", form);
    EXPECT_EQ(sent.status, 201) << sent.body;
    EXPECT_EQ(std::string(json(dom, sent.body)["status"].get_string().value()), "queued");
    auto bad_to = client.request("POST", path, "To=9812345678&From=%2B15005550006&Body=x", form);
    EXPECT_EQ(bad_to.status, 400);
    EXPECT_EQ(json(dom, bad_to.body)["code"].get_int64().value(), 21211);
    auto no_auth = client.request("POST", path, "To=%2B919812345678&From=%2B1&Body=x",
                                  {{"content-type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(no_auth.status, 401);
    EXPECT_EQ(json(dom, no_auth.body)["code"].get_int64().value(), 20003);

    auto flow = client.request("POST", "/msg91/api/v5/flow",
                               R"({"template_id":"t1","recipients":[{"mobiles":"919812345678","VAR1":"Pune"}]})",
                               {{"authkey", "k"}, {"content-type", "application/json"}});
    EXPECT_EQ(flow.status, 200);
    EXPECT_EQ(std::string(json(dom, flow.body)["type"].get_string().value()), "success");
    auto no_key = client.request("POST", "/msg91/api/v5/flow", R"({"template_id":"t1","recipients":[]})");
    EXPECT_EQ(no_key.status, 401);
    auto sms = json(dom, client.get("/sandbox/v1/sms/messages").body);
    ASSERT_EQ(sms["messages"].get_array().size(), 2u);
    EXPECT_EQ(std::string(sms["messages"].at(0)["to"].get_string().value()), "+919812345678");
    EXPECT_EQ(std::string(sms["messages"].at(1)["provider"].get_string().value()), "msg91");
}

TEST_F(sandbox, webhook_receiver_verifies_signatures_and_follows_its_script) {
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    ASSERT_EQ(client.request("PUT", "/sandbox/v1/hooks/pune", R"({"secret":")" + secret + R"(","script":[500,503,200]})").status, 200);
    const auto key = *webhook::decode_secret(secret);
    const std::string body = R"({"type":"slots.opened"})";
    auto post = [&](const std::string& signature_body) {
        const std::int64_t ts = std::time(nullptr);
        return client.request("POST", "/hooks/pune", body,
                              {{"content-type", "application/json"}, {"webhook-id", "msg_1"},
                               {"webhook-timestamp", std::to_string(ts)},
                               {"webhook-signature", webhook::sign(key, "msg_1", ts, signature_body)}});
    };
    EXPECT_EQ(post(body).status, 500);
    auto second = post(body);
    EXPECT_EQ(second.status, 503);
    EXPECT_EQ(second.header("retry-after"), "1");
    EXPECT_EQ(post(R"({"type":"tampered"})").status, 200);
    auto got = json(dom, client.get("/sandbox/v1/hooks/pune").body);
    auto deliveries = got["deliveries"].get_array().value();
    ASSERT_EQ(deliveries.size(), 3u);
    EXPECT_TRUE(deliveries.at(0)["verified"].get_bool().value());
    EXPECT_TRUE(deliveries.at(1)["verified"].get_bool().value());
    EXPECT_FALSE(deliveries.at(2)["verified"].get_bool().value());
    EXPECT_EQ(std::string(deliveries.at(0)["webhook_id"].get_string().value()), "msg_1");
}

TEST_F(sandbox, reset_forgets_everything) {
    client.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":363})");
    client.get(calendar_target("calendarByDistrict", "district_id=363"), ua);
    ASSERT_EQ(client.request("POST", "/sandbox/v1/reset").status, 200);
    auto stats = json(dom, client.get("/sandbox/v1/stats").body);
    EXPECT_EQ(stats["total_calls"].get_int64().value(), 0);
}

TEST(sandbox_process, help_documents_every_flag_and_sigterm_stops_it) {
    auto help = test::run_process({COWIN_SANDBOX_BIN, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (const char* flag : {"--listen", "--seed", "--districts", "--centres-per-district", "--rate-limit",
                             "--blocked-status", "--require-user-agent", "--cache-ttl", "--data", "--data-dir", "--tls-cert",
                             "--tls-key", "--churn"}) {
        EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
    }
    auto bad = test::run_process({COWIN_SANDBOX_BIN, "--blocked-status", "500"});
    EXPECT_EQ(bad.exit_code, 2);
    background_process proc(sandbox_command(), "listening on");
    EXPECT_EQ(proc.stop(), 0);
}

}  // namespace
}  // namespace cowin

namespace cowin {
namespace {

TEST(sandbox_dynamic, churn_opens_sessions_on_its_own) {
    test::background_process proc(test::sandbox_command({"--districts", "363", "--centres-per-district", "10",
                                                         "--churn", "600"}),
                                  "listening on");
    test::http_client client("127.0.0.1", proc.port());
    api::response_parser parser;
    const std::string target = calendar_target("calendarByDistrict", "district_id=363");
    ASSERT_FALSE(parser.parse(api::endpoint::calendar, client.get(target, ua).body));
    const std::size_t before = parser.view().sessions.size();
    // 10 openings per second: poll until some have happened (bounded, so a broken churn fails).
    std::size_t after = before;
    for (int i = 0; i < 100 && after == before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ASSERT_FALSE(parser.parse(api::endpoint::calendar, client.get(target, ua).body));
        after = parser.view().sessions.size();
    }
    EXPECT_GT(after, before);
}

TEST(sandbox_concurrency, many_keep_alive_connections_at_once) {
    test::background_process proc(test::sandbox_command({"--centres-per-district", "2", "--rate-limit", "1000/5m"}), "listening on");
    std::vector<std::unique_ptr<test::http_client>> clients;
    for (int i = 0; i < 200; ++i) {
        clients.push_back(std::make_unique<test::http_client>("127.0.0.1", proc.port()));
        ASSERT_EQ(clients.back()->get("/sandbox/v1/stats").status, 200) << i;
    }
    // Every connection is still open and served.
    for (auto& c : clients) ASSERT_EQ(c->get("/api/v2/admin/location/states", ua).status, 200);
}

TEST(sandbox_tls, serves_https_with_the_given_certificate) {
    test::tls_files tls;
    test::background_process proc(test::sandbox_command({"--tls-cert", tls.path("server.pem"), "--tls-key",
                                                         tls.path("server.key")}),
                                  "listening on https://");
    const std::string url = "https://127.0.0.1:" + std::to_string(proc.port()) + "/api/v2/admin/location/states";
    auto trusted = test::run_process({"/usr/bin/curl", "-sS", "--cacert", tls.path("ca.pem"), "-A", browser, url});
    EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
    EXPECT_NE(trusted.out.find("\"states\""), std::string::npos);
    auto untrusted = test::run_process({"/usr/bin/curl", "-sS", "-A", browser, url});
    EXPECT_NE(untrusted.exit_code, 0);
}

}  // namespace
}  // namespace cowin

namespace cowin {
namespace {

TEST(sandbox_data, serves_a_recorded_calendar_as_it_is) {
    const std::string raigad = std::string(COWIN_FIXTURES_DIR) + "/cowin/calendarByDistrict_raigad-393_2021-05-21.json";
    test::background_process proc(test::sandbox_command({"--data", raigad}), "listening on");
    test::http_client client("127.0.0.1", proc.port());
    api::response_parser parser;
    auto cal = client.get("/api/v2/appointment/sessions/public/calendarByDistrict?district_id=393&date=21-05-2021", ua);
    ASSERT_FALSE(parser.parse(api::endpoint::calendar, cal.body));
    // 21-05 to 27-05 holds every session of the recording (it covers 21 to 24 May).
    EXPECT_EQ(parser.view().sessions.size(), 666u);
    EXPECT_EQ(parser.view().centers.size(), 200u);
    auto bad = test::run_process({COWIN_SANDBOX_BIN, "--data", std::string(COWIN_FIXTURES_DIR) + "/cowin/error_403_cloudfront_blocked.html"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("not a calendar response"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace cowin
