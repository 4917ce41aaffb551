// Delivery against cowin-sandbox's receivers and a real redis-server: signed webhooks retried on
// schedule, 410 and blocked chats deactivating, Retry-After honoured, a stalled receiver not delaying
// a healthy one, giving up into the dead letters, expiry, Telegram and SMS requests, an alert a dead
// process held taken over with the same webhook-id, and alerts committed only with their snapshot.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "delivery/alert.hpp"
#include "delivery/consumer_name.hpp"
#include "delivery/outbox.hpp"
#include "delivery/senders.hpp"
#include "delivery/worker.hpp"
#include "http/client.hpp"
#include "state/entry_delta.hpp"
#include "state/redis_store.hpp"
#include "subs/repository.hpp"
#include "subs/service.hpp"
#include "support/background.hpp"
#include "support/http_client.hpp"
#include "support/redis_server.hpp"

namespace cowin::delivery {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

config::subscription hook_sub(const std::string& id, std::uint16_t sandbox, const std::string& hook) {
    config::subscription s;
    s.id = id;
    s.district_id = 363;
    s.notify.webhook = config::webhook_target{"http://127.0.0.1:" + std::to_string(sandbox) + "/hooks/" + hook, secret};
    return s;
}

struct rig_options {
    std::vector<std::chrono::milliseconds> schedule{300ms, 300ms};
    config::sms_provider sms = config::sms_provider::twilio;
    int telegram_per_second = 30;
    std::chrono::milliseconds ttl = 15min;
    std::string consumer = "test:1";
    std::chrono::milliseconds reclaim_after = 45s;
    int per_host = 32;
    int max_in_flight = 1024;
    std::chrono::milliseconds forget_after = 1h;
    bool run_worker = true;
};

// The delivery half of the daemon on its own event loop thread.
class rig {
public:
    rig(std::uint16_t redis_port, std::uint16_t sandbox_port, std::vector<config::subscription> subs, rig_options o = {})
        : log_([](log::level, std::string_view) {}, log::level::debug),
          store_(ioc_.get_executor(), redis_settings(redis_port), log_),
          repo_(store_),
          service_(repo_, store_, log_, 1),
          outbox_(store_, 1000),
          client_(ioc_.get_executor(), {std::chrono::seconds(10), "", 1 << 20}),
          senders_(client_, delivery_settings(sandbox_port, o.telegram_per_second, o.sms), log_),
          worker_(outbox_, service_, senders_, worker_settings{o.schedule, o.ttl, o.per_host, o.consumer, o.reclaim_after, o.max_in_flight, o.forget_after},
                  log_, metrics_) {
        metrics::describe_all(metrics_);
        worker_.on_attempt = [this](const attempt_report& r) {
            std::lock_guard lock(m_);
            reports_.push_back(seen{r.a, r.result, std::string(r.settled), r.since_detection});
            cv_.notify_all();
        };
        thread_ = std::thread([this] {
            auto guard = net::make_work_guard(ioc_);
            ioc_.run();
        });
        call<bool>([this, subs]() -> net::awaitable<bool> {
            co_await store_.ensure_ready();
            co_await service_.load(subs);
            co_return true;
        });
        if (o.run_worker) net::co_spawn(ioc_, worker_.run(), net::detached);
    }
    ~rig() {
        net::post(ioc_, [this] { worker_.stop(); });
        std::this_thread::sleep_for(50ms);
        ioc_.stop();
        thread_.join();
    }

    static config::redis_settings redis_settings(std::uint16_t port) {
        config::redis_settings r;
        r.port = port;
        r.key_prefix = "dt:";
        return r;
    }
    static config::delivery_settings delivery_settings(std::uint16_t sandbox, int telegram_per_second,
                                                       config::sms_provider sms) {
        config::delivery_settings d;
        d.sms.provider = sms;
        d.telegram.messages_per_second = telegram_per_second;
        const std::string base = "http://127.0.0.1:" + std::to_string(sandbox);
        d.telegram.api_url = base + "/telegram";
        d.telegram.bot_token.value = "123456:test-token";
        d.sms.twilio = {base + "/twilio", "AC0123456789abcdef", {"twilio-token", "inline", {}, false}, "+15005550006"};
        d.sms.msg91 = {base + "/msg91", {"msg91-key", "inline", {}, false}, "tmpl-1"};
        return d;
    }

    template <class T>
    T call(std::function<net::awaitable<T>()> f) {
        std::promise<T> p;
        net::co_spawn(ioc_, f(), [&](std::exception_ptr e, T v) {
            if (e) p.set_exception(e);
            else p.set_value(std::move(v));
        });
        return p.get_future().get();
    }

    /// One alert per channel of `sub`, for one open session, detected `age` ago; returns its id.
    std::string enqueue(const std::string& sub, std::chrono::milliseconds age = 0ms) {
        std::vector<std::string> blobs;
        const std::string id = render(sub, age, blobs);
        call<bool>([&]() -> net::awaitable<bool> {
            co_await outbox_.add(blobs);
            worker_.wake();
            co_return true;
        });
        return id;
    }

    /// The outbox entries of one alert for `sub` (one per channel), added to `blobs`; returns its id.
    std::string render(const std::string& sub, std::chrono::milliseconds age, std::vector<std::string>& blobs) {
        subs::alert_draft d;
        d.subscription_id = sub;
        d.slot = *service_.index().find(sub);
        d.target_id = 363;
        d.detected_at = d.fetched_at = std::chrono::system_clock::now() - age;
        auto pool = std::make_shared<std::vector<api::session_detail>>(1);
        (*pool)[0].center_name = "Aundh District Hospital";
        (*pool)[0].session_id = "s-1";
        (*pool)[0].vaccine = "COVISHIELD";
        (*pool)[0].date = {2026, 11, 28};
        (*pool)[0].cap = {5, 5, 0};
        d.pool = pool;
        d.sessions = {0};
        auto alerts = alerts_for(d, service_.index().channels(d.slot));
        for (const auto& a : alerts) blobs.push_back(encode(a));
        return alerts.front().id;
    }

