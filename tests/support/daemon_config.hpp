#pragma once
// The config file of a daemon under test: the sandbox as CoWIN (with a browser User-Agent and a
// generous budget so that tests poll every second), an admin API on a free port with token "t", and
// the subscriptions the test lists. Also what the tests read back from a running daemon.
#include <cstdint>
#include <string>
#include <vector>

#include "support/background.hpp"

namespace cowin::test {

/// The secret every test receiver verifies with.
inline constexpr const char* webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct daemon_config {
    explicit daemon_config(std::uint16_t sandbox, std::uint16_t redis = 0) : sandbox_port(sandbox), redis_port(redis) {}

    std::uint16_t sandbox_port;
    std::uint16_t redis_port;  ///< 0: the memory backend
    std::string delivery = "  retry_schedule: [1s, 2s, 5s]\n  webhook: { timeout: 2s, max_in_flight_per_host: 8 }\n";
    std::string subscriptions;  ///< YAML list items, as webhook_subscriber() writes them

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(sandbox_port); }
    /// `n` subscribers "<prefix><i>" in district 363 wanting only SPUTNIK V, which the sandbox's generated
    /// centres never offer: only the test's own openings alert anyone.
    daemon_config& sputnik_subscribers(const std::string& prefix, int n, const std::string& hook);
    std::string yaml() const;
};

/// One subscription of district 363 for `vaccines` by signed webhook to `url`.
std::string webhook_subscriber(const std::string& id, const std::string& vaccines, const std::string& url);

/// cowin-sandbox as the daemon-level tests run it: district 363 with 5 centres, 600 calls a minute
/// (daemon_config's budget).
std::vector<std::string> district_363_sandbox();

/// The admin API's port, from the daemon's startup line; 0 before it.
std::uint16_t admin_port(const background_process& daemon);

/// The resident memory of a process in MB; 0 when it is gone.
double rss_mb(long pid);

/// A TCP connection to a loopback port (blocking); -1 when refused.
int connect_loopback(std::uint16_t port);

}  // namespace cowin::test
