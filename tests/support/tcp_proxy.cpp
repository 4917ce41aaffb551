#include "support/tcp_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <future>
#include <list>
#include <thread>

namespace cowin::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr auto use = net::as_tuple(net::use_awaitable);

struct link {
    tcp::socket client, server;
    explicit link(net::io_context& ioc) : client(ioc), server(ioc) {}
    void close() {
        boost::system::error_code ec;
        client.close(ec);
        server.close(ec);
    }
};

net::awaitable<void> pump(std::shared_ptr<link> l, tcp::socket& from, tcp::socket& to, std::chrono::milliseconds delay) {
    std::array<char, 16384> buf{};
    net::steady_timer hold(co_await net::this_coro::executor);
    for (;;) {
        auto [rec, n] = co_await from.async_read_some(net::buffer(buf), use);
        if (rec) break;
        if (delay.count() > 0) {
            hold.expires_after(delay);
            co_await hold.async_wait(use);
        }
        auto [wec, w] = co_await net::async_write(to, net::buffer(buf.data(), n), use);
        if (wec) break;
    }
    l->close();
}
}  // namespace

struct tcp_proxy::impl {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::uint16_t upstream;
    std::chrono::milliseconds delay;
    bool refusing = false;
    std::list<std::weak_ptr<link>> links;
    std::thread thread;

    net::awaitable<void> accept_loop() {
        for (;;) {
            auto l = std::make_shared<link>(ioc);
            auto [ec] = co_await acceptor.async_accept(l->client, use);
            if (ec) co_return;
            if (refusing) {
                l->close();
                continue;
            }
            auto [cec] = co_await l->server.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), upstream), use);
            if (cec) {
                l->close();
                continue;
            }
            links.remove_if([](const std::weak_ptr<link>& w) { return w.expired(); });
            links.push_back(l);
            net::co_spawn(ioc, pump(l, l->client, l->server, delay), net::detached);
            net::co_spawn(ioc, pump(l, l->server, l->client, delay), net::detached);
        }
    }

    // Runs `f` on the proxy's thread and waits for it.
    template <class F>
    void on_thread(F f) {
        std::promise<void> done;
        net::post(ioc, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }
};

tcp_proxy::tcp_proxy(std::uint16_t upstream_port, std::chrono::milliseconds delay) : impl_(std::make_unique<impl>()) {
    impl_->upstream = upstream_port;
    impl_->delay = delay;
    net::co_spawn(impl_->ioc, impl_->accept_loop(), net::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

tcp_proxy::~tcp_proxy() {
    impl_->ioc.stop();
    impl_->thread.join();
}

std::uint16_t tcp_proxy::port() const { return impl_->acceptor.local_endpoint().port(); }

void tcp_proxy::cut() {
    impl_->on_thread([this] {
        impl_->refusing = true;
        for (auto& w : impl_->links) {
            if (auto l = w.lock()) l->close();
        }
        impl_->links.clear();
    });
}

void tcp_proxy::restore() {
    impl_->on_thread([this] { impl_->refusing = false; });
}

}  // namespace cowin::test
