#pragma once
// The one HTTP(S) client of the daemon, shared by CoWIN polling and delivery: Boost.Beast with C++20
// coroutines, keep-alive connections reused per host, a deadline on every step, a body limit, gzip
// decoding, TLS verified against the system store (plus an optional CA file), no redirects followed.
// Not thread-safe: use it from one executor (strand).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cowin::http {

struct client_settings {
    std::chrono::milliseconds timeout = std::chrono::seconds(10);  ///< connect, write and read, each
    std::string ca_file;                                           ///< extra trusted CA (PEM)
    std::size_t body_limit = std::size_t{16} << 20;
};

struct response {
    enum class failure {
        none,
        bad_url,
        bad_header,  ///< a header name or value HTTP does not allow (CR or LF in a value, ...): nothing sent
        resolve,    ///< the host name did not resolve
        connect,    ///< refused or unreachable
        tls,        ///< handshake failed: untrusted certificate, host-name mismatch, ...
        timeout,
        reset,      ///< the connection broke mid-exchange
        too_large,  ///< body over the limit
        protocol,   ///< not HTTP, or a body that does not decode
    };
    failure error = failure::none;
    std::string error_text;  ///< for logs
    int status = 0;
    /// Lower-case names, each once (a repeated header keeps its last value). A few per answer:
    /// a flat list, where a map cost a node per header on every delivery's answer.
    std::vector<std::pair<std::string, std::string>> headers;
    /// Decoded body. Its capacity leaves simdjson's padding after the bytes (see padded()).
    std::string body;
    std::size_t wire_bytes = 0;  ///< as received, before gzip decoding
    /// When its last byte was read (before decoding): where "from the answer" timings start.
    std::chrono::steady_clock::time_point received{};

    bool ok() const { return error == failure::none; }
    /// The value of header `name` (lower case), or empty.
    std::string_view header(std::string_view name) const {
        for (const auto& [k, v] : headers) {
            if (k == name) return v;
        }
        return {};
    }
};

std::string_view to_string(response::failure f);

class client {
public:
    client(boost::asio::any_io_executor ex, client_settings s);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// `url` is absolute (http:// or https://). Headers are sent as given, plus Host and, unless given,
    /// Accept-Encoding: gzip.
    boost::asio::awaitable<response> request(std::string method, std::string url,
                                             std::vector<std::pair<std::string, std::string>> headers,
                                             std::string body = {});
    boost::asio::awaitable<response> get(std::string url, std::vector<std::pair<std::string, std::string>> headers) {
        return request("GET", std::move(url), std::move(headers));
    }
    /// A reloaded config's timeout, from the next request on.
    void set_timeout(std::chrono::milliseconds t);
    /// Connections opened so far (for tests of reuse).
    std::size_t connections_opened() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cowin::http
