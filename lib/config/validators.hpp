#pragma once
// Checks of single values, shared by the config file and the admin API so that a subscription is
// judged the same way wherever it comes from. Each returns std::nullopt when the value is good, else
// the phrase that follows "expected" in the error ("a 6-digit pincode with a first digit 1-9").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cowin::config::check {

using verdict = std::optional<std::string>;

verdict subscription_id(std::string_view id);
verdict pincode(std::string_view pin);
verdict age(std::int64_t age);
verdict dose(std::int64_t dose);
verdict min_capacity(std::int64_t n);
verdict days(std::int64_t n);
verdict district_id(std::int64_t id);
verdict center_id(std::int64_t id);
/// http:// or https:// with a host.
verdict http_url(std::string_view url);
/// "whsec_" + base64 of 24 to 64 bytes.
verdict webhook_secret(std::string_view secret);
/// "+" then 8 to 15 digits, the first 1-9.
verdict e164(std::string_view phone);
/// "host:port" with a port 1-65535.
verdict listen_address(std::string_view addr);

/// The vaccines CoWIN has served; a name outside this list is almost always a typo.
std::span<const std::string> known_vaccines();
/// Upper-cases and trims `name`; nullopt when it is not a known vaccine.
std::optional<std::string> normalise_vaccine(std::string_view name);

}  // namespace cowin::config::check
