#pragma once
// A throwaway redis-server (Debian's) on a free loopback port, for the length of a test.
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "support/background.hpp"

namespace cowin::test {

inline std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

class redis_server {
public:
    explicit redis_server(std::uint16_t port = free_port()) : port_(port) { start(); }
    std::uint16_t port() const { return port_; }
    void start() {
        proc_ = std::make_unique<background_process>(
            std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--daemonize", "no"},
            "Ready to accept connections", "/tmp/cowin-redis-" + std::to_string(port_) + ".log");
    }
    void stop() { proc_.reset(); }

private:
    std::uint16_t port_;
    std::unique_ptr<background_process> proc_;
};

}  // namespace cowin::test
