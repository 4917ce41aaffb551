#include "http/request_wire.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace cowin::http {

using boost::beast::iequals;

namespace {

// RFC 9110 §5.6.2 tchar, as a table: every header name of every request passes through here.
constexpr std::array<bool, 256> tchar = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = t[static_cast<std::size_t>(c - 'a' + 'A')] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return tchar[static_cast<unsigned char>(c)]; });
}

// A plain loop, not find_first_of: libstdc++'s calls memchr on the set for every character, and
// every header value of every request (the signature, the id) passes through here.
bool is_value(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

}  // namespace

std::optional<std::string> request_wire(std::string_view method, std::string_view host, std::string_view target,
                                        const header_list& headers, std::string_view body) {
    if (!is_token(method) || !is_value(host) || target.empty() || !is_value(target) ||
        target.find(' ') != std::string_view::npos) {
        return std::nullopt;
    }
    std::size_t size = method.size() + target.size() + host.size() + body.size() + 64;
    bool has_encoding = false, has_length = false;
    for (const auto& [k, v] : headers) {
        if (!is_token(k) || !is_value(v) || iequals(k, "host") || iequals(k, "transfer-encoding")) return std::nullopt;
        has_encoding = has_encoding || iequals(k, "accept-encoding");
        has_length = has_length || iequals(k, "content-length");
        size += k.size() + v.size() + 4;
    }
    if (has_length) return std::nullopt;  // the body decides it
    std::string out;
    out.reserve(size);
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
    if (!has_encoding) out.append("Accept-Encoding: gzip\r\n");
    if (!body.empty() || (method != "GET" && method != "HEAD")) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
        out.append("Content-Length: ").append(digits, end).append("\r\n");
    }
    out.append("\r\n").append(body);
    return out;
}

}  // namespace cowin::http
