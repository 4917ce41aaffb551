#include "delivery/consumer_name.hpp"

#include <unistd.h>

#include <cctype>
#include <fstream>

namespace cowin::delivery {

namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

// The boot id's first 8 hex digits: a new one at every boot, so pids of an earlier boot never count.
std::string boot() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id, out;
    std::getline(in, id);
    for (char c : id) {
        if (std::isxdigit(static_cast<unsigned char>(c)) && out.size() < 8) out += c;
    }
    return out.empty() ? "0" : out;
}

// "pid:[4026531836]" -> "4026531836".
std::string pid_namespace() {
    char buf[64] = {};
    const ssize_t n = ::readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
    std::string out;
    for (ssize_t i = 0; i < n; ++i) {
        if (std::isdigit(static_cast<unsigned char>(buf[i]))) out += buf[i];
    }
    return out.empty() ? "0" : out;
}

}  // namespace

std::string consumer_name() { return host_name() + ":" + boot() + "." + pid_namespace() + ":" + std::to_string(::getpid()); }

}  // namespace cowin::delivery
