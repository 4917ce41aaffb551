#pragma once
// A subscription sent as JSON (the admin API's POST body), judged by the very reader that judges the
// config file: the JSON is parsed with simdjson into the same node tree yaml-cpp builds, with JSON's
// types kept as tags, and read by read_subscription(). One validator, two syntaxes.

#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace cowin::config {

struct json_subscription {
    /// Set only when there are no errors.
    std::optional<subscription> sub;
    /// `path` is the field ("notify.webhook.url"), `message` what was wrong with it. A body that is not
    /// JSON at all gives one error with an empty path.
    std::vector<diagnostic> errors;
};

/// Nesting deeper than this is refused before anything is read (a subscription needs 3 levels).
inline constexpr std::size_t json_max_depth = 16;

json_subscription read_subscription_json(std::string_view body, bool id_required);

}  // namespace cowin::config
