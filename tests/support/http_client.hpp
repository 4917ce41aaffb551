#pragma once
// A blocking HTTP/1.1 client for tests (Boost.Beast), one keep-alive connection per instance.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace cowin::test {

struct http_answer {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< lower-case names
    std::string body;
    std::string error;  ///< set when no answer came (timeout, reset)

    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

class http_client {
public:
    http_client(std::string host, std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~http_client();
    http_answer request(const std::string& method, const std::string& target, const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {});
    http_answer get(const std::string& target, const std::map<std::string, std::string>& headers = {}) {
        return request("GET", target, "", headers);
    }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// gunzip for checking compressed answers.
std::string gunzip(const std::string& in);

}  // namespace cowin::test
