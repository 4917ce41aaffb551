// The admin API over real HTTP on loopback, backed by a real redis-server: authentication, the
// subscription lifecycle, paging, every class of bad request, big bodies and slow clients, restart
// persistence, "why no alert?", status and metrics.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <future>
#include <mutex>
#include <thread>

#include "admin/api.hpp"
#include "admin/status.hpp"
#include "cowin/request.hpp"
#include "http/client.hpp"
#include "poll/poller.hpp"
#include "state/redis_store.hpp"
#include "subs/repository.hpp"
#include "subs/service.hpp"
#include "support/coro.hpp"
#include "support/daemon_config.hpp"
#include "support/http_client.hpp"
#include "support/prometheus.hpp"
#include "support/redis_server.hpp"

namespace cowin::admin {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
const std::string token = "s3cret-admin-token";
const std::map<std::string, std::string> auth{{"authorization", "Bearer " + token}};

config::config base_config(std::uint16_t redis_port) {
    config::config c;
    c.state.redis.port = redis_port;
    c.state.redis.key_prefix = "api-test:";
    c.cowin.base_url = "http://127.0.0.1:9/api";  // never called: the poller does not run here
    c.delivery.telegram.bot_token.value = "123:abc";
    return c;
}

// The daemon's admin half: store, subscriptions, metrics, poller figures and the server, on one
// event loop in a thread of its own.
class admin_daemon {
public:
    admin_daemon(std::uint16_t redis_port, std::string admin_token = token, server_limits limits = {})
        : cfg_(base_config(redis_port)),
          log_([](log::level, std::string_view) {}, log::level::debug),
          client_(ioc_.get_executor(), {}),
          store_(ioc_.get_executor(), cfg_.state.redis, log_),
          repo_(store_),
          poller_(cfg_, client_, store_, log_),
          subs_(repo_, store_, log_, 1),
          outbox_(store_, 1000),
          api_{subs_, metrics_, std::move(admin_token), [this] { return store_.ready(); }, cfg_.delivery,
               [this] { return status_json(poller_, subs_.index().size(), store_.ready()); }, &outbox_} {
        metrics::describe_all(metrics_);
        subs_.on_alerts = [this](std::vector<subs::alert_draft>&& a) {
            std::lock_guard lock(m_);
            for (auto& d : a) told_.push_back(std::move(d));
        };
        server_ = std::make_unique<server>(
            ioc_.get_executor(), "127.0.0.1:0", [this](request& r) { return handle(api_, r); }, log_, limits);
        std::promise<void> loaded;
        net::co_spawn(ioc_, subs_.load({}), [&](std::exception_ptr e) {
            if (e) loaded.set_exception(e);
            else loaded.set_value();
        });
        net::co_spawn(ioc_, server_->run(), net::detached);
        thread_ = std::thread([this] { ioc_.run(); });
        loaded.get_future().get();
    }
    ~admin_daemon() {
        ioc_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return server_->port(); }
    std::vector<subs::alert_draft> told() {
        std::lock_guard lock(m_);
        return told_;
    }
    /// Settles a (made-up) outbox entry with `note`, as the delivery worker does.
    void settle(delivery::audit_record note) {
        std::promise<void> done;
        net::co_spawn(ioc_, outbox_.done(state::entry_part("0-1"), std::move(note)), [&](std::exception_ptr e) {
            if (e) done.set_exception(e);
            else done.set_value();
        });
        done.get_future().get();
    }

private:
    config::config cfg_;
    log::logger log_;
    net::io_context ioc_;
    http::client client_;
    state::redis_store store_;
    subs::redis_repository repo_;
    poll::poller poller_;
    subs::service subs_;
    delivery::redis_outbox outbox_;
    metrics::registry metrics_;
    api_context api_;
    std::unique_ptr<server> server_;
    std::thread thread_;
    std::mutex m_;
    std::vector<subs::alert_draft> told_;
};

std::string sub_body(const std::string& extra = "") {
    return R"({"district_id":363,"age":30,"vaccines":["COVISHIELD"],"notify":{"log":true})" + extra + "}";
}

class admin_api : public ::testing::Test {
protected:
    test::redis_server redis;
};

TEST_F(admin_api, needs_the_bearer_token_for_v1_only) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    EXPECT_EQ(c.get("/healthz").status, 200);
    EXPECT_EQ(c.get("/readyz").status, 200);
    auto none = c.get("/v1/subscriptions");
    EXPECT_EQ(none.status, 401);
    EXPECT_NE(none.body.find(R"("code":"unauthenticated")"), std::string::npos);
    EXPECT_EQ(none.header("www-authenticate"), "Bearer");
    EXPECT_EQ(c.get("/v1/subscriptions", {{"authorization", "Bearer " + token + "x"}}).status, 401);
    EXPECT_EQ(c.get("/v1/subscriptions", {{"authorization", "Basic " + token}}).status, 401);
    EXPECT_EQ(c.get("/v1/subscriptions", {{"authorization", token}}).status, 401);
    EXPECT_EQ(c.get("/v1/subscriptions", auth).status, 200);
}

