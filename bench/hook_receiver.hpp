#pragma once
// A minimal webhook receiver on a loopback port, on its own thread: reads each request whole, answers
// 200 and closes, and notes when the request's first byte came (and, when asked, its path and body).
// Plain sockets, so that what it measures is the sender, not a server framework.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cowin::bench {

class hook_receiver {
public:
    using steady = std::chrono::steady_clock;
    struct request {
        steady::time_point at;  ///< first byte
        std::string path, body;
    };

    explicit hook_receiver(bool keep_bodies = false) : keep_bodies_(keep_bodies) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by the servers the benches start
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 512);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~hook_receiver() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    hook_receiver(const hook_receiver&) = delete;
    hook_receiver& operator=(const hook_receiver&) = delete;

    int port() const { return port_; }
    /// The first arrival at or after `t`.
    std::optional<steady::time_point> first_after(steady::time_point t) {
        std::lock_guard lock(m_);
        std::optional<steady::time_point> best;
        for (const auto& r : requests_) {
            if (r.at >= t && (!best || r.at < *best)) best = r.at;
        }
        return best;
    }
    std::vector<request> requests() {
        std::lock_guard lock(m_);
        return requests_;
    }

private:
    void serve() {
        while (!stop_) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            std::string got;
            char buf[16384];
            request r;
            std::size_t need = std::string::npos;
            while (true) {
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                if (got.empty()) r.at = steady::now();
                got.append(buf, static_cast<std::size_t>(n));
                const auto end = got.find("\r\n\r\n");
                if (end != std::string::npos && need == std::string::npos) {
                    std::string head = got.substr(0, end);
                    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
                    const auto cl = head.find("content-length: ");
                    need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16)));
                }
                if (need != std::string::npos && got.size() >= need) break;
            }
            const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            ::send(c, ok, sizeof ok - 1, MSG_NOSIGNAL);
            ::close(c);
            if (got.empty()) continue;
            if (keep_bodies_) {
                const auto sp = got.find(' ');
                r.path = got.substr(sp + 1, got.find(' ', sp + 1) - sp - 1);
                const auto end = got.find("\r\n\r\n");
                if (end != std::string::npos) r.body = got.substr(end + 4);
            }
            std::lock_guard lock(m_);
            requests_.push_back(std::move(r));
        }
    }
    bool keep_bodies_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex m_;
    std::vector<request> requests_;
};

inline double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace cowin::bench
