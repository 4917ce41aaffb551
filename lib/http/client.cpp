#include "http/client.hpp"
#include "http/request_wire.hpp"
#include "http/response_finish.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>
#include <zlib.h>

#include <charconv>
#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>
#include <variant>

namespace cowin::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

std::string_view to_string(response::failure f) {
    switch (f) {
        case response::failure::none: return "none";
        case response::failure::bad_url: return "bad URL";
        case response::failure::bad_header: return "bad header";
        case response::failure::resolve: return "name resolution failed";
        case response::failure::connect: return "connection failed";
        case response::failure::tls: return "TLS handshake failed";
        case response::failure::timeout: return "timed out";
        case response::failure::reset: return "connection reset";
        case response::failure::too_large: return "response too large";
        case response::failure::protocol: return "bad HTTP response";
    }
    return "?";
}

namespace {

constexpr auto use = net::as_tuple(net::use_awaitable);
constexpr std::size_t read_buffer_bytes = 16 * 1024;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct connection {
    std::string key;  ///< scheme://host:port
    std::variant<std::unique_ptr<plain_stream>, std::unique_ptr<tls_stream>> stream;
    beast::flat_buffer buffer;
};

response fail(response::failure f, std::string text) {
    response r;
    r.error = f;
    r.error_text = std::move(text);
    return r;
}

}  // namespace

struct client::impl {
    net::any_io_executor ex;
    client_settings settings;
    net::ssl::context tls{net::ssl::context::tls_client};
    std::deque<std::unique_ptr<connection>> idle;
    std::size_t opened = 0;
    std::string tls_setup_error;

    // Resolved addresses, kept a minute: a burst of alerts to one receiver asks the resolver (a
    // thread, then the network) once, not once per new connection. An IP literal is never resolved.
    struct resolved {
        std::vector<tcp::endpoint> endpoints;
        std::chrono::steady_clock::time_point until;
    };
    std::map<std::string, resolved> dns;

    // What a URL means to the client, kept per URL: a fan-out posts to the same few URLs thousands
    // of times, and parsing each again cost more than the lookup. Shared, so that a request keeps
    // its own while the cache is cleared.
    struct target {
        bool secure = false;
        std::string host, port, path, host_header, key;
    };
    std::unordered_map<std::string, std::shared_ptr<const target>> targets;
    std::shared_ptr<const target> target_of(const std::string& url);

    std::unique_ptr<connection> take_idle(const std::string& key) {
        for (auto it = idle.begin(); it != idle.end(); ++it) {
            if ((*it)->key == key) {
                auto c = std::move(*it);
                idle.erase(it);
                return c;
            }
        }
        return nullptr;
    }
};

client::client(net::any_io_executor ex, client_settings s) : impl_(std::make_unique<impl>()) {
    impl_->ex = std::move(ex);
    impl_->settings = std::move(s);
    impl_->tls.set_verify_mode(net::ssl::verify_peer);
    boost::system::error_code ec;
    impl_->tls.set_default_verify_paths(ec);
    if (!impl_->settings.ca_file.empty()) {
        impl_->tls.load_verify_file(impl_->settings.ca_file, ec);
        if (ec) impl_->tls_setup_error = "cannot load CA file " + impl_->settings.ca_file + ": " + ec.message();
    }
}

client::~client() = default;

std::size_t client::connections_opened() const { return impl_->opened; }

void client::set_timeout(std::chrono::milliseconds t) { impl_->settings.timeout = t; }

namespace {

template <class Stream>
net::awaitable<response> exchange(Stream& stream, beast::flat_buffer& buffer, const std::string& wire,
                                  const client_settings& s, bool& reusable) {
    reusable = false;
    beast::get_lowest_layer(stream).expires_after(s.timeout);
    auto [wec, wn] = co_await net::async_write(stream, net::buffer(wire), use);
    if (wec) co_return fail(wec == beast::error::timeout ? response::failure::timeout : response::failure::reset, wec.message());
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(s.body_limit);
    beast::get_lowest_layer(stream).expires_after(s.timeout);
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use);
    if (rec == bhttp::error::body_limit) co_return fail(response::failure::too_large, "body over " + std::to_string(s.body_limit) + " bytes");
    if (rec == beast::error::timeout) co_return fail(response::failure::timeout, rec.message());
    if (rec == bhttp::error::end_of_stream || rec == net::error::connection_reset || rec == net::error::eof ||
        rec == net::ssl::error::stream_truncated) {
        co_return fail(response::failure::reset, rec.message());
    }
    if (rec) co_return fail(response::failure::protocol, rec.message());
    const auto received = std::chrono::steady_clock::now();
    auto& res = parser.get();
    response out = finish_response(res, s.body_limit);
    out.received = received;
    reusable = res.keep_alive();
    co_return out;
}

}  // namespace

