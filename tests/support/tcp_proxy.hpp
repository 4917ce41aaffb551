#pragma once
// A TCP proxy on a free loopback port in front of another, for network faults the way toxiproxy
// makes them: every chunk held for `delay` in each direction (a slow link), or every connection cut
// and new ones refused (a partition) until restore(). Runs on its own thread.
#include <chrono>
#include <cstdint>
#include <memory>

namespace cowin::test {

class tcp_proxy {
public:
    tcp_proxy(std::uint16_t upstream_port, std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    ~tcp_proxy();
    tcp_proxy(const tcp_proxy&) = delete;
    tcp_proxy& operator=(const tcp_proxy&) = delete;

    std::uint16_t port() const;
    /// Closes every connection through the proxy and refuses new ones.
    void cut();
    /// Accepts and forwards again.
    void restore();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cowin::test