TEST_F(admin_api, without_a_configured_token_v1_refuses_everyone) {
    admin_daemon d(redis.port(), "");
    test::http_client c("127.0.0.1", d.port());
    auto r = c.get("/v1/subscriptions", {{"authorization", "Bearer "}});
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("no admin token is configured"), std::string::npos);
}

TEST_F(admin_api, creates_gets_lists_and_deletes) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    auto created = c.request("POST", "/v1/subscriptions", sub_body(R"(,"id":"pune-30")"), auth);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.header("location"), "/v1/subscriptions/pune-30");
    EXPECT_NE(created.body.find(R"("id":"pune-30")"), std::string::npos);
    EXPECT_NE(created.body.find(R"("source":"api")"), std::string::npos);
    EXPECT_EQ(c.request("POST", "/v1/subscriptions", sub_body(R"(,"id":"pune-30")"), auth).status, 409);

    auto generated = c.request("POST", "/v1/subscriptions", sub_body(), auth);
    ASSERT_EQ(generated.status, 201);
    EXPECT_NE(generated.body.find(R"("id":"sub_)"), std::string::npos);

    auto got = c.get("/v1/subscriptions/pune-30", auth);
    EXPECT_EQ(got.status, 200);
    EXPECT_NE(got.body.find(R"("vaccines":["COVISHIELD"])"), std::string::npos);
    EXPECT_EQ(c.get("/v1/subscriptions/nobody", auth).status, 404);

    EXPECT_EQ(c.request("DELETE", "/v1/subscriptions/pune-30", "", auth).status, 204);
    EXPECT_EQ(c.get("/v1/subscriptions/pune-30", auth).status, 404);
    EXPECT_EQ(c.request("DELETE", "/v1/subscriptions/pune-30", "", auth).status, 404);
    EXPECT_EQ(c.request("PUT", "/v1/subscriptions/x", "", auth).status, 405);
    EXPECT_EQ(c.get("/v1/nothing-here", auth).status, 404);
}

TEST_F(admin_api, webhook_secrets_are_not_handed_back_and_personal_data_goes_with_delete) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    const std::string body =
        R"({"id":"personal","pincode":"411001","notify":{"sms":{"to":"+919812345678"},"telegram":{"chat_id":777001},)"
        R"("webhook":{"url":"http://127.0.0.1:1/h","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}})";
    // SMS needs provider credentials this config lacks: refused, naming the channel.
    auto refused = c.request("POST", "/v1/subscriptions", body, auth);
    EXPECT_EQ(refused.status, 400);
    EXPECT_NE(refused.body.find(R"("field":"notify.sms")"), std::string::npos) << refused.body;
    const std::string without_sms =
        R"({"id":"personal","pincode":"411001","notify":{"telegram":{"chat_id":777001},)"
        R"("webhook":{"url":"http://127.0.0.1:1/h","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}})";
    auto created = c.request("POST", "/v1/subscriptions", without_sms, auth);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.body.find("MfKQ9r8"), std::string::npos);
    EXPECT_NE(created.body.find("whsec_***"), std::string::npos);

    auto everything = [&] {
        log::logger quiet([](log::level, std::string_view) {}, log::level::error);
        return test::run_coroutine<std::string>([&](net::any_io_executor ex) -> net::awaitable<std::string> {
            state::redis_store s(ex, base_config(redis.port()).state.redis, quiet);
            std::vector<std::string> keys_cmd{"KEYS", "*"};
            auto keys = co_await s.run(std::move(keys_cmd), "KEYS");
            std::string all;
            for (const auto& k : keys.elements) {
                std::vector<std::string> type{"TYPE", k.str};
                const std::string t = (co_await s.run(std::move(type), "TYPE")).str;
                std::vector<std::string> read{t == "hash" ? "HGETALL" : t == "string" ? "GET" : "XRANGE", k.str};
                if (t != "hash" && t != "string") read = {"XRANGE", k.str, "-", "+"};
                auto r = co_await s.run(std::move(read), "read");
                all += k.str + "=" + r.str;
                for (const auto& e : r.elements) all += " " + e.str;
                all += "\n";
            }
            co_return all;
        });
    };
    EXPECT_NE(everything().find("777001"), std::string::npos);
    EXPECT_EQ(c.request("DELETE", "/v1/subscriptions/personal", "", auth).status, 204);
    const std::string left = everything();
    EXPECT_EQ(left.find("777001"), std::string::npos);
    EXPECT_EQ(left.find("MfKQ9r8"), std::string::npos);
}

