// Any bytes as a server's answer: Beast frames them as the client's reader does (same body limit),
// then finish_response decodes them. A response is either an error with a reason or has a status, and
// a decoded body never exceeds the limit; nothing crashes, leaks or overreads.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "http/response_finish.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t limit = 1 << 16;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(limit);
    parser.eager(true);
    boost::system::error_code ec;
    // In two pieces, as a socket may deliver it, to reach the parser's resumption paths.
    const std::size_t first = size / 2;
    std::size_t used = parser.put(boost::asio::buffer(data, first), ec);
    if ((!ec || ec == bhttp::error::need_more) && !parser.is_done()) {
        ec = {};
        used += parser.put(boost::asio::buffer(data + used, size - used), ec);
    }
    if (ec && ec != bhttp::error::need_more) return 0;  // refused by the framing: the client reports it
    if (!parser.is_done()) {
        if (!parser.got_some()) return 0;  // nothing arrived: the client reports a reset
        parser.put_eof(ec);  // the server closed: a body delimited by the end of the connection
        if (ec || !parser.is_done()) return 0;
    }
    auto res = parser.release();
    const auto out = cowin::http::finish_response(res, limit);
    if (!out.ok()) {
        if (out.error_text.empty()) std::abort();
        return 0;
    }
    if (out.status < 100 || out.status > 999 || out.body.size() > limit) std::abort();
    if (out.body.capacity() < out.body.size() + cowin::http::body_padding) std::abort();
    return 0;
}
