#pragma once
// Which target to poll next: always the one whose data is oldest (weighted by subscribers where
// configured), never one more often than min_interval, none that is backing off or parked. Pure logic
// with the time passed in, so it is tested without sleeping.

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poll/budget.hpp"

namespace cowin::poll {

/// One CoWIN call: calendarByDistrict or calendarByPin, for the week `week` (0: from today, 1: +7 days).
struct target_key {
    enum class kind : std::uint8_t { district, pincode };
    kind type = kind::district;
    std::int64_t id = 0;  ///< district id or pincode
    int week = 0;

    auto operator<=>(const target_key&) const = default;
    std::string str() const;  ///< "district 363", "pincode 411027 week 2"
    /// Where its snapshot is stored: "district:363:0".
    std::string store_key() const;
};

struct target_state {
    target_key key;
    int subscribers = 0;
    clock::time_point last_attempt{};
    clock::time_point last_success{};
    clock::time_point retry_at{};  ///< backing off until
    int failures = 0;              ///< consecutive
    bool parked = false;           ///< CoWIN said the request is bad (400): not retried until changed
    /// A pincode whose centres all lie in polled districts: their polls serve it; its own calendar is
    /// fetched only every `covered_interval` to notice a new centre elsewhere.
    bool covered = false;
    std::string last_result;       ///< "ok", "http 500", "parse error at ...", ...
};

struct scheduler_settings {
    std::chrono::milliseconds min_interval = std::chrono::seconds(30);
    bool weight_by_subscribers = false;
    int weeks_ahead = 1;
    std::chrono::milliseconds covered_interval = std::chrono::hours(1);
};

class scheduler {
public:
    explicit scheduler(scheduler_settings s) : settings_(s) {}
    void reconfigure(scheduler_settings s);

    /// The wanted targets (week 0 each; weeks_ahead expands them) and their subscriber counts. State of
    /// targets that stay is kept; new ones are due at once.
    void set_targets(const std::vector<std::pair<target_key, int>>& targets);

    /// The target to poll now, if any is eligible.
    std::optional<target_key> next(clock::time_point now) const;
    /// When the next target becomes eligible (time_point::max() when there are none).
    clock::time_point next_due(clock::time_point now) const;

    void attempted(const target_key& k, clock::time_point now);
    void succeeded(const target_key& k, clock::time_point now);
    /// A transient failure: this target waits `backoff`; the others go on.
    void failed(const target_key& k, clock::time_point now, std::chrono::milliseconds backoff, std::string why);
    /// CoWIN refused the request itself (400): stop polling it until the target set changes.
    void park(const target_key& k, std::string why);
    /// Marks pincode `pincode`'s targets covered (or not) by polled districts. A covered target never
    /// attempted in this process (coverage restored after a restart) counts as attempted `now`.
    void set_covered(std::int64_t pincode, bool covered, clock::time_point now = {});

    const std::map<target_key, target_state>& targets() const { return targets_; }
    /// When `t` may be polled next (the budget permitting); epoch for a parked target.
    clock::time_point due_at(const target_state& t, clock::time_point now) const;
    const target_state* find(const target_key& k) const;

private:
    bool eligible(const target_state& t, clock::time_point now) const;
    scheduler_settings settings_;
    std::map<target_key, target_state> targets_;
};

/// Pincodes whose centres (by the district names their own calendar showed) all lie in polled
/// districts. `pin_districts`: pincode -> district names seen in its calendar; `district_ids`: district
/// name -> id, seen in district calendars; `polled`: district ids polled as targets.
std::vector<std::int64_t> covered_pincodes(const std::map<std::int64_t, std::vector<std::string>>& pin_districts,
                                           const std::map<std::string, std::int64_t>& district_ids,
                                           const std::vector<std::int64_t>& polled);

/// The two maps as text ("P <pincode>\t<name>\t<name>..." and "D <id>\t<name>" lines) and back.
std::string encode_locations(const std::map<std::int64_t, std::vector<std::string>>& pin_districts,
                             const std::map<std::string, std::int64_t>& district_ids);
void decode_locations(std::string_view text, std::map<std::int64_t, std::vector<std::string>>& pin_districts,
                      std::map<std::string, std::int64_t>& district_ids);

/// Transient backoff for a target after `failures` consecutive failures: 5 s doubling to 5 min, with
/// +-25% jitter from `unit_random` in [0, 1).
std::chrono::milliseconds failure_backoff(int failures, double unit_random);

}  // namespace cowin::poll
