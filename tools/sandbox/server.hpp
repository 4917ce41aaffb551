#pragma once
// The sandbox's HTTP(S) server: Beast, C++20 coroutines, one thread, keep-alive, many connections.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>

#include "app.hpp"

namespace cowin::sandbox {

/// Accepts on `acceptor` until it is closed; each connection runs its own coroutine.
void start_server(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor, app& a,
                  boost::asio::ssl::context* tls);

/// Calls a.churn() every `step` until the io_context stops.
void start_churn(boost::asio::io_context& ioc, app& a, double per_minute, std::chrono::milliseconds step);

}  // namespace cowin::sandbox