TEST_F(admin_api, lists_in_pages_and_by_target) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    for (int i = 0; i < 25; ++i) {
        const std::string target = i < 15 ? R"("district_id":363)" : R"("pincode":"411001")";
        ASSERT_EQ(c.request("POST", "/v1/subscriptions",
                            R"({"id":"s)" + std::to_string(i) + R"(",)" + target + R"(,"notify":{"log":true}})", auth)
                      .status,
                  201);
    }
    std::string cursor;
    int pages = 0, items = 0;
    do {
        auto r = c.get("/v1/subscriptions?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor), auth);
        ASSERT_EQ(r.status, 200) << r.body;
        for (std::size_t at = 0; (at = r.body.find(R"("id":"s)", at)) != std::string::npos; ++at) ++items;
        const auto n = r.body.find(R"("next_cursor":")");
        cursor = n == std::string::npos ? "" : r.body.substr(n + 15, r.body.find('"', n + 15) - n - 15);
        ++pages;
    } while (!cursor.empty() && pages < 10);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(items, 25);
    auto by_pin = c.get("/v1/subscriptions?pincode=411001", auth);
    EXPECT_EQ(std::count(by_pin.body.begin(), by_pin.body.end(), '{') - 1, 10 * 2);  // items and their notify
    auto by_district = c.get("/v1/subscriptions?district_id=363&limit=1000", auth);
    EXPECT_NE(by_district.body.find(R"("next_cursor":null)"), std::string::npos);
    EXPECT_EQ(c.get("/v1/subscriptions?limit=0", auth).status, 400);
    EXPECT_EQ(c.get("/v1/subscriptions?limit=abc", auth).status, 400);
    EXPECT_EQ(c.get("/v1/subscriptions?pincode=12", auth).status, 400);
    auto unknown = c.get("/v1/subscriptions?districts=363", auth);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.body.find(R"("field":"districts")"), std::string::npos);
}

struct bad_request {
    std::string body;
    int status;
    std::string field;
};

TEST_F(admin_api, refuses_each_class_of_bad_body_with_its_field) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    const std::vector<bad_request> cases{
        {R"({"district_id":363,)", 400, ""},                                              // malformed JSON
        {R"({"district_id":"363","notify":{"log":true}})", 400, "district_id"},           // wrong type
        {R"({"district_id":363,"notify":{"log":true},"colour":"red"})", 400, "colour"},   // unknown field
        {R"({"district_id":363,"age":131,"notify":{"log":true}})", 400, "age"},           // out of range
        {R"({"district_id":363,"min_capacity":-1,"notify":{"log":true}})", 400, "min_capacity"},
        {"{\"district_id\":363,\"id\":\"\xc3\x28\",\"notify\":{\"log\":true}}", 400, ""},  // invalid UTF-8
        {std::string(5000, '[') + std::string(5000, ']'), 400, ""},                      // deep nesting
    };
    for (const auto& b : cases) {
        auto r = c.request("POST", "/v1/subscriptions", b.body, auth);
        EXPECT_EQ(r.status, b.status) << b.body.substr(0, 80) << " -> " << r.body;
        EXPECT_NE(r.body.find(R"("code":"invalid_argument")"), std::string::npos) << r.body;
        if (!b.field.empty()) {
            EXPECT_NE(r.body.find(R"("field":")" + b.field + "\""), std::string::npos) << r.body;
        }
    }
    // Nothing was created by any of them.
    auto list = c.get("/v1/subscriptions", auth);
    EXPECT_NE(list.body.find(R"("items":[])"), std::string::npos) << list.body;
}

TEST_F(admin_api, a_body_over_64_kib_gets_413_and_the_server_goes_on) {
    admin_daemon d(redis.port());
    test::http_client big("127.0.0.1", d.port());
    const std::string body = sub_body(R"(,"pad":")" + std::string(200 * 1024, 'x') + "\"");
    auto r = big.request("POST", "/v1/subscriptions", body, auth);
    EXPECT_EQ(r.status, 413) << r.error;
    EXPECT_NE(r.body.find("payload_too_large"), std::string::npos);
    test::http_client c("127.0.0.1", d.port());
    EXPECT_EQ(c.request("POST", "/v1/subscriptions", sub_body(), auth).status, 201);
}

