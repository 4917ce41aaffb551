#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace cowin::config {

struct load_result {
    /// Set only when there are no errors.
    std::optional<config> cfg;
    diagnostics diag;
};

/// Reads and validates a config file: every error at once, each with its position and key path.
load_result load_file(const std::string& path);
/// The same for text already in memory; `file_name` is used in messages and to resolve *_file paths.
load_result load_string(std::string_view yaml, const std::string& file_name);

}  // namespace cowin::config
