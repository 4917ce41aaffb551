#include "config/secret.hpp"

#include <cstdlib>
#include <filesystem>

namespace cowin::config {

std::string resolve_secret_path(const std::string& path, const std::string& config_path) {
    std::filesystem::path p{path};
    if (p.is_absolute()) return path;
    if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY"); creds != nullptr && *creds != '\0') {
        return (std::filesystem::path{creds} / p).string();
    }
    return (std::filesystem::path{config_path}.parent_path() / p).lexically_normal().string();
}

}  // namespace cowin::config
