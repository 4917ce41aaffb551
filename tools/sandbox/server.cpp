#include "server.hpp"
#include "util/text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace cowin::sandbox {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use = net::as_tuple(net::use_awaitable);

request to_request(const http::request<http::string_body>& in, const std::string& client) {
    request r;
    r.method = std::string(in.method_string());
    r.client = client;
    r.body = in.body();
    auto url = boost::urls::parse_origin_form(in.target());
    if (url) {
        r.path = std::string(url->encoded_path());
        for (auto p : url->params()) r.query[std::string(p.key)] = std::string(p.value);
    } else {
        r.path = std::string(in.target());
    }
    for (const auto& f : in) {
        r.headers[util::to_lower_ascii(f.name_string())] = std::string(f.value());
    }
    return r;
}

template <class Stream>
net::awaitable<void> serve(Stream& stream, app& a, std::string client) {
    beast::flat_buffer buffer;
    auto executor = co_await net::this_coro::executor;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(4 << 20);
        parser.header_limit(64 << 10);
        beast::get_lowest_layer(stream).expires_after(120s);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use);
        if (ec) co_return;
        const auto& req = parser.get();
        response out = a.handle(to_request(req, client), clock::now());
        if (out.stall) {
            // Hold the connection without an answer until the client gives up (or 2 minutes pass).
            net::steady_timer t(executor, 120s);
            co_await t.async_wait(use);
            co_return;
        }
        if (out.reset_mid_body) {
            std::string head = "HTTP/1.1 " + std::to_string(out.status) + " OK\r\nContent-Length: " +
                               std::to_string(out.body.size()) + "\r\n";
            for (const auto& [k, v] : out.headers) head += k + ": " + v + "\r\n";
            head += "\r\n";
            head.append(out.body, 0, out.body.size() / 2);
            co_await net::async_write(stream, net::buffer(head), use);
            // SO_LINGER 0: close() sends RST, not FIN, as a dropped connection does.
            beast::error_code ignored;
            beast::get_lowest_layer(stream).socket().set_option(tcp::socket::linger(true, 0), ignored);
            beast::get_lowest_layer(stream).socket().close(ignored);
            co_return;
        }
        if (out.delay.count() > 0) {
            net::steady_timer t(executor, out.delay);
            co_await t.async_wait(use);
        }
        http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
        res.set(http::field::server, "cowin-sandbox");
        for (const auto& [k, v] : out.headers) res.set(k, v);
        res.body() = std::move(out.body);
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(60s);
        auto [wec, wn] = co_await http::async_write(stream, res, use);
        if (wec || !res.keep_alive()) co_return;
    }
}

net::awaitable<void> plain_session(tcp::socket socket, app& a) {
    beast::error_code ec;
    std::string client = socket.remote_endpoint(ec).address().to_string();
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream, a, client);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> tls_session(tcp::socket socket, app& a, net::ssl::context& tls) {
    beast::error_code ec;
    std::string client = socket.remote_endpoint(ec).address().to_string();
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), tls);
    beast::get_lowest_layer(stream).expires_after(30s);
    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::server, use);
    if (hec) co_return;
    co_await serve(stream, a, client);
    beast::get_lowest_layer(stream).expires_after(5s);
    co_await stream.async_shutdown(use);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, app& a, net::ssl::context* tls) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use);
        if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;  // e.g. out of descriptors: keep serving the others
        if (tls != nullptr) {
            net::co_spawn(acceptor.get_executor(), tls_session(std::move(socket), a, *tls), net::detached);
        } else {
            net::co_spawn(acceptor.get_executor(), plain_session(std::move(socket), a), net::detached);
        }
    }
}

net::awaitable<void> churn_loop(app& a, double per_minute, std::chrono::milliseconds step) {
    net::steady_timer t(co_await net::this_coro::executor);
    for (;;) {
        t.expires_after(step);
        auto [ec] = co_await t.async_wait(use);
        if (ec) co_return;
        a.churn(per_minute, step);
    }
}

}  // namespace

void start_server(net::io_context& ioc, tcp::acceptor& acceptor, app& a, net::ssl::context* tls) {
    net::co_spawn(ioc, accept_loop(acceptor, a, tls), net::detached);
}

void start_churn(net::io_context& ioc, app& a, double per_minute, std::chrono::milliseconds step) {
    net::co_spawn(ioc, churn_loop(a, per_minute, step), net::detached);
}

}  // namespace cowin::sandbox
