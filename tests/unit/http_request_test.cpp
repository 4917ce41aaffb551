// The request bytes the client writes by hand, read back by Beast's own parser: what a server sees.
#include <gtest/gtest.h>

#include <algorithm>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/request_wire.hpp"

namespace cowin::http {
namespace {

namespace bhttp = boost::beast::http;

bhttp::request<bhttp::string_body> parse(const std::string& wire) {
    bhttp::request_parser<bhttp::string_body> p;
    p.eager(true);
    boost::system::error_code ec;
    const auto used = p.put(boost::asio::buffer(wire), ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(used, wire.size());
    EXPECT_TRUE(p.is_done());
    return p.release();
}

TEST(http_request_wire, a_post_reads_back_as_sent) {
    const header_list headers{{"Content-Type", "application/json"}, {"webhook-id", "alrt_1"}, {"Accept-Encoding", "identity"}};
    auto wire = request_wire("POST", "hooks.example:8443", "/in?x=1", headers, R"({"a":1})");
    ASSERT_TRUE(wire);
    auto req = parse(*wire);
    EXPECT_EQ(req.method(), bhttp::verb::post);
    EXPECT_EQ(req.target(), "/in?x=1");
    EXPECT_EQ(req.version(), 11);
    EXPECT_EQ(req[bhttp::field::host], "hooks.example:8443");
    EXPECT_EQ(req[bhttp::field::content_type], "application/json");
    EXPECT_EQ(req["webhook-id"], "alrt_1");
    EXPECT_EQ(req[bhttp::field::accept_encoding], "identity");  // as given, not doubled
    EXPECT_EQ(std::count_if(req.begin(), req.end(), [](const auto& f) { return f.name() == bhttp::field::accept_encoding; }), 1);
    EXPECT_EQ(req[bhttp::field::content_length], "7");
    EXPECT_EQ(req.body(), R"({"a":1})");
    EXPECT_TRUE(req.keep_alive());
}

TEST(http_request_wire, gzip_is_asked_for_and_a_bodiless_get_has_no_length) {
    auto wire = request_wire("GET", "cdn-api.co-vin.in", "/api/v2/x", {}, "");
    ASSERT_TRUE(wire);
    auto req = parse(*wire);
    EXPECT_EQ(req[bhttp::field::accept_encoding], "gzip");
    EXPECT_EQ(req.find(bhttp::field::content_length), req.end());
    // A POST without a body still says so, or a server waits for one.
    auto post = request_wire("POST", "h", "/", {}, "");
    ASSERT_TRUE(post);
    EXPECT_EQ(parse(*post)[bhttp::field::content_length], "0");
}

TEST(http_request_wire, refuses_what_would_smuggle_a_header_or_a_request) {
    const std::string body = "{}";
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"X-A", "1\r\nX-Injected: 1"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"X-A", "1\nX"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"X-A", std::string("1\0x", 3)}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"Bad Name", "1"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"", "1"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"X:A", "1"}}, body));
    // What the client decides itself.
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"host", "elsewhere"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"Content-Length", "1"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"Transfer-Encoding", "chunked"}}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/", header_list{{"HoSt", "elsewhere"}}, body));  // names have no case
    EXPECT_FALSE(request_wire("POST", "h\r\nX: 1", "/", {}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/a b", {}, body));
    EXPECT_FALSE(request_wire("POST", "h", "/a\r\nX: 1", {}, body));
    EXPECT_FALSE(request_wire("POST", "h", std::string("/a\0b", 4), {}, body));
    EXPECT_FALSE(request_wire("POST", "h", "", {}, body));
    EXPECT_FALSE(request_wire("PO ST", "h", "/", {}, body));
    // Values may hold anything else, tabs and non-ASCII bytes included.
    EXPECT_TRUE(request_wire("POST", "h", "/", header_list{{"X-A", "a\tb \xc3\xa9"}}, body));
}

}  // namespace
}  // namespace cowin::http
