#pragma once
// What systemd hears from the daemon (Type=notify): READY=1 once it serves, STATUS= lines,
// WATCHDOG=1 pings sent from the event loop (so a stuck loop stops them and gets restarted),
// RELOADING=1 around a SIGHUP and STOPPING=1. Without $NOTIFY_SOCKET (run by hand) all are no-ops.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cowin::daemon {

class systemd_notifier {
public:
    systemd_notifier();
    void ready(std::string_view status) const;
    void status(std::string_view status) const;
    void reloading() const;
    void stopping() const;
    void watchdog() const;
    /// How often to ping: half of WatchdogSec, when the unit sets one.
    std::optional<std::chrono::microseconds> ping_every() const { return ping_every_; }

private:
    void send(const std::string& state) const;
    std::optional<std::chrono::microseconds> ping_every_;
};

}  // namespace cowin::daemon