    /// Waits for an attempt of `sub` settled as `how`.
    bool wait_for(const std::string& sub, const std::string& how, std::chrono::seconds limit = 20s) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, limit, [&] {
            for (const auto& r : reports_) {
                if (r.a.subscription_id == sub && r.settled == how) return true;
            }
            return false;
        });
    }
    std::size_t count(const std::string& sub, const std::string& how) {
        std::lock_guard lock(m_);
        return static_cast<std::size_t>(std::count_if(reports_.begin(), reports_.end(), [&](const seen& r) {
            return r.a.subscription_id == sub && r.settled == how;
        }));
    }
    /// Waits until nothing is being delivered and the outbox (retries included) is empty.
    bool wait_idle(std::chrono::seconds limit = 20s) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            const bool idle = call<bool>([this]() -> net::awaitable<bool> {
                auto depth = co_await outbox_.depth();
                co_return worker_.in_flight() == 0 && depth.waiting == 0;
            });
            if (idle) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
    bool settled(const std::string& sub, const std::string& how) {
        std::lock_guard lock(m_);
        for (const auto& r : reports_) {
            if (r.a.subscription_id == sub && r.settled == how) return true;
        }
        return false;
    }

    std::optional<subs::record> record(const std::string& id) {
        return call<std::optional<subs::record>>([this, id]() { return service_.get(id); });
    }
    std::vector<std::pair<std::string, std::string>> dead_letters() {
        return call<std::vector<std::pair<std::string, std::string>>>([this]() { return outbox_.dead_letters(100); });
    }
    outbox& box() { return outbox_; }
    state::redis_store& store() { return store_; }
    /// As the poller commits `blobs` (a first snapshot of fingerprint `fp`), claiming none of them,
    /// and the worker told; whether the commit stored them. Called from the test's thread.
    bool commit_unclaimed(const std::vector<std::string>& blobs, std::uint64_t fp) {
        return call<bool>([&]() -> net::awaitable<bool> {
            co_await outbox_.prepare();
            std::string target = "district:363:0";
            state::stored_snapshot snap;
            snap.snap.fingerprint = fp;
            state::outbox_claim none;
            const state::commit_outcome out = co_await store_.commit_with_alerts(std::move(target), 0, snap, blobs, std::move(none));
            worker_.wake();
            co_return out.stored;
        });
    }
    /// As the poller commits: `blobs` with a snapshot of fingerprint `fp` (its first commit), the
    /// first entry claimed for this worker in the same step and handed to it. How many alerts were
    /// claimed. On the rig's thread.
    net::awaitable<std::size_t> commit_claiming(std::vector<std::string> blobs, std::uint64_t fp, bool watched) {
        std::string target = "district:363:0";
        if (watched) co_await store_.load_for_commit(target);
        state::stored_snapshot snap;
        snap.snap.fingerprint = fp;
        state::outbox_claim claim;  // no braced lists in coroutines (GCC 12)
        claim.group = consumer_group;
        claim.consumer = worker_.consumer();
        claim.count = worker::batch_size;
        state::commit_outcome out = co_await store_.commit_with_alerts(std::move(target), 0, snap, std::move(blobs), std::move(claim));
        const std::size_t n = out.claimed.size();
        worker_.deliver_claimed(std::move(out.claimed));
        worker_.wake();
        co_return n;
    }
    worker& deliverer() { return worker_; }
    /// Calls of `command` Redis has served since the last reset_stats().
    std::int64_t redis_calls(const std::string& command) {
        auto info = call<std::string>([this]() -> net::awaitable<std::string> {
            std::vector<std::string> cmd{"INFO", "commandstats"};
            co_return (co_await store_.run(std::move(cmd), "INFO")).str;
        });
        const auto at = info.find("cmdstat_" + command + ":calls=");
        return at == std::string::npos ? 0 : std::atoll(info.c_str() + at + 15 + command.size());
    }
    void reset_stats() {
        call<bool>([this]() -> net::awaitable<bool> {
            std::vector<std::string> cmd{"CONFIG", "RESETSTAT"};
            co_await store_.run(std::move(cmd), "CONFIG RESETSTAT");
            co_return true;
        });
    }

private:
    log::logger log_;
    net::io_context ioc_;
    state::redis_store store_;
    subs::redis_repository repo_;
    subs::service service_;
    redis_outbox outbox_;
    http::client client_;
    senders senders_;
    metrics::registry metrics_;
    worker worker_;
    std::thread thread_;
    std::mutex m_;
    std::condition_variable cv_;
    // An attempt_report refers to the worker's own objects for the call only: kept as copies.
    struct seen {
        alert a;
        outcome result;
        std::string settled;
        std::chrono::milliseconds since_detection;
    };
    std::vector<seen> reports_;
};

struct telegram_log {
    std::size_t messages = 0;
    std::int64_t rejected_429 = 0;
};

class delivery : public ::testing::Test {
protected:
    test::redis_server redis;
    test::background_process sandbox{test::sandbox_command({"--districts", "363"}), "listening on"};
    test::http_client control{"127.0.0.1", sandbox.port()};

    void script_hook(const std::string& name, const std::string& statuses, int delay_ms = 0) {
        auto r = control.request("PUT", "/sandbox/v1/hooks/" + name,
                                 R"({"secret":")" + secret + R"(","script":[)" + statuses + R"(],"delay":")" +
                                     std::to_string(delay_ms) + "ms\"}");
        ASSERT_EQ(r.status, 200) << r.body;
    }
    simdjson::dom::element hook(simdjson::dom::parser& p, const std::string& name) {
        auto r = control.get("/sandbox/v1/hooks/" + name);
        return p.parse(r.body).value();
    }
    /// What the sandbox's Telegram fake accepted, and how often it answered 429.
    telegram_log telegram() {
        simdjson::dom::parser p;
        const std::string body = control.get("/sandbox/v1/telegram/messages").body;
        simdjson::dom::element doc = p.parse(body).value();
        return {doc["messages"].get_array().size(), std::int64_t(doc["rejected_429"])};
    }
};

TEST_F(delivery, a_signed_webhook_is_retried_on_schedule_with_the_same_id) {
    script_hook("a", "500,500");
    rig r(redis.port(), sandbox.port(), {hook_sub("a", sandbox.port(), "a")});
    const std::string id = r.enqueue("a");
    ASSERT_TRUE(r.wait_for("a", "delivered"));
    simdjson::dom::parser p;
    auto got = hook(p, "a")["deliveries"].get_array().value();
    ASSERT_EQ(got.size(), 3u);
    std::vector<std::int64_t> statuses;
    std::vector<double> at;
    for (auto d : got) {
        EXPECT_EQ(std::string_view(d["webhook_id"]), id);
        EXPECT_TRUE(bool(d["verified"]));
        statuses.push_back(std::int64_t(d["status"]));
        at.push_back(double(d["at"]));
    }
    EXPECT_EQ(statuses, (std::vector<std::int64_t>{500, 500, 200}));
    // Not earlier than the schedule (300 ms, -10% jitter).
    EXPECT_GE(at[1] - at[0], 0.26);
    EXPECT_GE(at[2] - at[1], 0.26);
}

