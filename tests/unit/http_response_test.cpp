// What the client makes of a framed response (lib/http/response_finish.cpp), row by row; rows marked
// "fuzz" came from the fuzz test.
#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>

#include <zlib.h>

#include <string>

#include "http/response_finish.hpp"

namespace cowin::http {
namespace {

namespace bhttp = boost::beast::http;

response finish(const std::string& wire, std::size_t limit = 1 << 16) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.body_limit(limit);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(wire), ec);
    if (!parser.is_done()) parser.put_eof(ec);
    EXPECT_TRUE(parser.is_done()) << ec.message();
    auto res = parser.release();
    return finish_response(res, limit);
}

TEST(http_response, headers_are_lower_case_and_the_body_is_padded) {
    auto r = finish("HTTP/1.1 200 OK\r\nRetry-After: 120\r\nContent-Length: 2\r\n\r\n{}");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("retry-after"), "120");
    EXPECT_EQ(r.body, "{}");
    EXPECT_GE(r.body.capacity(), r.body.size() + body_padding);
}

TEST(http_response, a_body_that_does_not_gunzip_is_a_protocol_error) {
    auto r = finish("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\nnotgz!");
    EXPECT_EQ(r.error, response::failure::protocol);
    EXPECT_FALSE(r.error_text.empty());
}

TEST(http_response, a_body_that_inflates_past_the_limit_is_too_large) {
    const std::string zeros(200'000, '0');
    std::string packed(compressBound(zeros.size()), '\0');
    uLongf packed_size = packed.size();
    ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(zeros.data()),
                        zeros.size(), 9),
              Z_OK);
    packed.resize(packed_size);
    auto r = finish("HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: " + std::to_string(packed.size()) +
                    "\r\n\r\n" + packed);
    EXPECT_EQ(r.error, response::failure::too_large);
}

TEST(http_response, fuzz_a_status_outside_100_to_599_is_refused) {
    for (const char* status : {"020", "000", "099", "600", "999"}) {
        auto r = finish(std::string("HTTP/1.1 ") + status + " OK\r\nContent-Length: 0\r\n\r\n");
        EXPECT_EQ(r.error, response::failure::protocol) << status;
    }
    EXPECT_TRUE(finish("HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n").ok());
}

}  // namespace
}  // namespace cowin::http
