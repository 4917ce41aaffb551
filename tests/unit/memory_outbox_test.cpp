// The memory backend's outbox (the daemon with state.backend: memory): no I/O, so a unit test.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "delivery/outbox.hpp"

namespace cowin::delivery {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// The memory backend's outbox keeps the same account of its oldest pending alert as Redis's (see
// delivery_test), by its own clock.
TEST(memory_outbox, the_oldest_pending_alert_ages_until_it_is_settled) {
    state::memory_outbox_log log;
    memory_outbox box(log, 100);
    net::io_context ioc;
    auto run = [&](auto make) {
        auto f = net::co_spawn(ioc, make(), boost::asio::use_future);
        ioc.restart();
        ioc.run();
        return f.get();
    };
    EXPECT_EQ(run([&] { return box.depth(); }).oldest_pending_ms, 0);
    std::vector<std::string> first(1, "a"), second(1, "b");
    run([&]() -> net::awaitable<bool> {
        co_await box.add(first);
        co_return true;
    });
    std::this_thread::sleep_for(300ms);
    run([&]() -> net::awaitable<bool> {
        co_await box.add(second);
        co_return true;
    });
    const auto waiting = run([&] { return box.depth(); });
    EXPECT_EQ(waiting.waiting, 2);
    EXPECT_GE(waiting.oldest_pending_ms, 300);
    auto held = run([&] { return box.take("me", 10); });
    ASSERT_EQ(held.size(), 2u);
    EXPECT_GE(run([&] { return box.depth(); }).oldest_pending_ms, waiting.oldest_pending_ms);
    run([&]() -> net::awaitable<bool> {
        audit_record note;
        std::string again = "b";
        co_await box.done(held[0].where(), note);
        co_await box.later(held[1].where(), std::move(again), 0, note);  // a retry waits by design until due
        co_return true;
    });
    const auto settled = run([&] { return box.depth(); });
    EXPECT_EQ(settled.waiting, 1);
    EXPECT_EQ(settled.oldest_pending_ms, 0);
}

}  // namespace
}  // namespace cowin::delivery