TEST_F(admin_api, a_slow_client_does_not_block_others_and_is_cut_off) {
    server_limits limits;
    limits.read_timeout = 1s;
    admin_daemon d(redis.port(), token, limits);
    int slow = test::connect_loopback(d.port());
    ASSERT_GE(slow, 0);
    const std::string start = "POST /v1/subscriptions HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(::send(slow, start.data(), start.size(), 0), static_cast<ssize_t>(start.size()));
    // While it trickles, others are served.
    test::http_client c("127.0.0.1", d.port());
    EXPECT_EQ(c.get("/healthz").status, 200);
    EXPECT_EQ(c.request("POST", "/v1/subscriptions", sub_body(), auth).status, 201);
    // It never finishes its headers: the server closes it (read() returns 0, no answer).
    timeval tv{10, 0};
    ::setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    EXPECT_EQ(::recv(slow, buf, sizeof buf, 0), 0);
    ::close(slow);
    EXPECT_EQ(c.get("/healthz").status, 200);
}

TEST_F(admin_api, header_floods_and_garbage_are_refused) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    std::map<std::string, std::string> flood = auth;
    for (int i = 0; i < 400; ++i) flood["x-flood-" + std::to_string(i)] = std::string(100, 'a');
    EXPECT_EQ(c.get("/v1/subscriptions", flood).status, 431);
    int fd = test::connect_loopback(d.port());
    const std::string garbage = "HELLO THERE\r\n\r\n";
    ::send(fd, garbage.data(), garbage.size(), 0);
    char buf[512];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    ::close(fd);
    ASSERT_GT(n, 0);
    EXPECT_TRUE(std::string(buf, static_cast<std::size_t>(n)).starts_with("HTTP/1.1 400"));
    test::http_client after("127.0.0.1", d.port());
    EXPECT_EQ(after.get("/healthz").status, 200);
}

TEST_F(admin_api, dynamic_subscriptions_survive_a_restart) {
    {
        admin_daemon d(redis.port());
        test::http_client c("127.0.0.1", d.port());
        ASSERT_EQ(c.request("POST", "/v1/subscriptions", sub_body(R"(,"id":"kept")"), auth).status, 201);
    }
    admin_daemon again(redis.port());
    test::http_client c("127.0.0.1", again.port());
    auto r = c.get("/v1/subscriptions/kept", auth);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find(R"("age":30)"), std::string::npos);
}

// A snapshot of district 363 with two sessions today: COVISHIELD 18+ with 5 doses, COVAXIN 45+ with 3.
state::stored_snapshot district_snapshot() {
    state::stored_snapshot s;
    s.polled_at = std::chrono::system_clock::now();
    const auto today = api::india_date(s.polled_at);
    for (int i = 0; i < 2; ++i) {
        api::session_state st;
        st.key = 100 + i;
        st.center_id = 561234 + i;
        st.cap = {i == 0 ? 5 : 3, i == 0 ? 5 : 3, 0};
        st.date = today;
        st.pincode = 411027;
        st.min_age = i == 0 ? 18 : 45;
        st.vaccine_id = i == 0 ? api::vaccine::covishield : api::vaccine::covaxin;
        st.fee = api::fee_kind::free;
        st.detail = static_cast<std::uint32_t>(i);
        s.snap.sessions.push_back(st);
        api::session_detail d;
        d.center_id = st.center_id;
        d.center_name = i == 0 ? "Aundh District Hospital" : "Kothrud PHC";
        d.session_id = i == 0 ? "sess-open" : "sess-closed";
        d.date = today;
        d.vaccine = i == 0 ? "COVISHIELD" : "COVAXIN";
        d.min_age = st.min_age;
        d.cap = st.cap;
        s.snap.details.push_back(d);
    }
    s.snap.fingerprint = 99;
    return s;
}

