#pragma once
// The sandbox's logic sees requests and answers as these plain structs, not Beast's types, so that it
// stays free of I/O; server.cpp converts at the edge.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cowin::sandbox {

using clock = std::chrono::steady_clock;

struct request {
    std::string method;
    /// Path without the query string, e.g. "/api/v2/appointment/sessions/public/calendarByDistrict".
    std::string path;
    /// Decoded query parameters.
    std::map<std::string, std::string> query;
    /// Lower-cased header names.
    std::map<std::string, std::string> headers;
    std::string body;
    /// The client's IP address, for the per-IP rate limit.
    std::string client;

    std::string header(std::string_view name) const {
        auto it = headers.find(std::string(name));
        return it == headers.end() ? std::string{} : it->second;
    }
    std::string param(std::string_view name) const {
        auto it = query.find(std::string(name));
        return it == query.end() ? std::string{} : it->second;
    }
    bool has_param(std::string_view name) const { return query.count(std::string(name)) != 0; }
};

struct response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// Wait this long before answering ("slow" faults, scripted receivers).
    std::chrono::milliseconds delay{0};
    /// Never answer; hold the connection until the client gives up ("stall" faults).
    bool stall = false;
    /// Send the head (with the full Content-Length) and half the body, then reset the connection
    /// ("reset" faults: a proxy or the CDN dropping the connection mid-body).
    bool reset_mid_body = false;

    response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

response json_response(int status, std::string body);
/// {"error":"<message>"} with `status`.
response json_error(int status, std::string_view message);

}  // namespace cowin::sandbox