// GET /v1/alerts/{id} reads this: one field per attempt in the hash of the minute the id was made in,
// not a key per alert; a list an older version kept for an alert is still read.
TEST_F(delivery, an_alerts_record_holds_each_attempt_once_in_order) {
    script_hook("h", "500");
    rig r(redis.port(), sandbox.port(), {hook_sub("h", sandbox.port(), "h")});
    const std::string id = r.enqueue("h");
    ASSERT_TRUE(r.wait_for("h", "delivered"));
    const auto minute = minute_of_alert_id(id);
    ASSERT_TRUE(minute.has_value()) << id;
    const std::string log_key = "dt:alog:" + std::to_string(*minute);
    auto attempts = [&](const std::string& alert) {
        return r.call<std::vector<audit_record>>([&]() -> net::awaitable<std::vector<audit_record>> {
            co_return co_await r.box().attempts_of(alert);
        });
    };
    auto statuses = [](const std::vector<audit_record>& got) {
        std::vector<std::string> out;
        for (const auto& a : got) out.push_back(a.status + " " + a.detail);
        return out;
    };
    auto first = attempts(id);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].status, "failed");
    EXPECT_EQ(first[1].status, "delivered");
    EXPECT_EQ(first[1].subscription_id, "h");
    EXPECT_LE(first[0].at_ms, first[1].at_ms);
    // The second attempt recorded again (a settle repeated after its reply was lost): kept once.
    audit_record again = first[1];
    again.attempt = 2;
    r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().done(state::entry_part("0-1"), again);
        co_return true;
    });
    EXPECT_EQ(statuses(attempts(id)), statuses(first));
    const auto keys = r.call<std::vector<std::int64_t>>([&]() -> net::awaitable<std::vector<std::int64_t>> {
        std::vector<std::string> own{"EXISTS", "dt:alert:" + id};
        std::vector<std::string> ttl{"TTL", log_key};
        std::vector<std::int64_t> out;
        out.push_back((co_await r.store().run(std::move(own), "EXISTS")).integer);
        out.push_back((co_await r.store().run(std::move(ttl), "TTL")).integer);
        co_return out;
    });
    EXPECT_EQ(keys[0], 0);  // no key of its own
    EXPECT_GT(keys[1], 604000);  // the minute's record lives a week
    // An alert recorded by a version that kept a list per alert (its id all random).
    const std::string old_id = "alt_9f3c0e5a7b1d2c4e6f8a0b1c";
    audit_record before;
    before.alert_id = old_id;
    before.subscription_id = "h";
    before.channel = "webhook";
    before.status = "failed";
    before.detail = "http 503";
    before.at_ms = 1795774500000;
    const std::string json = to_json(before);
    r.call<bool>([&]() -> net::awaitable<bool> {
        std::vector<std::string> push{"RPUSH", "dt:alert:" + old_id, json};
        co_await r.store().run(std::move(push), "RPUSH");
        co_return true;
    });
    audit_record after = before;
    after.status = "delivered";
    after.detail = "http 200";
    after.attempt = 2;
    r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().done(state::entry_part("0-2"), after);
        co_return true;
    });
    EXPECT_EQ(statuses(attempts(old_id)), (std::vector<std::string>{"failed http 503", "delivered http 200"}));
    EXPECT_TRUE(attempts("alt_000000000000000000000000").empty());
    // Not an id of ours (GET /v1/alerts/{anything}): no minute to look in, nothing found, no error.
    EXPECT_TRUE(attempts("alt_nope").empty());
    EXPECT_TRUE(attempts("").empty());
}

TEST_F(delivery, gone_410_deactivates_the_subscription) {
    script_hook("g", "410");
    rig r(redis.port(), sandbox.port(), {hook_sub("g", sandbox.port(), "g")});
    r.enqueue("g");
    ASSERT_TRUE(r.wait_for("g", "gone"));
    auto rec = r.record("g");
    ASSERT_TRUE(rec.has_value());
    EXPECT_FALSE(rec->active);
    EXPECT_NE(rec->inactive_reason.find("410"), std::string::npos);
    auto dead = r.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_NE(dead[0].second.find("gone"), std::string::npos);
    // A deactivated subscription's alerts are dropped, not sent.
    r.enqueue("g");
    ASSERT_TRUE(r.wait_for("g", "dropped"));
    simdjson::dom::parser p;
    EXPECT_EQ(hook(p, "g")["deliveries"].get_array().size(), 1u);
}

TEST_F(delivery, retry_after_is_honoured) {
    script_hook("t", "429");
    rig_options o;
    o.schedule = {100ms};
    rig r(redis.port(), sandbox.port(), {hook_sub("t", sandbox.port(), "t")}, o);
    r.enqueue("t");
    ASSERT_TRUE(r.wait_for("t", "delivered"));
    simdjson::dom::parser p;
    auto got = hook(p, "t")["deliveries"].get_array().value();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_GE(double(got.at(1)["at"]) - double(got.at(0)["at"]), 0.95);  // Retry-After: 1, not 100 ms
}

TEST_F(delivery, a_stalled_receiver_does_not_delay_a_healthy_one) {
    script_hook("slow", "200", 4000);
    script_hook("fast", "200");
    rig r(redis.port(), sandbox.port(),
          {hook_sub("slow", sandbox.port(), "slow"), hook_sub("fast", sandbox.port(), "fast")});
    r.enqueue("slow");
    r.enqueue("fast");
    ASSERT_TRUE(r.wait_for("fast", "delivered"));
    EXPECT_FALSE(r.settled("slow", "delivered"));
    ASSERT_TRUE(r.wait_for("slow", "delivered"));
}

TEST_F(delivery, gives_up_after_the_schedule_into_the_dead_letters) {
    script_hook("d", "500,500,500,500");
    rig_options o;
    o.schedule = {100ms, 100ms};
    rig r(redis.port(), sandbox.port(), {hook_sub("d", sandbox.port(), "d")}, o);
    r.enqueue("d");
    ASSERT_TRUE(r.wait_for("d", "dead"));
    auto dead = r.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_NE(dead[0].second.find("gave up after 3 attempts: http 500"), std::string::npos) << dead[0].second;
    EXPECT_TRUE(r.record("d")->active);
}

TEST_F(delivery, an_outbox_entry_that_is_not_an_alert_is_dead_lettered_and_the_rest_delivered) {
    script_hook("u", "");
    rig r(redis.port(), sandbox.port(), {hook_sub("u", sandbox.port(), "u")});
    r.call<bool>([&]() -> net::awaitable<bool> {
        std::vector<std::string> garbage(1, "{\"id\":\"x\"} not an alert");
        co_await r.box().add(std::move(garbage));
        co_return true;
    });
    r.enqueue("u");
    ASSERT_TRUE(r.wait_for("u", "delivered"));
    auto dead = r.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].second, "undecodable outbox entry");
}

// Every one of `subs` delivered, the worker idle, and one dead letter: `held`, as undecodable.
void expect_delivered_and_one_undecodable(rig& r, std::initializer_list<const char*> subs, const std::string& held) {
    for (const char* s : subs) ASSERT_TRUE(r.wait_for(s, "delivered")) << s;
    ASSERT_TRUE(r.wait_idle());
    auto dead = r.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].first, held);
    EXPECT_EQ(dead[0].second, "undecodable outbox entry");
}

