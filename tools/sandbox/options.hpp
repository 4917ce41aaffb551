#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cowin::sandbox {

struct options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8700;  ///< 0: any free port (printed at start)
    std::uint32_t seed = 1;
    std::vector<std::int64_t> districts;  ///< generated at start; others on first request
    int centres_per_district = 0;
    int rate_calls = 100;
    std::chrono::milliseconds rate_period = std::chrono::minutes(5);
    int blocked_status = 403;
    bool require_user_agent = false;
    std::chrono::milliseconds cache_ttl{0};
    std::string data_dir;  ///< folder with districts_all_india_*.json, states_*.json, the 403 page
    std::vector<std::string> data_files;  ///< recorded calendar responses to serve as they are
    std::string tls_cert, tls_key;
    double churn = 0;  ///< session openings per district per minute; 0: static
};

struct parse_result {
    std::optional<options> opts;
    bool help = false;
    std::string error;
};

parse_result parse_options(int argc, char** argv);
std::string help_text();

}  // namespace cowin::sandbox
