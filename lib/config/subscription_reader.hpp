#pragma once
#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace cowin::config {

/// Reads one subscription from `node` (a mapping) at `path`, reporting every problem to `r`. Where
/// `id_required` is false (the admin API generates one), an absent id is left empty.
subscription read_subscription(yaml_reader& r, const YAML::Node& node, const std::string& path,
                               const YAML::Mark& fallback, bool id_required = true);

}  // namespace cowin::config
