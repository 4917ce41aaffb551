#include "admin/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <stdexcept>

#include "util/json_writer.hpp"

namespace cowin::admin {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

response json_response(unsigned status, std::string body, unsigned version) {
    response res{static_cast<http::status>(status), version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response error_response(unsigned status, std::string_view code, std::string_view message, std::string_view field) {
    util::json_writer w;
    w.begin_object().key("error").begin_object().key("code").value(code).key("message").value(message);
    if (!field.empty()) w.key("field").value(field);
    w.end_object().end_object();
    return json_response(status, w.take());
}

namespace {
tcp::endpoint parse_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("admin.listen: expected host:port, got " + listen);
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const std::string p = listen.substr(colon + 1);
    if (std::from_chars(p.data(), p.data() + p.size(), port).ec != std::errc{} || port > 65535) {
        throw std::invalid_argument("admin.listen: bad port in " + listen);
    }
    boost::system::error_code ec;
    auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) throw std::invalid_argument("admin.listen: " + host + " is not an IP address");
    return {addr, static_cast<unsigned short>(port)};
}
}  // namespace

server::server(net::any_io_executor ex, const std::string& listen, handler h, const log::logger& log, server_limits limits)
    : acceptor_(ex), handler_(std::move(h)), log_(log), limits_(limits) {
    // A flood of admin connections must not take the descriptors polling and delivery need: at most
    // a quarter of what the process may open.
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
        limits_.max_connections = std::min<std::size_t>(limits_.max_connections, std::max<std::size_t>(8, nofile.rlim_cur / 4));
    }
    const tcp::endpoint ep = parse_listen(listen);
    boost::system::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + listen + " for the admin API: " + ec.message());
}

unsigned short server::port() const { return acceptor_.local_endpoint().port(); }

void server::stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

net::awaitable<void> server::run() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (ec == net::error::no_descriptors || (ec.category() == boost::system::system_category() && ec.value() == ENFILE) ||
            ec == net::error::no_buffer_space || ec == net::error::no_memory) {
            // Out of descriptors: accepting again at once would fail again at once, a busy loop that
            // starves polling. Pause; the pending connections wait in the backlog meanwhile.
            if (!out_of_descriptors_) log_.warning("admin API: cannot accept connections (", ec.message(), "); pausing accepts");
            out_of_descriptors_ = true;
            net::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            continue;
        }
        if (ec) continue;  // an aborted handshake and the like: the next accept may succeed
        out_of_descriptors_ = false;
        if (*active_ >= limits_.max_connections) {
            // Refused before reading anything: one flood must not starve the poll loop.
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        net::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), net::detached);
    }
}

net::awaitable<void> server::serve(tcp::socket socket) {
    auto active = active_;
    ++*active;
    struct release {
        std::shared_ptr<std::size_t> n;
        ~release() { --*n; }
    } guard{active};
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits_.max_header));
        parser.body_limit(limits_.max_body);
        // A whole request must arrive within read_timeout (slow clients hold a slot, not the loop);
        // between requests a kept-alive connection may idle longer.
        stream.expires_after(first ? limits_.read_timeout : limits_.idle_timeout);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        if (!ec && !parser.is_done()) {
            stream.expires_after(limits_.read_timeout);
            std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        }
        first = false;
        std::optional<response> refusal;
        if (ec == http::error::body_limit) {
            refusal = error_response(413, "payload_too_large",
                                     "the body exceeds " + std::to_string(limits_.max_body / 1024) + " KiB");
        } else if (ec == http::error::header_limit) {
            refusal = error_response(431, "headers_too_large",
                                     "the headers exceed " + std::to_string(limits_.max_header / 1024) + " KiB");
        } else if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
                   ec == net::error::connection_reset || ec == net::error::operation_aborted) {
            co_return;
        } else if (ec) {
            refusal = error_response(400, "bad_request", "not a valid HTTP/1.1 request: " + ec.message());
        }
        if (refusal) {
            refusal->keep_alive(false);
            stream.expires_after(limits_.read_timeout);
            co_await http::async_write(stream, *refusal, net::as_tuple(net::use_awaitable));
            // Read (and drop) what the client is still sending, briefly, so that closing does not reset
            // the connection before it has read the answer.
            boost::system::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            char sink[16384];
            std::size_t drained = 0;
            stream.expires_after(std::chrono::seconds(2));
            while (drained < 1024 * 1024) {
                auto [e, got] = co_await stream.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
                if (e) break;
                drained += got;
            }
            co_return;
        }
        request& req = parser.get();
        const bool keep_alive = req.keep_alive();
        response res;
        try {
            res = co_await handler_(req);
        } catch (const std::exception& e) {
            log_.error("admin API: ", req.method_string(), " ", req.target(), " failed: ", e.what());
            res = error_response(500, "internal", "internal error");
        }
        res.version(req.version());
        res.keep_alive(keep_alive);
        res.prepare_payload();
        stream.expires_after(limits_.read_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
        if (wec || !keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace cowin::admin
