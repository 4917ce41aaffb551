#include "log/redact.hpp"

namespace cowin::log {

std::string redact_secret(std::string_view secret) { return secret.empty() ? std::string{} : "***"; }

std::string redact_phone(std::string_view phone) {
    constexpr std::size_t keep_head = 3;  // "+91"
    constexpr std::size_t keep_tail = 4;
    if (phone.size() <= keep_head + keep_tail) return std::string(phone.size(), '*');
    std::string out(phone);
    for (std::size_t i = keep_head; i + keep_tail < out.size(); ++i) out[i] = '*';
    return out;
}

std::string redact_url(std::string_view url) {
    std::string out(url);
    if (auto q = out.find_first_of("?#"); q != std::string::npos) out.erase(q);
    auto scheme_end = out.find("://");
    std::size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    auto path_start = out.find('/', host_start);
    auto at = out.rfind('@', path_start);
    if (at != std::string::npos && at >= host_start) out.replace(host_start, at + 1 - host_start, "***@");
    if (auto bot = out.find("/bot"); bot != std::string::npos) {
        auto token_start = bot + 4;
        auto token_end = out.find('/', token_start);
        if (token_end == std::string::npos) token_end = out.size();
        if (token_end > token_start) out.replace(token_start, token_end - token_start, "***");
    }
    return out;
}

}  // namespace cowin::log
