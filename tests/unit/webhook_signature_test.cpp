// Standard Webhooks signatures against the specification's own test vector
// (reference/standard-webhooks-vectors.md).
#include <gtest/gtest.h>

#include <openssl/hmac.h>

#include <string>

#include "util/base64.hpp"
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

// The HMAC is written on SHA-256 itself: it must agree with OpenSSL's HMAC for keys shorter than,
// as long as and longer than SHA-256's 64-byte block (a longer key is hashed first), empty keys
// included, and for bodies across block boundaries.
TEST(webhook_signature, agrees_with_openssl_hmac_for_every_key_length) {
    const std::size_t key_lengths[] = {0, 1, 24, 63, 64, 65, 128, 200};
    const std::size_t body_lengths[] = {0, 1, 55, 56, 64, 600, 5000};
    for (std::size_t key_len : key_lengths) {
        for (std::size_t body_len : body_lengths) {
            std::string key(key_len, '\0'), payload_body(body_len, '\0');
            for (std::size_t i = 0; i < key_len; ++i) key[i] = static_cast<char>(i * 7 + 3);
            for (std::size_t i = 0; i < body_len; ++i) payload_body[i] = static_cast<char>('a' + i % 26);
            const std::string message = std::string(id) + "." + std::to_string(ts) + "." + payload_body;
            unsigned char mac[EVP_MAX_MD_SIZE];
            unsigned int mac_len = 0;
            static const unsigned char no_key = 0;
            HMAC(EVP_sha256(), key.empty() ? static_cast<const void*>(&no_key) : key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
            const std::string want = "v1," + util::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
            EXPECT_EQ(sign(key, id, ts, payload_body), want) << "key " << key_len << " bytes, body " << body_len;
        }
    }
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