// One alert of a shared entry that does not decode (written by hand, or by a broken version): it is
// dead-lettered with what it held, the others are delivered, and the entry leaves the outbox.
TEST_F(delivery, an_undecodable_alert_in_a_shared_entry_is_dead_lettered_and_the_others_delivered) {
    script_hook("s1", "");
    script_hook("s2", "");
    rig r(redis.port(), sandbox.port(), {hook_sub("s1", sandbox.port(), "s1"), hook_sub("s2", sandbox.port(), "s2")});
    std::vector<std::string> blobs;
    r.render("s1", 0ms, blobs);
    blobs.push_back("{\"id\":\"x\"} not an alert");
    r.render("s2", 0ms, blobs);
    ASSERT_TRUE(r.commit_unclaimed(blobs, 2));
    expect_delivered_and_one_undecodable(r, {"s1", "s2"}, "{\"id\":\"x\"} not an alert");
    const auto entries = r.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
        std::vector<std::string> xlen{"XLEN", "dt:outbox"};
        co_return (co_await r.store().run(std::move(xlen), "XLEN")).integer;
    });
    EXPECT_EQ(entries, 0);
}

// An entry's alerts after its first are stored as their differences from it. One whose differences
// do not apply (a torn write, a hand edit) is dead-lettered with what it held, never delivered as the
// first alert or some mix of the two; the others of the entry are delivered.
TEST_F(delivery, an_alert_whose_stored_differences_do_not_apply_is_dead_lettered_alone) {
    script_hook("b1", "");
    script_hook("b2", "");
    rig r(redis.port(), sandbox.port(), {hook_sub("b1", sandbox.port(), "b1"), hook_sub("b2", sandbox.port(), "b2")});
    std::vector<std::string> blobs;
    r.render("b1", 0ms, blobs);
    r.render("b2", 0ms, blobs);
    ASSERT_EQ(blobs.size(), 2u);
    std::vector<std::string> add{"XADD", "dt:outbox", "*", "base", blobs[0], "like", state::delta_of(blobs[0], blobs[1]),
                                 "like", "C999999;"};
    r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().prepare();
        co_await r.store().run(std::move(add), "XADD");
        std::vector<std::string> extra{"INCRBY", "dt:outbox:extra", "2"};
        co_await r.store().run(std::move(extra), "INCRBY");
        r.deliverer().wake();
        co_return true;
    });
    expect_delivered_and_one_undecodable(r, {"b1", "b2"}, "like=C999999;\n");
    EXPECT_EQ(r.count("b1", "delivered"), 1u);
    EXPECT_EQ(r.count("b2", "delivered"), 1u);
}

// Written by something else: no "a" field. Taken (read or reclaimed), it used to be skipped and so
// stayed pending for ever, reclaimed every few seconds.
TEST_F(delivery, a_foreign_outbox_entry_is_dead_lettered_with_its_fields_and_not_left_pending) {
    script_hook("f", "");
    rig r(redis.port(), sandbox.port(), {hook_sub("f", sandbox.port(), "f")});
    r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().prepare();
        std::vector<std::string> foreign{"XADD", "dt:outbox", "*", "note", "hand-written"};
        co_await r.store().run(std::move(foreign), "XADD");
        co_return true;
    });
    r.enqueue("f");
    ASSERT_TRUE(r.wait_for("f", "delivered"));
    auto dead = r.dead_letters();
    for (int i = 0; i < 100 && dead.empty(); ++i) {
        std::this_thread::sleep_for(20ms);
        dead = r.dead_letters();
    }
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].first, "note=hand-written\n");
    EXPECT_EQ(dead[0].second, "undecodable outbox entry");
    auto pending = r.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
        std::vector<std::string> cmd{"XPENDING", "dt:outbox", std::string(consumer_group)};
        co_return (co_await r.store().run(std::move(cmd), "XPENDING")).elements.at(0).integer;
    });
    EXPECT_EQ(pending, 0);
}

// An alert waiting for a slot at a slow host is still this process's however long it waits: no
// reclaim (this process's own included) may take it for stalled and start it a second time.
TEST_F(delivery, alerts_queued_behind_a_slow_host_are_delivered_once_however_long_they_wait) {
    script_hook("q", "", 700);
    rig_options o;
    o.per_host = 1;
    o.reclaim_after = 300ms;  // the worker's reclaim pass every 5 s finds the queued ones long idle
    rig r(redis.port(), sandbox.port(), {hook_sub("q", sandbox.port(), "q")}, o);
    std::set<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.insert(r.enqueue("q"));
    for (int i = 0; i < 600 && r.count("q", "delivered") < ids.size(); ++i) std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(r.wait_idle(30s));
    EXPECT_EQ(r.count("q", "delivered"), ids.size());
    simdjson::dom::parser p;
    std::set<std::string> received;
    std::size_t deliveries = 0;
    auto got = hook(p, "q")["deliveries"].get_array().value();
    for (auto d : got) {
        received.insert(std::string(std::string_view(d["webhook_id"])));
        ++deliveries;
    }
    EXPECT_EQ(deliveries, ids.size());
    EXPECT_EQ(received, ids);
}

// max_in_flight bounds what the worker starts however alerts reach it: taken by its loop, or claimed
// by a commit and handed over (deliver_claimed), which used to start all it was given.
TEST_F(delivery, attempts_in_flight_stay_within_max_in_flight_claimed_ones_included) {
    script_hook("m", "", 300);
    rig_options o;
    o.max_in_flight = 3;
    rig r(redis.port(), sandbox.port(), {hook_sub("m", sandbox.port(), "m")}, o);
    std::set<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.insert(r.enqueue("m"));
    std::vector<std::string> blobs;
    for (int i = 0; i < 6; ++i) ids.insert(r.render("m", 0ms, blobs));
    const std::size_t most = r.call<std::size_t>([&]() -> net::awaitable<std::size_t> {
        co_await r.box().add(blobs);
        // Taken as this worker's, as a commit's claim takes them, and handed over at once.
        auto claimed = co_await r.box().take(r.deliverer().consumer(), 6);
        r.deliverer().deliver_claimed(std::move(claimed));
        net::steady_timer tick(co_await net::this_coro::executor);
        std::size_t seen = 0;
        for (int i = 0; i < 1000 && r.count("m", "delivered") < 12; ++i) {
            seen = std::max(seen, r.deliverer().in_flight());
            tick.expires_after(5ms);
            co_await tick.async_wait(net::use_awaitable);
        }
        co_return seen;
    });
    ASSERT_TRUE(r.wait_idle(30s));
    EXPECT_GT(most, 0u);
    EXPECT_LE(most, 3u);
    EXPECT_EQ(r.count("m", "delivered"), ids.size());
    simdjson::dom::parser p;
    auto got = hook(p, "m")["deliveries"].get_array().value();
    EXPECT_EQ(got.size(), ids.size());
}

