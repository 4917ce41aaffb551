#include "delivery/consumer_name.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace cowin::delivery {

namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

std::string first_hex(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::isxdigit(static_cast<unsigned char>(c)) && out.size() < 8) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
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

std::string boot_part(const std::string& proc_boot_id, const char* from_environment) {
    std::string out = first_hex(proc_boot_id);
    if (out.empty() && from_environment != nullptr) out = first_hex(from_environment);
    return out.empty() ? "0" : out;
}

std::string consumer_name() {
    std::string proc;
    std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), proc);
    return host_name() + ":" + boot_part(proc, std::getenv("COWIN_BOOT_ID")) + "." + pid_namespace() + ":" +
           std::to_string(::getpid());
}

}  // namespace cowin::delivery
