#pragma once
// Starting the benchmarks' servers (cowin-sandbox, redis-server) in the background and stopping them.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
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

inline void stop(long pid) { ::kill(static_cast<pid_t>(pid), SIGTERM); }

}  // namespace cowin::bench