// A worker takes from the outbox about what it can start, in entries of many alerts too: the rest
// stay in the stream for another process sharing it, instead of waiting held by one that is full.
TEST_F(delivery, a_full_worker_leaves_entries_it_cannot_start_to_others) {
    script_hook("h", "", 3000);
    rig_options o;
    o.max_in_flight = 40;
    o.per_host = 40;
    rig r(redis.port(), sandbox.port(), {hook_sub("h", sandbox.port(), "h")}, o);
    std::vector<std::string> blobs;
    for (int i = 0; i < 10 * state::alerts_per_entry; ++i) r.render("h", 0ms, blobs);
    ASSERT_TRUE(r.commit_unclaimed(blobs, 3));
    // Full: its 40 attempts wait on the stalled receiver. Then, what it has claimed of the 10 entries.
    for (int i = 0; i < 400 && r.deliverer().in_flight() < 40; ++i) std::this_thread::sleep_for(5ms);
    ASSERT_EQ(r.deliverer().in_flight(), 40u);
    std::this_thread::sleep_for(300ms);  // its loop has had turns enough to take more, were it to
    const auto claimed = r.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
        std::vector<std::string> pending{"XPENDING", "dt:outbox", "delivery"};
        co_return (co_await r.store().run(std::move(pending), "XPENDING")).elements.at(0).integer;
    });
    // 40 alerts are two entries of 32; the third at most, never all ten.
    EXPECT_GE(claimed, 2);
    EXPECT_LE(claimed, 3);
    auto others = r.call<std::vector<taken>>([&]() { return r.box().take("other:2", 100); });
    EXPECT_GE(others.size(), static_cast<std::size_t>(7 * state::alerts_per_entry));
}

// An alert can outlive its TTL waiting behind a slow receiver: then it expires at its turn.
TEST_F(delivery, an_alert_that_waited_past_its_ttl_for_a_slow_host_expires_unsent) {
    script_hook("w", "", 1500);
    rig_options o;
    o.per_host = 1;
    o.ttl = 1s;
    rig r(redis.port(), sandbox.port(), {hook_sub("w", sandbox.port(), "w")}, o);
    const std::string first = r.enqueue("w");
    const std::string second = r.enqueue("w");
    ASSERT_TRUE(r.wait_for("w", "expired"));
    ASSERT_TRUE(r.wait_idle());
    EXPECT_EQ(r.count("w", "delivered"), 1u);
    simdjson::dom::parser p;
    auto got = hook(p, "w")["deliveries"].get_array().value();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(std::string_view(got.at(0)["webhook_id"]), first);
    auto dead = r.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].second, "expired");
    EXPECT_NE(dead[0].first.find(second), std::string::npos);
}

// keep(): an entry marked as still worked on is not reclaimed for stalled; one not marked is.
TEST_F(delivery, an_entry_kept_fresh_is_not_reclaimed) {
    script_hook("k", "");
    rig_options o;
    o.run_worker = false;
    rig r(redis.port(), sandbox.port(), {hook_sub("k", sandbox.port(), "k")}, o);
    r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().prepare();
        co_return true;
    });
    r.enqueue("k");
    r.enqueue("k");
    auto held = r.call<std::vector<taken>>([&]() { return r.box().take("slow:1", 10); });
    ASSERT_EQ(held.size(), 2u);
    std::this_thread::sleep_for(400ms);
    r.call<bool>([&]() -> net::awaitable<bool> {
        std::vector<std::string> mine(1, held[0].entry_id);
        co_await r.box().keep("slow:1", std::move(mine));
        co_return true;
    });
    auto reclaimed = r.call<std::vector<taken>>([&]() { return r.box().reclaim("other:2", 300ms, 10); });
    ASSERT_EQ(reclaimed.size(), 1u);
    EXPECT_EQ(reclaimed[0].entry_id, held[1].entry_id);
}

// An operator's first sign of a stuck or overrun worker: how long the oldest alert not yet settled
// has waited, taken or not; 0 once nothing waits.
TEST_F(delivery, the_oldest_pending_alert_ages_until_it_is_settled) {
    script_hook("o", "");
    rig_options o;
    o.run_worker = false;
    rig r(redis.port(), sandbox.port(), {hook_sub("o", sandbox.port(), "o")}, o);
    auto depth = [&] { return r.call<outbox_depth>([&]() { return r.box().depth(); }); };
    r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().prepare();
        co_return true;
    });
    const auto empty = depth();
    EXPECT_EQ(empty.waiting, 0);
    EXPECT_EQ(empty.oldest_pending_ms, 0);
    r.enqueue("o");
    std::this_thread::sleep_for(300ms);
    r.enqueue("o");
    const auto waiting = depth();
    EXPECT_EQ(waiting.waiting, 2);
    EXPECT_GE(waiting.oldest_pending_ms, 300);
    auto held = r.call<std::vector<taken>>([&]() { return r.box().take("me:1", 10); });
    ASSERT_EQ(held.size(), 2u);
    EXPECT_GE(depth().oldest_pending_ms, waiting.oldest_pending_ms);  // taken is not delivered
    for (const auto& t : held) {
        r.call<bool>([&]() -> net::awaitable<bool> {
            audit_record note;
            co_await r.box().done(t.where(), note);
            co_return true;
        });
    }
    const auto settled = depth();
    EXPECT_EQ(settled.waiting, 0);
    EXPECT_EQ(settled.oldest_pending_ms, 0);
}

TEST_F(delivery, an_alert_past_its_ttl_expires_unsent) {
    script_hook("e", "");
    rig_options o;
    o.ttl = 1min;
    rig r(redis.port(), sandbox.port(), {hook_sub("e", sandbox.port(), "e")}, o);
    r.enqueue("e", 2min);
    ASSERT_TRUE(r.wait_for("e", "expired"));
    simdjson::dom::parser p;
    EXPECT_EQ(hook(p, "e")["deliveries"].get_array().size(), 0u);
    auto dead = r.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].second, "expired");
}

TEST_F(delivery, telegram_messages_and_a_blocked_chat) {
    ASSERT_EQ(control.request("PUT", "/sandbox/v1/telegram/chats/77", R"({"blocked":true})").status, 200);
    config::subscription ok, blocked;
    ok.id = "tg-ok";
    ok.district_id = 363;
    ok.notify.telegram = config::telegram_target{76};
    blocked = ok;
    blocked.id = "tg-blocked";
    blocked.notify.telegram = config::telegram_target{77};
    rig r(redis.port(), sandbox.port(), {ok, blocked});
    r.enqueue("tg-ok");
    r.enqueue("tg-blocked");
    ASSERT_TRUE(r.wait_for("tg-ok", "delivered"));
    ASSERT_TRUE(r.wait_for("tg-blocked", "gone"));
    EXPECT_FALSE(r.record("tg-blocked")->active);
    EXPECT_TRUE(r.record("tg-ok")->active);
    simdjson::dom::parser p;
    auto messages = p.parse(control.get("/sandbox/v1/telegram/messages").body)["messages"].get_array().value();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(std::int64_t(messages.at(0)["chat_id"]), 76);
    EXPECT_NE(std::string_view(messages.at(0)["text"]).find("<b>Aundh District Hospital</b>"), std::string_view::npos);
}

