#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

#include "config/validators.hpp"
#include "util/base64.hpp"
#include "util/edit_distance.hpp"

namespace cowin {
namespace {

TEST(edit_distance, counts_edits_ignoring_case) {
    EXPECT_EQ(util::edit_distance("rate_limit", "rate_limt"), 1u);
    EXPECT_EQ(util::edit_distance("Poll", "poll"), 0u);
    EXPECT_EQ(util::edit_distance("", "abc"), 3u);
}

TEST(edit_distance, suggests_only_close_words) {
    std::vector<std::string> keys{"rate_limit", "timeout", "base_url"};
    EXPECT_EQ(util::nearest("ratelimit", keys), "rate_limit");
    EXPECT_EQ(util::nearest("zzzzzz", keys), "");
}

TEST(base64, round_trips_and_refuses_garbage) {
    EXPECT_EQ(util::base64_encode("hello"), "aGVsbG8=");
    EXPECT_EQ(util::base64_decode("aGVsbG8="), "hello");
    EXPECT_EQ(util::base64_decode("aGVsbG8h"), "hello!");
    EXPECT_EQ(util::base64_decode(""), "");
    for (const char* bad : {"aGVsbG8", "aGV=bG8=", "aGVs bG8=", "a===", "aGVsbG8*"}) {
        EXPECT_FALSE(util::base64_decode(bad).has_value()) << bad;
    }
}

TEST(validators, webhook_secret_follows_standard_webhooks) {
    // The Standard Webhooks test vector's secret: 24 bytes.
    EXPECT_FALSE(config::check::webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
    EXPECT_TRUE(config::check::webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
    EXPECT_TRUE(config::check::webhook_secret("whsec_c2hvcnQ=").has_value());
    EXPECT_TRUE(config::check::webhook_secret(std::string("whsec_") + util::base64_encode(std::string(65, 'k'))).has_value());
    EXPECT_FALSE(config::check::webhook_secret(std::string("whsec_") + util::base64_encode(std::string(64, 'k'))).has_value());
}

TEST(validators, pincode_e164_url) {
    EXPECT_FALSE(config::check::pincode("110085").has_value());
    EXPECT_TRUE(config::check::pincode("011008").has_value());
    EXPECT_TRUE(config::check::pincode("1100855").has_value());
    EXPECT_FALSE(config::check::e164("+919812345678").has_value());
    EXPECT_TRUE(config::check::e164("+09812345678").has_value());
    EXPECT_TRUE(config::check::e164("919812345678").has_value());
    EXPECT_FALSE(config::check::http_url("http://127.0.0.1:9000/hooks/a").has_value());
    EXPECT_TRUE(config::check::http_url("http:///nohost").has_value());
    EXPECT_TRUE(config::check::http_url("mailto:x@y").has_value());
}

}  // namespace
}  // namespace cowin

#include "util/json_writer.hpp"

namespace cowin {
namespace {

TEST(json_writer, escapes_round_trip_through_a_parser_whatever_the_mix) {
    // Runs of plain text between escapes, at the start, the end, and back to back.
    const std::string cases[] = {"", "plain", "\"", "\"\"\\\\", "a\"b", "tail\n", "\x01head", "\x1f\x7f\xc3\xa9 \t\r",
                                 std::string(300, 'x') + "\"" + std::string(300, 'y') + "\\"};
    simdjson::dom::parser p;
    for (const auto& c : cases) {
        std::string out;
        util::append_json_string(out, c);
        std::string_view back;
        ASSERT_EQ(p.parse(out).get_string().get(back), simdjson::SUCCESS) << out;
        EXPECT_EQ(back, c);
    }
}

// Plain runs are scanned eight bytes at a time: every character that needs an escape, at every place
// in and around an 8-byte word, in strings of every length up to three words, among plain ASCII and
// UTF-8 bytes (above 0x7f, which never need one). The expected text is built byte by byte.
TEST(json_writer, escapes_every_special_character_wherever_it_falls_in_a_word) {
    const auto escaped = [](const std::string& in) {
        std::string e = "\"";
        for (unsigned char c : in) {
            if (c == '"') e += "\\\"";
            else if (c == '\\') e += "\\\\";
            else if (c == '\n') e += "\\n";
            else if (c == '\r') e += "\\r";
            else if (c == '\t') e += "\\t";
            else if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                e += buf;
            } else {
                e += static_cast<char>(c);
            }
        }
        return e + "\"";
    };
    const std::string fillers[] = {"abcdefghijklmnopqrstuvwx", "\xc3\xa9\xe0\xa4\x95\x7f\xff\x80 ~!#\x7f\xc3\xa9\xe0\xa4\x95\x7f\xff\x80 ~!#"};
    std::string specials = "\"\\\n\r\t";
    for (int c = 0; c < 0x20; ++c) specials += static_cast<char>(c);
    int checked = 0;
    for (const auto& filler : fillers) {
        for (std::size_t len = 0; len <= 24; ++len) {
            const std::string plain = filler.substr(0, len);
            std::string out;
            util::append_json_string(out, plain);
            EXPECT_EQ(out, escaped(plain));
            for (std::size_t at = 0; at < len; ++at) {
                for (char sp : specials) {
                    std::string in = plain;
                    in[at] = sp;
                    out.clear();
                    util::append_json_string(out, in);
                    ASSERT_EQ(out, escaped(in)) << "length " << len << ", at " << at << ", char " << int(sp);
                    ++checked;
                }
            }
        }
    }
    EXPECT_GT(checked, 20000);
}

TEST(json_writer, writes_nested_values_with_escapes) {
    util::json_writer w;
    w.begin_object()
        .key("a")
        .value("x\"y\\z\n\x01")
        .key("n")
        .value(std::int64_t{-5})
        .key("list")
        .begin_array()
        .value(true)
        .null()
        .begin_object()
        .end_object()
        .end_array()
        .key("d")
        .value(1.5)
        .end_object();
    EXPECT_EQ(w.str(), R"({"a":"x\"y\\z\n\u0001","n":-5,"list":[true,null,{}],"d":1.5})");
}

}  // namespace
}  // namespace cowin