TEST_F(admin_api, explains_why_a_session_did_or_did_not_match_and_tells_new_subscribers_once) {
    {
        log::logger quiet([](log::level, std::string_view) {}, log::level::error);
        ASSERT_TRUE(test::run_coroutine<bool>([&](net::any_io_executor ex) -> net::awaitable<bool> {
            state::redis_store s(ex, base_config(redis.port()).state.redis, quiet);
            co_return co_await s.commit("district:363:0", 0, district_snapshot());
        }));
    }
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    ASSERT_EQ(c.request("POST", "/v1/subscriptions", sub_body(R"(,"id":"why")"), auth).status, 201);
    auto r = c.get("/v1/subscriptions/why/explain", auth);
    ASSERT_EQ(r.status, 200);
    const auto open_at = r.body.find(R"("session_id":"sess-open")");
    const auto closed_at = r.body.find(R"("session_id":"sess-closed")");
    ASSERT_NE(open_at, std::string::npos) << r.body;
    ASSERT_NE(closed_at, std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("open":true,"why_not":[])", open_at), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("min_age_limit 45 > age 30")", closed_at), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("vaccine COVAXIN not in [COVISHIELD]")", closed_at), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("sessions_seen":2,"sessions_open":1)"), std::string::npos) << r.body;
    EXPECT_EQ(c.get("/v1/subscriptions/nobody/explain", auth).status, 404);

    // Told once, about the one session open for it.
    const auto told = d.told();
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0].subscription_id, "why");
    ASSERT_EQ(told[0].sessions.size(), 1u);
    EXPECT_EQ((*told[0].pool)[told[0].sessions[0]].session_id, "sess-open");
}

TEST_F(admin_api, the_audit_trail_is_served_in_pages) {
    admin_daemon d(redis.port());
    for (int i = 0; i < 3; ++i) {
        d.settle({"alt_" + std::to_string(i), "pune-30", "webhook", i == 2 ? "failed" : "delivered",
                  i == 2 ? "http 500" : "http 200", 1795774500000 + i, ""});
    }
    test::http_client c("127.0.0.1", d.port());
    auto page = c.get("/v1/audit?limit=2", auth);
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_NE(page.body.find(R"("alert_id":"alt_0")"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find(R"("alert_id":"alt_1")"), std::string::npos);
    EXPECT_EQ(page.body.find(R"("alert_id":"alt_2")"), std::string::npos);
    const auto at = page.body.find(R"("next_after":")");
    ASSERT_NE(at, std::string::npos) << page.body;
    const std::string cursor = page.body.substr(at + 14, page.body.find('"', at + 14) - at - 14);
    auto rest = c.get("/v1/audit?after=" + cursor, auth);
    EXPECT_EQ(rest.body.find(R"("alert_id":"alt_1")"), std::string::npos) << rest.body;
    EXPECT_NE(rest.body.find(R"("alert_id":"alt_2","subscription_id":"pune-30","channel":"webhook","status":"failed","detail":"http 500")"),
              std::string::npos)
        << rest.body;
    EXPECT_NE(rest.body.find(R"("next_after":null)"), std::string::npos);
    // since is unix ms of the attempt: one far in the future finds nothing.
    auto none = c.get("/v1/audit?since=4102444800000", auth);
    EXPECT_NE(none.body.find(R"("items":[])"), std::string::npos) << none.body;
    auto one = c.get("/v1/alerts/alt_2", auth);
    EXPECT_EQ(one.status, 200);
    EXPECT_NE(one.body.find(R"("attempts":[{"channel":"webhook","status":"failed","detail":"http 500")"), std::string::npos)
        << one.body;
    EXPECT_EQ(c.get("/v1/alerts/alt_nope", auth).status, 404);
    EXPECT_EQ(c.get("/v1/audit?since=yesterday", auth).status, 400);
    EXPECT_EQ(c.get("/v1/audit?after=x;y", auth).status, 400);
    EXPECT_EQ(c.get("/v1/audit?limit=5000", auth).status, 400);
    EXPECT_EQ(c.get("/v1/audit").status, 401);
}

TEST_F(admin_api, status_and_metrics) {
    admin_daemon d(redis.port());
    test::http_client c("127.0.0.1", d.port());
    ASSERT_EQ(c.request("POST", "/v1/subscriptions", sub_body(), auth).status, 201);
    ASSERT_EQ(c.request("POST", "/v1/subscriptions",
                        R"({"district_id":395,"notify":{"telegram":{"chat_id":5}}})", auth).status, 201);
    auto status = c.get("/v1/status", auth);
    EXPECT_EQ(status.status, 200);
    EXPECT_NE(status.body.find(R"("budget":{"used":0,"calls":100)"), std::string::npos) << status.body;
    EXPECT_NE(status.body.find(R"("subscriptions":2)"), std::string::npos) << status.body;
    auto m = c.get("/metrics");
    EXPECT_EQ(m.status, 200);
    EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const auto parsed = test::parse_prometheus(m.body);
    for (const auto& p : parsed.problems) ADD_FAILURE() << p;
    EXPECT_TRUE(parsed.types.count("cowin_notifier_matches_total"));
}

}  // namespace
}  // namespace cowin::admin
