#pragma once
// A minimal webhook receiver on a loopback port, on its own thread: reads each request whole, answers
// 200 and closes, and notes when the request's first byte came (and, when asked, its path and body).
// Plain sockets, so that what it measures is the sender, not a server framework.
//
// "Came" is when the kernel received the byte (SO_TIMESTAMPNS), not when this thread got to read
// it: the receiver shares the benchmark's two cores with the sender, Redis and the sandbox, and its
// own wait for a core is not the sender's latency (a real receiver is on another machine). Both are
// kept; `read_at` is the later.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <ctime>
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
        steady::time_point at;       ///< first byte, as the kernel received it
        steady::time_point read_at;  ///< first byte, as this thread read it
        bool stamped = false;        ///< the kernel gave its stamp (else `at` is `read_at`)
        std::string path, body;
    };

    explicit hook_receiver(bool keep_bodies = false) : keep_bodies_(keep_bodies) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by the servers the benches start
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        const int on = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);  // accepted sockets inherit it
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
    /// The first arrival at or after `t` (`read` : when read, rather than received).
    std::optional<steady::time_point> first_after(steady::time_point t, bool read = false) {
        std::lock_guard lock(m_);
        std::optional<steady::time_point> best;
        for (const auto& r : requests_) {
            const auto at = read ? r.read_at : r.at;
            if (at >= t && (!best || at < *best)) best = at;
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
                alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
                iovec iov{buf, sizeof buf};
                msghdr msg{};
                msg.msg_iov = &iov;
                msg.msg_iovlen = 1;
                msg.msg_control = control;
                msg.msg_controllen = sizeof control;
                const ssize_t n = ::recvmsg(c, &msg, 0);
                if (n <= 0) break;
                if (got.empty()) {
                    r.read_at = r.at = steady::now();
                    if (auto received = kernel_stamp(msg)) {
                        r.at = std::min(r.at, *received);
                        r.stamped = true;
                    }
                }
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
    // The kernel's stamp is CLOCK_REALTIME: moved to the steady clock by the two clocks' offset now.
    static std::optional<steady::time_point> kernel_stamp(msghdr& msg) {
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            const auto wall = std::chrono::system_clock::now();
            const auto mono = steady::now();
            const auto stamped = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
            return mono - std::chrono::duration_cast<steady::duration>(wall.time_since_epoch() - stamped);
        }
        return std::nullopt;
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