std::vector<config::subscription> telegram_subs(int n) {
    std::vector<config::subscription> out;
    for (int i = 0; i < n; ++i) {
        config::subscription s;
        s.id = "tg" + std::to_string(i);
        s.district_id = 363;
        s.notify.telegram = config::telegram_target{1000 + i};
        out.push_back(s);
    }
    return out;
}

// Enqueues one alert for each of tg0 .. tg<n-1> and waits until every one is delivered.
void deliver_all(rig& r, int n) {
    for (int i = 0; i < n; ++i) r.enqueue("tg" + std::to_string(i));
    for (int i = 0; i < n; ++i) ASSERT_TRUE(r.wait_for("tg" + std::to_string(i), "delivered", 30s)) << i;
}

TEST_F(delivery, telegram_is_paced_to_the_bot_limit_without_rejections) {
    const int chats = 200;
    rig r(redis.port(), sandbox.port(), telegram_subs(chats));
    deliver_all(r, chats);
    const auto log = telegram();
    EXPECT_EQ(log.messages, static_cast<std::size_t>(chats));
    EXPECT_EQ(log.rejected_429, 0);
}

TEST_F(delivery, one_chat_gets_its_messages_a_second_apart_without_rejections) {
    // A group chat subscribed five times (five districts, say): Telegram allows it one message a
    // second, so the five are spaced out rather than refused.
    auto subs = telegram_subs(5);
    for (auto& s : subs) s.notify.telegram = config::telegram_target{4242};
    rig r(redis.port(), sandbox.port(), subs);
    deliver_all(r, 5);
    const auto log = telegram();
    EXPECT_EQ(log.messages, 5u);
    EXPECT_EQ(log.rejected_429, 0);
}

TEST_F(delivery, telegram_429s_are_waited_out) {
    // Configured above the bot's limit: Telegram answers 429 with retry_after, and every message still
    // arrives.
    rig_options o;
    o.telegram_per_second = 200;
    o.schedule = {100ms, 100ms, 100ms, 100ms, 100ms};
    const int chats = 60;
    rig r(redis.port(), sandbox.port(), telegram_subs(chats), o);
    deliver_all(r, chats);
    const auto log = telegram();
    EXPECT_EQ(log.messages, static_cast<std::size_t>(chats));
    EXPECT_GT(log.rejected_429, 0);
    EXPECT_TRUE(r.dead_letters().empty());
}

TEST_F(delivery, sms_through_twilio) {
    config::subscription s;
    s.id = "sms";
    s.district_id = 363;
    s.notify.sms = config::sms_target{"+919812345678"};
    rig r(redis.port(), sandbox.port(), {s});
    r.enqueue("sms");
    ASSERT_TRUE(r.wait_for("sms", "delivered"));
    simdjson::dom::parser p;
    auto messages = p.parse(control.get("/sandbox/v1/sms/messages").body)["messages"].get_array().value();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(std::string_view(messages.at(0)["provider"]), "twilio");
    EXPECT_EQ(std::string_view(messages.at(0)["to"]), "+919812345678");
    EXPECT_LE(std::string_view(messages.at(0)["body"]).size(), 160u);
}

TEST_F(delivery, sms_through_msg91) {
    config::subscription s;
    s.id = "sms";
    s.district_id = 363;
    s.notify.sms = config::sms_target{"+919812345678"};
    rig_options o;
    o.sms = config::sms_provider::msg91;
    rig r(redis.port(), sandbox.port(), {s}, o);
    r.enqueue("sms");
    ASSERT_TRUE(r.wait_for("sms", "delivered"));
    simdjson::dom::parser p;
    auto messages = p.parse(control.get("/sandbox/v1/sms/messages").body)["messages"].get_array().value();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(std::string_view(messages.at(0)["provider"]), "msg91");
    EXPECT_EQ(std::string_view(messages.at(0)["to"]), "919812345678");  // MSG91 takes the number without "+"
    EXPECT_EQ(std::string_view(messages.at(0)["template_id"]), "tmpl-1");
    EXPECT_NE(std::string_view(messages.at(0)["body"]).find("Aundh District Hospital"), std::string_view::npos);
}

TEST_F(delivery, an_alert_a_dead_process_held_is_taken_over_with_the_same_id) {
    script_hook("c", "");
    std::string id;
    {
        rig_options crashed;
        crashed.run_worker = false;
        crashed.consumer = "crashed:1";
        rig a(redis.port(), sandbox.port(), {hook_sub("c", sandbox.port(), "c")}, crashed);
        a.call<bool>([&]() -> net::awaitable<bool> {
            co_await a.box().prepare();
            co_return true;
        });
        id = a.enqueue("c");
        // Taken, never settled: as if the process died mid-delivery.
        auto held = a.call<std::vector<cowin::delivery::taken>>([&]() { return a.box().take("crashed:1", 10); });
        ASSERT_EQ(held.size(), 1u);
    }
    rig_options alive;
    alive.consumer = "alive:2";
    alive.reclaim_after = 200ms;
    rig b(redis.port(), sandbox.port(), {hook_sub("c", sandbox.port(), "c")}, alive);
    ASSERT_TRUE(b.wait_for("c", "delivered", 30s));
    simdjson::dom::parser p;
    auto got = hook(p, "c")["deliveries"].get_array().value();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(std::string_view(got.at(0)["webhook_id"]), id);
}

// Another process with this host's name but another pid table (a machine cloned with the same host
// name, a container on the host network): its pid means nothing here, so it is not judged dead by
// it; its alerts wait for the idle-time reclaim. One of this pid table with a dead pid is taken over
// at once (the case above, and the daemon's own in delivery_crash_test).
TEST_F(delivery, an_alert_held_by_a_namesake_host_of_another_pid_table_is_left_to_it) {
    script_hook("twin", "");
    script_hook("own", "");
    const std::string me = consumer_name();
    const std::string host = me.substr(0, me.find(':'));
    const std::string twin = host + ":00000000.1:4194000";  // no such pid here; means nothing anyway
    const std::string dead_local = me.substr(0, me.rfind(':')) + ":4194001";
    const auto subs_of = [&]() {
        return std::vector<config::subscription>{hook_sub("twin", sandbox.port(), "twin"), hook_sub("own", sandbox.port(), "own")};
    };
    {
        rig_options held;
        held.run_worker = false;
        rig a(redis.port(), sandbox.port(), subs_of(), held);
        a.call<bool>([&]() -> net::awaitable<bool> {
            co_await a.box().prepare();
            co_return true;
        });
        a.enqueue("twin");
        ASSERT_EQ(a.call<std::vector<cowin::delivery::taken>>([&]() { return a.box().take(twin, 10); }).size(), 1u);
        a.enqueue("own");
        ASSERT_EQ(a.call<std::vector<cowin::delivery::taken>>([&]() { return a.box().take(dead_local, 10); }).size(), 1u);
    }
    rig_options alive;
    alive.consumer = me;
    alive.reclaim_after = 1h;
    rig b(redis.port(), sandbox.port(), subs_of(), alive);
    // The takeover and the check of the twin happen in the same pass of the worker's loop.
    ASSERT_TRUE(b.wait_for("own", "delivered", 30s));
    EXPECT_FALSE(b.settled("twin", "delivered"));
    auto pending = b.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
        std::vector<std::string> cmd{"XPENDING", "dt:outbox", std::string(consumer_group), "-", "+", "10", twin};
        co_return static_cast<std::int64_t>((co_await b.store().run(std::move(cmd), "XPENDING")).elements.size());
    });
    EXPECT_EQ(pending, 1);
}

