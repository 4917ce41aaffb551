// The daemon's poll loop against cowin-sandbox (memory state backend): the right calls, inside the
// budget, noticing a session that opens, pausing on a block, and dropping broken answers whole.
#include <gtest/gtest.h>

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/background.hpp"
#include "support/daemon_config.hpp"
#include "support/temp_dir.hpp"
#include "support/dates.hpp"
#include "support/http_client.hpp"
#include "support/prometheus.hpp"
#include "support/tls_files.hpp"

namespace cowin {
namespace {

using test::background_process;

using test::temp_dir;

std::string config(const std::string& base_url, const std::string& districts, const std::string& extra_cowin = "",
                   const std::string& rate = "{ calls: 30, period: 10s }", const std::string& min_interval = "1s") {
    return "cowin:\n  base_url: " + base_url + "\n  user_agent: \"Mozilla/5.0 cowin-notifier-test\"\n  rate_limit: " + rate +
           "\n" + extra_cowin + "poll:\n  min_interval: " + min_interval + "\n  districts: [" + districts +
           "]\nstate:\n  backend: memory\nadmin:\n  listen: 127.0.0.1:0\n  token: t\nlog:\n  level: debug\n";
}

std::vector<std::string> daemon(const std::string& config_path) { return {COWIN_NOTIFIER_BIN, "--config", config_path}; }

simdjson::dom::element stats(test::http_client& c, simdjson::dom::parser& p) { return p.parse(c.get("/sandbox/v1/stats").body).value(); }

TEST(poller, polls_every_district_inside_the_budget_and_notices_an_opening) {
    background_process sandbox(test::sandbox_command({"--require-user-agent", "--centres-per-district", "5", "--rate-limit", "30/10s"}),
                               "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    temp_dir dir;
    std::string districts;
    for (int d = 363; d < 403; ++d) districts += (districts.empty() ? "" : ",") + std::to_string(d);  // 40 districts
    const std::string base = "http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api";
    background_process notifier(daemon(dir.write("c.yaml", config(base, districts))), "starting:", dir.file("log"));

    ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
    auto opened = control.request("POST", "/sandbox/v1/sessions/open", R"({"district_id":363,"capacity":7})");
    simdjson::dom::parser p;
    const std::string session_id(p.parse(opened.body)["sessions"].at(0)["session_id"].get_string().value());
    EXPECT_TRUE(notifier.wait_for_output("appeared [" + session_id + "]", std::chrono::seconds(60))) << notifier.output();
    std::this_thread::sleep_for(std::chrono::seconds(40));  // a 60 s run in all
    EXPECT_EQ(notifier.stop(), 0);

    auto s = stats(control, p);
    EXPECT_TRUE(s["rejections"]["rate_limit"].error()) << "rate-limit rejections";
    EXPECT_TRUE(s["rejections"]["user_agent"].error()) << "User-Agent rejections";
    const std::string last(s["last_request"]["calendarByDistrict"]["target"].get_string().value());
    EXPECT_NE(last.find("date=" + test::india_today()), std::string::npos) << last;
    EXPECT_EQ(std::string(s["last_request"]["calendarByDistrict"]["user_agent"].get_string().value()),
              "Mozilla/5.0 cowin-notifier-test");
    std::vector<double> times;
    std::size_t districts_served = 0;
    simdjson::dom::object served_by_district = s["served"].get_object().value();
    for (auto [district, served] : served_by_district) {
        ++districts_served;
        simdjson::dom::array served_times = served.get_array().value();
        for (auto t : served_times) times.push_back(t.get_double().value());
    }
    EXPECT_EQ(districts_served, 40u);
    std::sort(times.begin(), times.end());
    std::size_t worst = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
        worst = std::max<std::size_t>(worst, std::upper_bound(times.begin(), times.end(), times[i] + 10.0 - 1e-9) - times.begin() - i);
    }
    EXPECT_LE(worst, 30u);
    EXPECT_GE(times.size(), 100u);  // and the budget is spent, not wasted
}

TEST(poller, a_block_pauses_every_call) {
    background_process sandbox(test::sandbox_command({"--rate-limit", "4/1h", "--centres-per-district", "2"}), "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    temp_dir dir;
    const std::string base = "http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api";
    background_process notifier(daemon(dir.write("c.yaml", config(base, "363,395", "  block_backoff: 1h\n  block_backoff_max: 2h\n"))),
                                "starting:", dir.file("log"));
    ASSERT_TRUE(notifier.wait_for_output("CoWIN blocked the poll")) << notifier.output();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    simdjson::dom::parser p;
    auto s = stats(control, p);
    EXPECT_EQ(s["total_calls"].get_int64().value(), 5);  // 4 answered, 1 refused, then silence
    EXPECT_NE(notifier.output().find("pausing every call for 1h"), std::string::npos);
    // The pause shows in the metrics, as operators alert on it.
    const std::string out = notifier.output();
    const auto port = test::admin_port(notifier);
    ASSERT_NE(port, 0) << out;
    test::http_client admin("127.0.0.1", port);
    const auto metrics = test::parse_prometheus(admin.get("/metrics").body);
    EXPECT_TRUE(metrics.problems.empty());
    EXPECT_EQ(metrics.samples.at("cowin_notifier_cowin_blocked_seconds_total"), 3600);
}

TEST(poller, broken_answers_are_dropped_whole_and_the_snapshot_stays) {
    background_process sandbox(test::sandbox_command({"--centres-per-district", "3"}), "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    temp_dir dir;
    const std::string base = "http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api";
    background_process notifier(daemon(dir.write("c.yaml", config(base, "363", "  timeout: 1s\n"))), "starting:", dir.file("log"));
    ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
    auto count = [&](const std::string& text) { return notifier.count_output(text); };
    // One fault at a time: each is seen, then the next good answer is byte-identical to the stored
    // snapshot ("unchanged"): nothing was stored from the broken one, and no transition was raised.
    const std::pair<const char*, const char*> faults[] = {{"truncated", "unparsable response dropped"},
                                                          {"invalid", "unparsable response dropped"},
                                                          {"http500", ": http 500,"},
                                                          {"http401", "http 401 Unauthenticated"},
                                                          {"stall", "timed out"}};
    for (auto [mode, evidence] : faults) {
        SCOPED_TRACE(mode);
        const std::size_t seen = count(evidence), unchanged = count("poll district 363: unchanged");
        ASSERT_EQ(control.request("POST", "/sandbox/v1/faults",
                                  std::string(R"({"endpoint":"calendarByDistrict","mode":")") + mode + "\"}").status, 200);
        for (int i = 0; i < 300 && count(evidence) == seen; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ASSERT_GT(count(evidence), seen) << notifier.output();
        for (int i = 0; i < 300 && count("poll district 363: unchanged") == unchanged; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_GT(count("poll district 363: unchanged"), unchanged) << notifier.output();
    }
    const std::string out = notifier.output();
    EXPECT_NE(out.find("unparsable response dropped"), std::string::npos);
    EXPECT_NE(out.find("http 500"), std::string::npos);
    EXPECT_NE(out.find("http 401"), std::string::npos);
    EXPECT_NE(out.find("timed out"), std::string::npos);
    const auto first_ok = out.find("poll district 363: ok");
    EXPECT_EQ(out.find(" changed", first_ok), std::string::npos);
    EXPECT_EQ(out.find("disappeared", first_ok), std::string::npos);
}

TEST(poller, tls_trusted_polls_untrusted_logs_clearly) {
    test::tls_files tls;
    background_process sandbox(test::sandbox_command({"--tls-cert", tls.path("server.pem"), "--tls-key", tls.path("server.key"),
                                                      "--centres-per-district", "2"}),
                               "listening on https://");
    temp_dir dir;
    const std::string base = "https://127.0.0.1:" + std::to_string(sandbox.port()) + "/api";
    background_process trusting(daemon(dir.write("a.yaml", config(base, "363", "  ca_file: " + tls.path("ca.pem") + "\n"))),
                                "starting:", dir.file("a.log"));
    EXPECT_TRUE(trusting.wait_for_output("poll district 363: ok")) << trusting.output();
    background_process untrusting(daemon(dir.write("b.yaml", config(base, "363"))), "starting:", dir.file("b.log"));
    EXPECT_TRUE(untrusting.wait_for_output("TLS handshake failed")) << untrusting.output();
    EXPECT_NE(untrusting.output().find("certificate verify failed"), std::string::npos);
    EXPECT_EQ(untrusting.stop(), 0);  // logged, not crashed
}

}  // namespace
}  // namespace cowin

#include "support/redis_server.hpp"

namespace cowin {
namespace {

std::string redis_config(const std::string& base_url, std::uint16_t redis_port) {
    return "cowin:\n  base_url: " + base_url + "\n  rate_limit: { calls: 30, period: 10s }\npoll:\n  min_interval: 1s\n"
           "  districts: [363]\nstate:\n  backend: redis\n  redis: { host: 127.0.0.1, port: " + std::to_string(redis_port) +
           ", key_prefix: \"t:\" }\nadmin:\n  listen: 127.0.0.1:0\n  token: t\nlog:\n  level: info\n";
}

TEST(poller_redis, state_survives_a_restart_and_redis_restarts_are_ridden_out) {
    test::redis_server redis;
    background_process sandbox(test::sandbox_command({"--centres-per-district", "3", "--rate-limit", "1000/5m"}), "listening on");
    temp_dir dir;
    const std::string cfg = dir.write("c.yaml", redis_config("http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api", redis.port()));
    {
        background_process notifier(daemon(cfg), "starting:", dir.file("1.log"));
        ASSERT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
        EXPECT_EQ(notifier.stop(), 0);
    }
    // A restart: the stored snapshot is there, so the same answer is recognised and nothing is new.
    background_process notifier(daemon(cfg), "starting:", dir.file("2.log"));
    ASSERT_TRUE(notifier.wait_for_output("poll district 363: unchanged")) << notifier.output();
    EXPECT_EQ(notifier.output().find("poll district 363: ok"), std::string::npos) << notifier.output();

    redis.stop();
    ASSERT_TRUE(notifier.wait_for_output("Lost the connection to Redis")) << notifier.output();
    redis.start();
    ASSERT_TRUE(notifier.wait_for_output("Connected to Redis at 127.0.0.1:" + std::to_string(redis.port()) + " again"))
        << notifier.output();
    // Redis came back empty (no persistence here): the next poll stores a fresh snapshot.
    EXPECT_TRUE(notifier.wait_for_output("poll district 363: ok")) << notifier.output();
    EXPECT_EQ(notifier.stop(), 0);
}

}  // namespace
}  // namespace cowin

namespace cowin {
namespace {

TEST(poller_redis, the_budget_counts_calls_made_before_a_restart) {
    test::redis_server redis;
    background_process sandbox(test::sandbox_command({"--centres-per-district", "2", "--rate-limit", "1000/5m"}), "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    temp_dir dir;
    std::string cfg_text = redis_config("http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api", redis.port());
    const std::string from = "rate_limit: { calls: 30, period: 10s }";
    cfg_text.replace(cfg_text.find(from), from.size(), "rate_limit: { calls: 3, period: 1h }");
    cfg_text.replace(cfg_text.find("districts: [363]"), 16, "districts: [363, 395, 393, 392]");
    const std::string cfg = dir.write("c.yaml", cfg_text);
    // 3 calls per hour are spent 20 minutes apart: one call, then a restart.
    {
        background_process notifier(daemon(cfg), "starting:", dir.file("1.log"));
        ASSERT_TRUE(notifier.wait_for_output("budget 1/3")) << notifier.output();
        EXPECT_EQ(notifier.stop(), 0);
    }
    // The new process knows of that call, so it waits rather than calling at once.
    background_process notifier(daemon(cfg), "starting:", dir.file("2.log"));
    ASSERT_TRUE(notifier.wait_for_output("still in CoWIN's window: 1 of 3")) << notifier.output();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    simdjson::dom::parser p;
    EXPECT_EQ(stats(control, p)["total_calls"].get_int64().value(), 1);
}

}  // namespace
}  // namespace cowin

#include "cowin/parser.hpp"

namespace cowin {
namespace {

/// The pincode of a centre the sandbox serves in district 363.
std::string a_pincode_of_363(test::http_client& control) {
    api::response_parser parser;
    auto body = control.get("/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363&date=" + test::india_today()).body;
    if (parser.parse(api::endpoint::calendar, body) || parser.view().centers.empty()) return "";
    return std::to_string(parser.view().centers.front().pincode);
}

/// `cfg` with one subscription on `pin` (log channel).
std::string with_pincode_subscription(std::string cfg, const std::string& pin) {
    cfg.replace(cfg.find("log:\n"), 5, "subscriptions:\n  - id: by-pin\n    pincode: " + pin + "\n    notify: {log: true}\nlog:\n");
    return cfg;
}

TEST(poller, a_pincode_inside_a_polled_district_costs_no_calls_of_its_own) {
    background_process sandbox(test::sandbox_command({"--districts", "363", "--centres-per-district", "4", "--rate-limit", "1000/5m"}),
                               "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    const std::string pin = a_pincode_of_363(control);
    ASSERT_FALSE(pin.empty());
    temp_dir dir;
    const std::string base = "http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api";
    background_process notifier(daemon(dir.write("c.yaml", with_pincode_subscription(config(base, "363"), pin))), "starting:",
                                dir.file("log"));
    ASSERT_TRUE(notifier.wait_for_output("pincode " + pin + ": every centre lies in a polled district")) << notifier.output();
    std::this_thread::sleep_for(std::chrono::seconds(4));
    simdjson::dom::parser p;
    auto s = stats(control, p);
    EXPECT_EQ(s["calls"]["calendarByPin"]["200"].get_int64().value(), 1);
    EXPECT_GE(s["calls"]["calendarByDistrict"]["200"].get_int64().value(), 4);
}

}  // namespace
}  // namespace cowin

namespace cowin {
namespace {

TEST(poller_redis, what_was_learned_about_a_pincode_survives_a_restart) {
    test::redis_server redis;
    background_process sandbox(test::sandbox_command({"--districts", "363", "--centres-per-district", "4", "--rate-limit", "1000/5m"}),
                               "listening on");
    test::http_client control("127.0.0.1", sandbox.port());
    const std::string pin = a_pincode_of_363(control);
    ASSERT_FALSE(pin.empty());
    temp_dir dir;
    const std::string path = dir.write(
        "c.yaml", with_pincode_subscription(redis_config("http://127.0.0.1:" + std::to_string(sandbox.port()) + "/api", redis.port()), pin));
    {
        background_process notifier(daemon(path), "starting:", dir.file("1.log"));
        ASSERT_TRUE(notifier.wait_for_output("pincode " + pin + ": every centre lies in a polled district")) << notifier.output();
        EXPECT_EQ(notifier.stop(), 0);
    }
    background_process notifier(daemon(path), "starting:", dir.file("2.log"));
    ASSERT_TRUE(notifier.wait_for_output("pincode " + pin + ": every centre lies in a polled district")) << notifier.output();
    ASSERT_TRUE(notifier.wait_for_output("poll district 363")) << notifier.output();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    simdjson::dom::parser p;
    EXPECT_EQ(stats(control, p)["calls"]["calendarByPin"]["200"].get_int64().value(), 1);  // the first run's only
}

}  // namespace
}  // namespace cowin
