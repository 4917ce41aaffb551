#pragma once
// The admin API's HTTP/1.1 server (Boost.Beast, one coroutine per connection). It guards the event loop
// that also polls CoWIN: headers and bodies are size-capped, a client that trickles its request is cut
// off after read_timeout, and past max_connections new connections are refused at once.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "log/log.hpp"

namespace cowin::admin {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;
using handler = std::function<boost::asio::awaitable<response>(request&)>;

struct server_limits {
    std::size_t max_body = 64 * 1024;
    std::size_t max_header = 16 * 1024;
    std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
    std::size_t max_connections = 512;
};

class server {
public:
    /// Binds `listen` ("127.0.0.1:8080"; port 0 picks a free one); throws with the reason when it cannot.
    server(boost::asio::any_io_executor ex, const std::string& listen, handler h, const log::logger& log,
           server_limits limits = {});
    unsigned short port() const;
    boost::asio::awaitable<void> run();
    void stop();
    std::size_t connections() const { return *active_; }

private:
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

    boost::asio::ip::tcp::acceptor acceptor_;
    handler handler_;
    const log::logger& log_;
    server_limits limits_;
    std::shared_ptr<std::size_t> active_ = std::make_shared<std::size_t>(0);
    bool out_of_descriptors_ = false;  ///< told once per episode
};

/// A JSON response with `status` and `body`.
response json_response(unsigned status, std::string body, unsigned version = 11);
/// {"error":{"code":..., "message":..., "field":...}}; `field` omitted when empty.
response error_response(unsigned status, std::string_view code, std::string_view message, std::string_view field = {});

}  // namespace cowin::admin
