#include "support/http_client.hpp"
#include "http/response_finish.hpp"
#include "util/text.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace cowin::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct http_client::impl {
    std::string host;
    std::uint16_t port;
    std::chrono::milliseconds timeout;
    net::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;
    bool connected = false;
};

http_client::http_client(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->timeout = timeout;
}

http_client::~http_client() = default;

namespace {
// Runs one async operation on the client's own io_context; tcp_stream's deadline only covers async ops.
template <class Start>
beast::error_code run(net::io_context& ioc, Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, std::size_t = 0) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}
}  // namespace

http_answer http_client::request(const std::string& method, const std::string& target, const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
    http_answer out;
    impl& m = *impl_;
    for (int attempt = 0; attempt < 2; ++attempt) {
        beast::error_code ec;
        if (!m.connected) {
            m.stream.expires_after(m.timeout);
            ec = run(m.ioc, [&](auto handler) {
                m.stream.async_connect(net::ip::tcp::endpoint(net::ip::make_address(m.host), m.port),
                                       [handler](beast::error_code e) mutable { handler(e); });
            });
            if (ec) {
                out.error = ec.message();
                return out;
            }
            m.connected = true;
        }
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, m.host);
        for (const auto& [k, v] : headers) req.set(k, v);
        req.body() = body;
        if (!body.empty() && headers.find("content-type") == headers.end()) req.set(http::field::content_type, "application/json");
        req.prepare_payload();
        m.stream.expires_after(m.timeout);
        ec = run(m.ioc, [&](auto handler) { http::async_write(m.stream, req, handler); });
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        if (!ec) ec = run(m.ioc, [&](auto handler) { http::async_read(m.stream, m.buffer, parser, handler); });
        if (ec) {
            // A kept-alive connection the server closed: reconnect once. A timeout is an answer.
            m.stream.close();
            m.connected = false;
            m.buffer.clear();
            out.error = ec.message();
            if (ec == beast::error::timeout) return out;
            continue;
        }
        const auto& res = parser.get();
        out.error.clear();
        out.status = static_cast<int>(res.result_int());
        for (const auto& f : res) {
            out.headers[util::to_lower_ascii(f.name_string())] = std::string(f.value());
        }
        out.body = res.body();
        if (!res.keep_alive()) {
            m.stream.close();
            m.connected = false;
        }
        return out;
    }
    return out;
}

std::string gunzip(const std::string& in) {
    std::string out;
    return cowin::http::gunzip(in, out, std::size_t{1} << 30) ? out : std::string{};
}

}  // namespace cowin::test
