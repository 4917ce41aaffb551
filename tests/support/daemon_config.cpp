#include "support/daemon_config.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

namespace cowin::test {

daemon_config& daemon_config::sputnik_subscribers(const std::string& prefix, int n, const std::string& hook) {
    for (int i = 0; i < n; ++i) subscriptions += webhook_subscriber(prefix + std::to_string(i), "SPUTNIK V", base_url() + "/hooks/" + hook);
    return *this;
}

std::string daemon_config::yaml() const {
    std::string state = redis_port == 0 ? "  backend: memory\n"
                                        : "  backend: redis\n  redis: { host: 127.0.0.1, port: " + std::to_string(redis_port) + " }\n";
    return "cowin:\n  base_url: " + base_url() + "/api\n  user_agent: \"Mozilla/5.0 cowin-notifier-test\"\n" +
           "  rate_limit: { calls: 600, period: 1m }\npoll:\n  min_interval: 1s\nstate:\n" + state +
           "admin:\n  listen: 127.0.0.1:0\n  token: t\ndelivery:\n" + delivery + "log:\n  level: info\nsubscriptions:\n" +
           subscriptions;
}

std::string webhook_subscriber(const std::string& id, const std::string& vaccines, const std::string& url) {
    return "  - id: " + id + "\n    district_id: 363\n    vaccines: [" + vaccines + "]\n    notify:\n" + "      webhook: { url: \"" +
           url + "\", secret: \"" + webhook_secret + "\" }\n";
}

std::vector<std::string> district_363_sandbox() {
    return sandbox_command({"--districts", "363", "--centres-per-district", "5", "--rate-limit", "600/1m"});
}

std::uint16_t admin_port(const background_process& daemon) {
    const std::string out = daemon.output();
    const auto at = out.find("admin API on 127.0.0.1:");
    return at == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(out.substr(at + 23)));
}

double rss_mb(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

int connect_loopback(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace cowin::test
