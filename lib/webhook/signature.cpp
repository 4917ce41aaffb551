#include "webhook/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <charconv>
#include <memory>
#include <stdexcept>

#include "util/base64.hpp"

namespace cowin::webhook {

std::optional<std::string> decode_secret(std::string_view secret) {
    if (secret.starts_with("whsec_")) secret.remove_prefix(6);
    return util::base64_decode(secret);
}

namespace {

struct mac_ctx_free {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using mac_ctx = std::unique_ptr<EVP_MAC_CTX, mac_ctx_free>;

// OpenSSL 3's one-shot HMAC() fetches the algorithm and the digest on every call, which cost more
// than the hashing in the fan-out benchmark. An HMAC-SHA256 context is set up once and copied per
// signature (a copy only reads the original, so this is safe from any thread).
const EVP_MAC_CTX* prototype() {
    static const mac_ctx proto = [] {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        mac_ctx ctx(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
        EVP_MAC_free(mac);  // the context keeps its own reference
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
        if (ctx && EVP_MAC_CTX_set_params(ctx.get(), params) != 1) ctx.reset();
        return ctx;
    }();
    return proto.get();
}

}  // namespace

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body) {
    const std::string ts = std::to_string(timestamp);
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t out_size = 0;
    mac_ctx ctx(prototype() != nullptr ? EVP_MAC_CTX_dup(prototype()) : nullptr);
    auto feed = [&ctx](std::string_view s) {
        return EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(s.data()), s.size()) == 1;
    };
    // An empty key is still a key (HMAC pads it), but OpenSSL wants a non-null pointer for it.
    static const unsigned char no_key = 0;
    const auto* k = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
    if (!ctx || EVP_MAC_init(ctx.get(), k, key.size(), nullptr) != 1 || !feed(id) || !feed(".") || !feed(ts) ||
        !feed(".") || !feed(body) || EVP_MAC_final(ctx.get(), out, &out_size, sizeof out) != 1) {
        throw std::runtime_error("HMAC-SHA256 is unavailable from OpenSSL");
    }
    return "v1," + util::base64_encode(std::string_view(reinterpret_cast<const char*>(out), out_size));
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
