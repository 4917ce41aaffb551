#pragma once
#include <string>

namespace cowin::config {

/// A secret given inline (`name`), from a file (`name_file`, read at start; relative paths resolve
/// against $CREDENTIALS_DIRECTORY under systemd's LoadCredential=, else the config file's folder), or
/// from the environment (`name_env`). `value` holds the resolved bytes; never log it.
struct secret {
    std::string value;
    /// Where it came from, for messages: "", "inline", "file PATH" or "env NAME".
    std::string origin;
    /// The configured file, kept so a reload can re-read it.
    std::string file;
    /// True when `file` is the built-in default: a missing file is then a warning, not an error.
    bool file_is_default = false;

    bool empty() const { return value.empty(); }
};

/// Resolves a possibly relative `*_file` path as described above.
std::string resolve_secret_path(const std::string& path, const std::string& config_path);

}  // namespace cowin::config
