// Standard Webhooks signatures against the specification's own test vector
// (reference/standard-webhooks-vectors.md).
#include <gtest/gtest.h>

#include "webhook/signature.hpp"

namespace cowin::webhook {
namespace {

constexpr const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t ts = 1614265330;
constexpr const char* body = R"({"test": 2432232314})";
constexpr const char* expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(webhook_signature, matches_the_spec_vector) {
    auto key = decode_secret(secret);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->size(), 24u);
    EXPECT_EQ(sign(*key, id, ts, body), expected);
    // The secret is the same with or without its prefix.
    EXPECT_EQ(decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), key);
}

TEST(webhook_signature, verifies_rotation_lists_and_refuses_tampering) {
    auto key = *decode_secret(secret);
    EXPECT_EQ(verify(key, id, "1614265330", body, expected, ts), verdict::valid);
    EXPECT_EQ(verify(key, id, "1614265330", body, std::string("v1,bm9wZQ== ") + expected, ts), verdict::valid);
    EXPECT_EQ(verify(key, id, "1614265330", R"({"test": 2432232315})", expected, ts), verdict::mismatch);
    EXPECT_EQ(verify(key, "msg_other", "1614265330", body, expected, ts), verdict::mismatch);
    EXPECT_EQ(verify(key, id, "1614265330", body, "v1a,abc", ts), verdict::no_signature);
    EXPECT_EQ(verify(key, id, "1614265330", body, expected, ts + 301), verdict::stale_timestamp);
    EXPECT_EQ(verify(key, id, "16142x", body, expected, ts), verdict::bad_timestamp);
    EXPECT_FALSE(decode_secret("whsec_not base64!").has_value());
}

}  // namespace
}  // namespace cowin::webhook
