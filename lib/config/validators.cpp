#include "config/validators.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "util/base64.hpp"

namespace cowin::config::check {

namespace {
bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
std::string range(std::int64_t lo, std::int64_t hi) {
    return "an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
}
verdict in_range(std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi) return range(lo, hi);
    return std::nullopt;
}
}  // namespace

verdict subscription_id(std::string_view id) {
    bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (!ok) return "1 to 64 characters of A-Z a-z 0-9 . _ -";
    return std::nullopt;
}

verdict pincode(std::string_view pin) {
    if (pin.size() != 6 || !all_digits(pin) || pin[0] == '0') return "a 6-digit pincode with a first digit 1-9";
    return std::nullopt;
}

verdict age(std::int64_t a) { return in_range(a, 0, 130); }
verdict dose(std::int64_t d) {
    if (d != 1 && d != 2) return "1 or 2";
    return std::nullopt;
}
verdict min_capacity(std::int64_t n) { return in_range(n, 1, 100000); }
verdict days(std::int64_t n) { return in_range(n, 1, 14); }
verdict district_id(std::int64_t id) { return in_range(id, 1, 99999); }
verdict center_id(std::int64_t id) { return in_range(id, 1, 999999999); }

verdict http_url(std::string_view url) {
    std::string_view rest;
    if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else {
        return "an http:// or https:// URL";
    }
    auto host_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, host_end);
    if (authority.empty() || authority.front() == ':' ||
        std::any_of(authority.begin(), authority.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
        return "an http:// or https:// URL with a host";
    }
    return std::nullopt;
}

verdict webhook_secret(std::string_view secret) {
    constexpr std::string_view prefix = "whsec_";
    const char* expected = "\"whsec_\" followed by the base64 of 24 to 64 random bytes";
    if (!secret.starts_with(prefix)) return expected;
    auto key = util::base64_decode(secret.substr(prefix.size()));
    if (!key || key->size() < 24 || key->size() > 64) return expected;
    return std::nullopt;
}

verdict e164(std::string_view phone) {
    const char* expected = "an E.164 phone number such as +919812345678";
    if (phone.size() < 9 || phone.size() > 16 || phone[0] != '+' || !all_digits(phone.substr(1)) || phone[1] == '0') {
        return expected;
    }
    return std::nullopt;
}

verdict listen_address(std::string_view addr) {
    const char* expected = "host:port with a port between 0 (any free port) and 65535";
    auto colon = addr.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return expected;
    std::string_view port = addr.substr(colon + 1);
    int n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || end != port.data() + port.size() || n < 0 || n > 65535) return expected;
    return std::nullopt;
}

std::span<const std::string> known_vaccines() {
    static const std::array<std::string, 6> names{"COVISHIELD", "COVAXIN", "SPUTNIK V", "CORBEVAX", "COVOVAX",
                                                  "ZYCOV-D"};
    return names;
}

std::optional<std::string> normalise_vaccine(std::string_view name) {
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto known = known_vaccines();
    if (std::find(known.begin(), known.end(), upper) == known.end()) return std::nullopt;
    return upper;
}

}  // namespace cowin::config::check
