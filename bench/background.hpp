#pragma once
// Starting the benchmarks' servers (cowin-sandbox, redis-server) in the background and stopping them.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cowin::bench {

/// Runs `command` (output discarded) in the background; exits the benchmark if it cannot start.
inline long start_background(const std::string& command) {
    FILE* p = ::popen((command + " >/dev/null 2>&1 & echo $!").c_str(), "r");
    long pid = 0;
    if (p == nullptr || std::fscanf(p, "%ld", &pid) != 1) {
        std::fprintf(stderr, "cannot start: %s\n", command.c_str());
        std::exit(1);
    }
    ::pclose(p);
    return pid;
}

/// A throwaway redis-server on loopback: no snapshots, no AOF.
inline long start_redis(int port) {
    return start_background("redis-server --port " + std::to_string(port) + " --bind 127.0.0.1 --save '' --appendonly no");
}

/// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 if unreadable.
inline double cpu_seconds(long pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return 0;
    char buf[1024] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    // Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces: count from ')'.
    const char* p = std::strrchr(buf, ')');
    if (n == 0 || p == nullptr) return 0;
    unsigned long utime = 0, stime = 0;
    if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return 0;
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline void stop(long pid) { ::kill(static_cast<pid_t>(pid), SIGTERM); }

/// Resident memory of a process in MB, from /proc/<pid>/status; 0 if unreadable.
inline double rss_mb(long pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return 0;
    char line[256];
    double kb = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::sscanf(line, "VmRSS: %lf kB", &kb) == 1) break;
    }
    std::fclose(f);
    return kb / 1024.0;
}

}  // namespace cowin::bench
