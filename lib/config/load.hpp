#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace cowin::config {

struct load_result {
    /// Set only when there are no errors.
    std::optional<config> cfg;
    diagnostics diag;
};

/// A channel a subscription uses that this config cannot deliver to (no credentials).
struct missing_setup {
    std::string field;    ///< in the subscription: "notify.telegram"
    std::string setting;  ///< in the config: "delivery.telegram.bot_token"
    std::string needs;    ///< "a bot token (bot_token, bot_token_file or bot_token_env)"
    std::string channel;  ///< "Telegram"
};
std::vector<missing_setup> missing_channel_setup(const delivery_settings& d, const notify_settings& n);

/// Reads and validates a config file: every error at once, each with its position and key path.
load_result load_file(const std::string& path);
/// The same for text already in memory; `file_name` is used in messages and to resolve *_file paths.
load_result load_string(std::string_view yaml, const std::string& file_name);

}  // namespace cowin::config
