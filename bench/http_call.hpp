#pragma once
// One blocking HTTP request with the project's client, for the benchmarks' control calls (the
// sandbox's control API, the daemon's metrics): the body of the answer, empty when none came.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "http/client.hpp"

namespace cowin::bench {

inline std::string http_call(const std::string& method, const std::string& url, const std::string& body = "",
                             const std::string& token = "") {
    boost::asio::io_context ioc(1);
    http::client c(ioc.get_executor(), {std::chrono::seconds(30), "", std::size_t{1} << 30});
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto f = boost::asio::co_spawn(ioc, c.request(method, url, std::move(headers), body), boost::asio::use_future);
    ioc.run();
    auto r = f.get();
    return r.ok() ? r.body : std::string{};
}

}  // namespace cowin::bench
