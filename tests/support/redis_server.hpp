#pragma once
// A throwaway redis-server (Debian's) on a free loopback port, for the length of a test.
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
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
    enum class durability { none, aof_always };
    explicit redis_server(std::uint16_t port = free_port(), durability d = durability::none) : port_(port), durable_(d) {
        if (durable_ == durability::aof_always) {
            dir_ = "/tmp/cowin-redis-aof-" + std::to_string(port_);
            std::filesystem::remove_all(dir_);
            std::filesystem::create_directories(dir_);
        }
        start();
    }
    ~redis_server() {
        proc_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::uint16_t port() const { return port_; }
    void start() {
        std::vector<std::string> argv{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                      "--save", "", "--daemonize", "no"};
        if (durable_ == durability::aof_always) {
            // Every write on disk before it is answered: a kill -9 loses nothing acknowledged.
            for (const char* a : {"--appendonly", "yes", "--appendfsync", "always", "--dir"}) argv.emplace_back(a);
            argv.push_back(dir_);
        } else {
            argv.emplace_back("--appendonly");
            argv.emplace_back("no");
        }
        proc_ = std::make_unique<background_process>(argv, "Ready to accept connections",
                                                     "/tmp/cowin-redis-" + std::to_string(port_) + ".log");
    }
    void stop() { proc_.reset(); }
    /// kill -9: no shutdown save, clients cut off mid-command.
    void crash() {
        if (proc_) proc_->stop(9);
        proc_.reset();
    }

private:
    std::uint16_t port_;
    durability durable_;
    std::string dir_;
    std::unique_ptr<background_process> proc_;
};

}  // namespace cowin::test