// Every restart on another boot or in another container leaves its consumer name behind; one that
// holds nothing and has been silent long enough is forgotten. One still holding an alert is not.
TEST_F(delivery, a_long_silent_consumer_holding_nothing_is_forgotten_and_one_holding_an_alert_is_not) {
    script_hook("z", "");
    const auto names = [&](rig& r) {
        return r.call<std::vector<std::string>>([&]() -> net::awaitable<std::vector<std::string>> {
            std::vector<std::string> out;
            for (auto& c : co_await r.box().consumers()) out.push_back(c.name);
            std::sort(out.begin(), out.end());
            co_return out;
        });
    };
    {
        rig_options held;
        held.run_worker = false;
        rig a(redis.port(), sandbox.port(), {hook_sub("z", sandbox.port(), "z")}, held);
        a.call<bool>([&]() -> net::awaitable<bool> {
            co_await a.box().prepare();
            std::vector<std::string> create{"XGROUP", "CREATECONSUMER", "dt:outbox", std::string(consumer_group), "gone:1.1:7"};
            co_await a.store().run(std::move(create), "XGROUP CREATECONSUMER");
            co_return true;
        });
        a.enqueue("z");
        ASSERT_EQ(a.call<std::vector<taken>>([&]() { return a.box().take("holding:1.1:8", 10); }).size(), 1u);
        EXPECT_EQ(names(a), (std::vector<std::string>{"gone:1.1:7", "holding:1.1:8"}));
        // The script checks for itself: not one that holds an entry, not one heard from lately.
        EXPECT_FALSE(a.call<bool>([&]() { return a.box().forget_if_idle("holding:1.1:8", 0ms); }));
        EXPECT_FALSE(a.call<bool>([&]() { return a.box().forget_if_idle("gone:1.1:7", 1h); }));
    }
    std::this_thread::sleep_for(400ms);
    rig_options alive;
    alive.consumer = "alive:1.1:9";
    alive.forget_after = 300ms;
    rig b(redis.port(), sandbox.port(), {hook_sub("z", sandbox.port(), "z")}, alive);
    std::vector<std::string> now;
    for (int i = 0; i < 200; ++i) {
        now = names(b);
        if (std::find(now.begin(), now.end(), "gone:1.1:7") == now.end()) break;
        std::this_thread::sleep_for(25ms);
    }
    EXPECT_EQ(std::count(now.begin(), now.end(), "gone:1.1:7"), 0);
    EXPECT_EQ(std::count(now.begin(), now.end(), "holding:1.1:8"), 1);
    EXPECT_FALSE(b.settled("z", "delivered"));  // still that consumer's, for the idle-time reclaim
}

// The poller's hand-off (delivery::hand_off): the commit claims the first alerts for this worker,
// whose subscriptions were read while the commit was on its way; nothing is read twice, and each
// alert is delivered once.
TEST_F(delivery, alerts_claimed_by_a_commit_go_out_with_the_subscriptions_read_ahead) {
    const std::vector<std::string> names{"h1", "h2", "h3"};
    std::vector<config::subscription> subs;
    for (const auto& n : names) {
        script_hook(n, "");
        subs.push_back(hook_sub(n, sandbox.port(), n));
    }
    rig r(redis.port(), sandbox.port(), subs);
    std::vector<std::string> blobs;
    for (const auto& n : names) r.render(n, 0ms, blobs);
    ASSERT_TRUE(r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().prepare();
        co_return true;
    }));
    r.reset_stats();
    const std::size_t claimed = r.call<std::size_t>([&]() -> net::awaitable<std::size_t> {
        r.deliverer().prefetch(names);
        co_return co_await r.commit_claiming(blobs, 9, true);
    });
    ASSERT_EQ(claimed, names.size());
    for (const auto& n : names) ASSERT_TRUE(r.wait_for(n, "delivered"));
    // The snapshot's and the read ahead's, nothing more.
    EXPECT_EQ(r.redis_calls("hmget"), 1);
    EXPECT_EQ(r.redis_calls("hget"), static_cast<std::int64_t>(names.size()));
    std::this_thread::sleep_for(600ms);  // the worker's loop runs meanwhile: it finds nothing to take
    simdjson::dom::parser p;
    for (const auto& n : names) EXPECT_EQ(hook(p, n)["deliveries"].get_array().value().size(), 1u) << n;
    auto depth = r.call<outbox_depth>([&]() { return r.box().depth(); });
    EXPECT_EQ(depth.waiting, 0);
}

TEST_F(delivery, claimed_alerts_without_a_read_ahead_read_their_subscriptions_themselves) {
    script_hook("k", "");
    rig r(redis.port(), sandbox.port(), {hook_sub("k", sandbox.port(), "k")});
    std::vector<std::string> blobs;
    const std::string id = r.render("k", 0ms, blobs);
    ASSERT_TRUE(r.call<bool>([&]() -> net::awaitable<bool> {
        co_await r.box().prepare();
        // A read ahead for someone else, which this batch cannot use.
        std::vector<std::string> other(1, "nobody");
        r.deliverer().prefetch(std::move(other));
        co_await r.commit_claiming(blobs, 3, false);
        co_return true;
    }));
    ASSERT_TRUE(r.wait_for("k", "delivered"));
    simdjson::dom::parser p;
    auto got = hook(p, "k")["deliveries"].get_array().value();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(std::string_view(got.at(0)["webhook_id"]), id);
}

