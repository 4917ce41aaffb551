#include "webhook/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

#include "util/base64.hpp"

namespace cowin::webhook {

std::optional<std::string> decode_secret(std::string_view secret) {
    if (secret.starts_with("whsec_")) secret.remove_prefix(6);
    return util::base64_decode(secret);
}

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body) {
    std::string content;
    content.reserve(id.size() + body.size() + 24);
    content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
         content.size(), mac, &mac_size);
    return "v1," + util::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
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
