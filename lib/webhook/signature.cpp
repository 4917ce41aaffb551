#include "webhook/signature.hpp"

// SHA-256's own functions (deprecated in OpenSSL 3 in favour of EVP, still there): HMAC written on them
// (RFC 2104) allocates nothing, where an EVP_MAC context copied per signature allocated and freed a
// dozen times, and was a tenth of the worker's time per webhook.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <charconv>
#include <cstring>

#include "util/base64.hpp"

namespace cowin::webhook {

std::optional<std::string> decode_secret(std::string_view secret) {
    if (secret.starts_with("whsec_")) secret.remove_prefix(6);
    return util::base64_decode(secret);
}

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body) {
    char ts[24];
    const auto ts_end = std::to_chars(ts, ts + sizeof ts, timestamp).ptr;
    unsigned char k[SHA256_CBLOCK] = {};
    if (key.size() > sizeof k) {
        SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), k);
    } else if (!key.empty()) {
        std::memcpy(k, key.data(), key.size());
    }
    unsigned char pad[SHA256_CBLOCK];
    unsigned char inner[SHA256_DIGEST_LENGTH], out[SHA256_DIGEST_LENGTH];
    SHA256_CTX c;
    for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = k[i] ^ 0x36;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof pad);
    for (std::string_view part : {id, std::string_view("."), std::string_view(ts, static_cast<std::size_t>(ts_end - ts)),
                                  std::string_view("."), body}) {
        SHA256_Update(&c, part.data(), part.size());
    }
    SHA256_Final(inner, &c);
    for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof pad);
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(k, sizeof k);  // the secret, and what is derived from it
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(&c, sizeof c);
    return "v1," + util::base64_encode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

verdict verify(std::string_view key, std::string_view id, std::string_view timestamp, std::string_view body,
               std::string_view signature_header, std::int64_t now, std::int64_t tolerance_s) {
    std::int64_t ts = 0;
    auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
    if (ec != std::errc{} || end != timestamp.data() + timestamp.size()) return verdict::bad_timestamp;
    if (ts < now - tolerance_s || ts > now + tolerance_s) return verdict::stale_timestamp;
    const std::string expected = sign(key, id, ts, body);
    bool any = false;
    while (!signature_header.empty()) {
        auto space = signature_header.find(' ');
        std::string_view entry = signature_header.substr(0, space);
        signature_header = space == std::string_view::npos ? std::string_view{} : signature_header.substr(space + 1);
        if (!entry.starts_with("v1,")) continue;
        any = true;
        if (entry.size() == expected.size() && CRYPTO_memcmp(entry.data(), expected.data(), expected.size()) == 0) {
            return verdict::valid;
        }
    }
    return any ? verdict::mismatch : verdict::no_signature;
}

}  // namespace cowin::webhook