// A commit puts its alerts in entries of alerts_per_entry: each alert is still delivered once with
// its own id, one failing is retried on its own, and the entries leave the outbox (with their lists
// of settled alerts) once every alert in them is settled.
TEST_F(delivery, a_commit_of_many_alerts_is_delivered_whole_from_its_grouped_entries) {
    std::vector<config::subscription> subs;
    std::vector<std::string> names;
    for (int i = 0; i < 40; ++i) {
        names.push_back("m" + std::to_string(i));
        script_hook(names.back(), i == 33 ? "500" : "");  // in the second entry: one retry
        subs.push_back(hook_sub(names.back(), sandbox.port(), names.back()));
    }
    rig r(redis.port(), sandbox.port(), subs);
    std::vector<std::string> blobs, ids;
    for (const auto& n : names) ids.push_back(r.render(n, 0ms, blobs));
    const std::size_t claimed = r.call<std::size_t>([&]() -> net::awaitable<std::size_t> {
        co_await r.box().prepare();
        // The count of alerts beyond one per entry drifted (a settle repeated after its entry was
        // gone): right again once the outbox drains.
        std::vector<std::string> drift{"SET", "dt:outbox:extra", "7"};
        co_await r.store().run(std::move(drift), "SET");
        co_return co_await r.commit_claiming(blobs, 4, true);
    });
    EXPECT_EQ(claimed, static_cast<std::size_t>(state::alerts_per_entry));
    for (const auto& n : names) ASSERT_TRUE(r.wait_for(n, "delivered")) << n;
    ASSERT_TRUE(r.wait_idle());
    simdjson::dom::parser p;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto got = hook(p, names[i])["deliveries"].get_array().value();
        ASSERT_EQ(got.size(), i == 33 ? 2u : 1u) << names[i];
        for (auto d : got) EXPECT_EQ(std::string_view(d["webhook_id"]), ids[i]);
    }
    EXPECT_EQ(r.count("m33", "retry"), 1u);
    const auto left = r.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
        std::vector<std::string> xlen{"XLEN", "dt:outbox"};
        std::vector<std::string> keys{"KEYS", "dt:settled:*"};
        std::vector<std::string> extra{"GET", "dt:outbox:extra"};
        const auto entries = (co_await r.store().run(std::move(xlen), "XLEN")).integer;
        const auto lists = (co_await r.store().run(std::move(keys), "KEYS")).elements.size();
        const auto beyond = std::atoll((co_await r.store().run(std::move(extra), "GET")).str.c_str());
        co_return entries + static_cast<std::int64_t>(lists) + beyond;
    });
    EXPECT_EQ(left, 0);
}

// A process that died with an entry of five alerts, two of them settled: the one taking it over
// delivers the other three only, and the entry leaves the outbox with the last of them.
TEST_F(delivery, a_grouped_entry_taken_over_after_a_crash_delivers_only_its_unsettled_alerts) {
    std::vector<config::subscription> subs;
    std::vector<std::string> names;
    for (int i = 0; i < 5; ++i) {
        names.push_back("t" + std::to_string(i));
        script_hook(names.back(), "");
        subs.push_back(hook_sub(names.back(), sandbox.port(), names.back()));
    }
    std::string entry;
    {
        rig_options crashed;
        crashed.run_worker = false;
        crashed.consumer = "crashed:1";
        rig a(redis.port(), sandbox.port(), subs, crashed);
        std::vector<std::string> blobs;
        for (const auto& n : names) a.render(n, 0ms, blobs);
        std::vector<taken> held = a.call<std::vector<taken>>([&]() -> net::awaitable<std::vector<taken>> {
            co_await a.box().prepare();
            std::string target = "district:363:0";
            state::stored_snapshot snap;
            snap.snap.fingerprint = 8;
            state::outbox_claim claim;
            claim.group = consumer_group;
            claim.consumer = "crashed:1";
            claim.count = 5;
            state::commit_outcome out = co_await a.store().commit_with_alerts(std::move(target), 0, snap, blobs, std::move(claim));
            co_return std::move(out.claimed);
        });
        ASSERT_EQ(held.size(), 5u);
        entry = held[0].entry_id;
        // Alerts 0 and 2 settled (delivered elsewhere, say), then the process dies.
        for (int part : {0, 2}) {
            audit_record note;
            note.alert_id = "settled-" + std::to_string(part);
            note.status = "delivered";
            a.call<bool>([&]() -> net::awaitable<bool> {
                co_await a.box().done(held[static_cast<std::size_t>(part)].where(), note);
                co_return true;
            });
        }
        const auto state = a.call<std::vector<std::int64_t>>([&]() -> net::awaitable<std::vector<std::int64_t>> {
            std::vector<std::string> pending{"XPENDING", "dt:outbox", "delivery"};
            std::vector<std::string> settled{"HLEN", "dt:settled:" + entry};
            std::vector<std::int64_t> out;
            out.push_back((co_await a.store().run(std::move(pending), "XPENDING")).elements.at(0).integer);
            out.push_back((co_await a.store().run(std::move(settled), "HLEN")).integer);
            out.push_back((co_await a.box().depth()).waiting);
            co_return out;
        });
        // Still pending, two of five settled, three waiting.
        EXPECT_EQ(state, (std::vector<std::int64_t>{1, 2, 3}));
    }
    rig_options alive;
    alive.consumer = "alive:2";
    alive.reclaim_after = 200ms;
    rig b(redis.port(), sandbox.port(), subs, alive);
    for (int i : {1, 3, 4}) ASSERT_TRUE(b.wait_for(names[static_cast<std::size_t>(i)], "delivered", 30s)) << i;
    ASSERT_TRUE(b.wait_idle());
    simdjson::dom::parser p;
    for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(hook(p, names[i])["deliveries"].get_array().value().size(), i == 0 || i == 2 ? 0u : 1u) << names[i];
    }
    const auto left = b.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
        std::vector<std::string> xlen{"XLEN", "dt:outbox"};
        std::vector<std::string> exists{"EXISTS", "dt:settled:" + entry};
        const auto entries = (co_await b.store().run(std::move(xlen), "XLEN")).integer;
        co_return entries + (co_await b.store().run(std::move(exists), "EXISTS")).integer;
    });
    EXPECT_EQ(left, 0);
}

TEST_F(delivery, alerts_are_committed_only_with_their_snapshot) {
    rig r(redis.port(), sandbox.port(), {hook_sub("x", sandbox.port(), "x")}, rig_options{.run_worker = false});
    auto xlen = [&] {
        return r.call<std::int64_t>([&]() -> net::awaitable<std::int64_t> {
            std::vector<std::string> cmd{"XLEN", "dt:outbox"};
            co_return (co_await r.store().run(std::move(cmd), "XLEN")).integer;
        });
    };
    state::stored_snapshot s;
    s.snap.fingerprint = 5;
    auto commit = [&](std::uint64_t expected, std::vector<std::string> alerts) {
        return r.call<bool>([&]() -> net::awaitable<bool> {
            // Named: GCC 12 destroys temporaries in a co_await expression twice.
            std::string target = "district:363:0";
            state::outbox_claim none;
            const state::commit_outcome out =
                co_await r.store().commit_with_alerts(std::move(target), expected, s, std::move(alerts), std::move(none));
            co_return out.stored;
        });
    };
    EXPECT_TRUE(commit(0, {"a1", "a2"}));
    EXPECT_EQ(xlen(), 1);  // one entry holds both
    s.snap.fingerprint = 6;
    // Diffed against a snapshot that is no longer the stored one: neither snapshot nor alerts land.
    EXPECT_FALSE(commit(0, {"a3"}));
    EXPECT_EQ(xlen(), 1);
}

}  // namespace
}  // namespace cowin::delivery
