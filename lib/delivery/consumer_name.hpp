#pragma once
// This process's name in the outbox's consumer group.
#include <string>

namespace cowin::delivery {

/// "<host>:<space>:<pid>". The space is the kernel's boot id (its first 8 hex digits) and the pid
/// namespace ("3f2a9c1e.4026531836"): two names share it only when their pids are of one pid table,
/// which is when a worker may judge by kill(pid, 0) that the other has died and take its alerts at
/// once. Host and pid alone are not enough: machines cloned with one host name, or containers on one
/// host network (one host name, pid 1 in each), would take each other's alerts while both live.
/// A name of another space is left to the idle-time reclaim.
std::string consumer_name();

/// The boot id's first 8 hex digits, from /proc's text or, where /proc/sys is hidden (the unit's
/// ProcSubset=pid), from COWIN_BOOT_ID, which the unit sets to systemd's %b; "0" when neither has one.
std::string boot_part(const std::string& proc_boot_id, const char* from_environment);

}  // namespace cowin::delivery
