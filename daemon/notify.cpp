#include "notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace cowin::daemon {

systemd_notifier::systemd_notifier() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) ping_every_ = std::chrono::microseconds(usec / 2);
}

void systemd_notifier::send(const std::string& state) const { sd_notify(0, state.c_str()); }

void systemd_notifier::ready(std::string_view status) const { send("READY=1\nSTATUS=" + std::string(status)); }
void systemd_notifier::status(std::string_view status) const { send("STATUS=" + std::string(status)); }
void systemd_notifier::reloading() const { send("RELOADING=1\nSTATUS=reloading the configuration"); }
void systemd_notifier::stopping() const { send("STOPPING=1\nSTATUS=stopping"); }
void systemd_notifier::watchdog() const { send("WATCHDOG=1"); }

}  // namespace cowin::daemon
