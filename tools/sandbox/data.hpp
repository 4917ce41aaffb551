#pragma once
#include <string>
#include <vector>

#include "world.hpp"

namespace cowin::sandbox {

struct data {
    std::vector<district_info> districts;
    std::string states_json;
    std::string blocked_page;
    std::string error;
};

/// Reads districts_all_india_2021-05-19.json, states_2021-07.json and error_403_cloudfront_blocked.html
/// from `dir` (default: the source tree's tools/sandbox/data, then /usr/share/cowin-notifier/sandbox).
data load_data(std::string dir);

}  // namespace cowin::sandbox
