// What the client makes of a framed response (lib/http/response_finish.cpp), row by row; rows marked
// "fuzz" came from the fuzz test.
#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstdint>
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

// A header sent twice, in any case, is one header holding its last value: a receiver that says
// Retry-After twice is judged by what it said last, and the lookup never sees two.
TEST(http_response, a_repeated_header_keeps_its_last_value_once) {
    auto r = finish("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nX-A: 1\r\nretry-AFTER: 30\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.header("retry-after"), "30");
    EXPECT_EQ(r.header("x-a"), "1");
    EXPECT_EQ(r.header("Retry-After"), "");  // names are looked up lower-case
    EXPECT_EQ(std::count_if(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "retry-after"; }), 1);
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

std::string gzipped(const std::string& in) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&z, in.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// The gzip trailer's last four bytes: the size it claims, little-endian.
void set_declared_size(std::string& gz, std::uint32_t n) {
    for (int i = 0; i < 4; ++i) gz[gz.size() - 4 + static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
}

std::string calendar_like(std::size_t centers) {
    std::string s = "{\"centers\":[";
    for (std::size_t i = 0; i < centers; ++i) {
        s += "{\"center_id\":" + std::to_string(600000 + i * 7) + ",\"name\":\"PHC " + std::to_string(i) +
             "\",\"sessions\":[{\"available_capacity\":" + std::to_string(i % 13) + "}]},";
    }
    s.back() = ']';
    return s + "}";
}

TEST(http_response, gzip_decodes_whole_and_padded) {
    const std::string plain = calendar_like(5000);
    std::string out;
    ASSERT_TRUE(gunzip(gzipped(plain), out, 1 << 24));
    EXPECT_EQ(out, plain);
    EXPECT_GE(out.capacity(), out.size() + body_padding);
}

TEST(http_response, a_gzip_trailer_that_misstates_the_size_does_not_change_what_decodes) {
    const std::string plain = calendar_like(3000);
    for (std::uint32_t claimed : {0u, 1u, static_cast<std::uint32_t>(plain.size() - 1), static_cast<std::uint32_t>(plain.size() + 1),
                                  static_cast<std::uint32_t>(plain.size() * 3), 0xffffffffu}) {
        std::string gz = gzipped(plain);
        set_declared_size(gz, claimed);
        std::string out;
        // zlib checks the size too: a wrong one is a corrupt body, whichever way it errs.
        EXPECT_FALSE(gunzip(gz, out, 1 << 24)) << claimed;
    }
}

TEST(http_response, a_gzip_body_that_claims_little_and_inflates_past_the_limit_is_too_large) {
    std::string gz = gzipped(std::string(300'000, '0'));
    set_declared_size(gz, 100);
    auto r = finish("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) + "\r\n\r\n" + gz,
                    1 << 16);
    EXPECT_EQ(r.error, response::failure::too_large);
}

TEST(http_response, a_gzip_body_cut_short_or_damaged_is_a_protocol_error) {
    const std::string gz = gzipped(calendar_like(2000));
    std::string cut = gz.substr(0, gz.size() - 9);
    std::string damaged = gz;
    for (std::size_t i = 40; i < 80; ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    for (const auto& body : {cut, damaged}) {
        auto r = finish("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body, 1 << 24);
        EXPECT_EQ(r.error, response::failure::protocol);
    }
}

TEST(http_response, two_gzip_members_decode_as_before_the_first_only) {
    const std::string a = calendar_like(100), b = calendar_like(50);
    std::string out;
    ASSERT_TRUE(gunzip(gzipped(a) + gzipped(b), out, 1 << 24));
    EXPECT_EQ(out, a);
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