std::shared_ptr<const client::impl::target> client::impl::target_of(const std::string& url) {
    if (auto hit = targets.find(url); hit != targets.end()) return hit->second;
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty()) return nullptr;
    auto made = std::make_shared<target>();
    target& t = *made;
    t.secure = parsed->scheme() == "https";
    t.host = std::string(parsed->host());
    t.port = parsed->has_port() ? std::string(parsed->port()) : (t.secure ? "443" : "80");
    t.path = std::string(parsed->encoded_path());
    if (t.path.empty()) t.path = "/";
    if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
    // RFC 9112 §3.2: with the port when the URL names one.
    t.host_header = std::string(parsed->encoded_host_and_port());
    t.key = std::string(parsed->scheme()) + "://" + t.host + ":" + t.port;
    if (targets.size() >= 4096) targets.clear();
    targets.emplace(url, made);
    return made;
}

net::awaitable<response> client::request(std::string method, std::string url,
                                         std::vector<std::pair<std::string, std::string>> headers, std::string body) {
    impl& m = *impl_;
    const auto found = m.target_of(url);
    if (!found) co_return fail(response::failure::bad_url, "not an http(s) URL: " + url);
    const impl::target& t = *found;
    const bool secure = t.secure;
    const std::string& host = t.host;
    const std::string& port = t.port;
    const std::string& key = t.key;
    if (secure && !m.tls_setup_error.empty()) co_return fail(response::failure::tls, m.tls_setup_error);
    auto wire = request_wire(method, t.host_header, t.path, headers, body);
    if (!wire) co_return fail(response::failure::bad_header, "a header name or value HTTP does not allow, for " + key);

    // A kept-alive connection may have been closed by the server meanwhile: then one fresh try.
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::unique_ptr<connection> conn = m.take_idle(key);
        const bool reused = conn != nullptr;
        if (!conn) {
            conn = std::make_unique<connection>();
            conn->key = key;
            // Beast reads into what the buffer has room for, and never less than 512 bytes: left to
            // grow by itself, a buffer that held a short header reads every body 512 bytes a turn.
            conn->buffer.reserve(read_buffer_bytes);
            std::vector<tcp::endpoint> endpoints;
            const auto now = std::chrono::steady_clock::now();
            boost::system::error_code literal_ec;
            const auto literal = net::ip::make_address(host, literal_ec);
            std::uint16_t port_number = 0;
            const bool numeric_port = std::from_chars(port.data(), port.data() + port.size(), port_number).ec == std::errc{};
            if (!literal_ec && numeric_port) {
                endpoints.emplace_back(literal, port_number);
            } else if (auto hit = m.dns.find(key); hit != m.dns.end() && hit->second.until > now) {
                endpoints = hit->second.endpoints;
            } else {
                tcp::resolver resolver(m.ex);
                auto [rec, results] = co_await resolver.async_resolve(host, port, use);
                if (rec) co_return fail(response::failure::resolve, host + ": " + rec.message());
                for (const auto& r : results) endpoints.push_back(r.endpoint());
                if (m.dns.size() > 1024) m.dns.clear();
                m.dns[key] = {endpoints, now + std::chrono::minutes(1)};
            }
            auto tcp_stream = std::make_unique<plain_stream>(m.ex);
            tcp_stream->expires_after(m.settings.timeout);
            auto [cec, ep] = co_await tcp_stream->async_connect(endpoints, use);
            if (cec) {
                co_return fail(cec == beast::error::timeout ? response::failure::timeout : response::failure::connect,
                               host + ":" + port + ": " + cec.message());
            }
            ++m.opened;
            if (secure) {
                auto s = std::make_unique<tls_stream>(std::move(*tcp_stream), m.tls);
                // SNI, and the certificate must name this host.
                if (!SSL_set_tlsext_host_name(s->native_handle(), host.c_str())) {
                    co_return fail(response::failure::tls, "cannot set SNI for " + host);
                }
                s->set_verify_callback(net::ssl::host_name_verification(host));
                beast::get_lowest_layer(*s).expires_after(m.settings.timeout);
                auto [hec] = co_await s->async_handshake(net::ssl::stream_base::client, use);
                if (hec) {
                    co_return fail(hec == beast::error::timeout ? response::failure::timeout : response::failure::tls,
                                   host + ": " + hec.message());
                }
                conn->stream = std::move(s);
            } else {
                conn->stream = std::move(tcp_stream);
            }
        }
        bool reusable = false;
        response out = co_await std::visit(
            [&](auto& s) { return exchange(*s, conn->buffer, *wire, m.settings, reusable); }, conn->stream);
        if (out.error == response::failure::reset && reused) continue;
        if (out.ok() && reusable) m.idle.push_back(std::move(conn));
        co_return out;
    }
    co_return fail(response::failure::reset, "connection closed twice");
}

}  // namespace cowin::http
