#include "poll/scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace cowin::poll {

std::string target_key::str() const {
    std::string s = (type == kind::district ? "district " : "pincode ") + std::to_string(id);
    if (week > 0) s += " week " + std::to_string(week + 1);
    return s;
}

std::string target_key::store_key() const {
    return (type == kind::district ? "district:" : "pincode:") + std::to_string(id) + ":" + std::to_string(week);
}

void scheduler::reconfigure(scheduler_settings s) {
    const bool weeks_changed = s.weeks_ahead != settings_.weeks_ahead;
    settings_ = s;
    if (!weeks_changed) return;
    std::vector<std::pair<target_key, int>> base;
    for (const auto& [k, t] : targets_) {
        if (k.week == 0) base.emplace_back(k, t.subscribers);
    }
    set_targets(base);
}

void scheduler::set_targets(const std::vector<std::pair<target_key, int>>& wanted) {
    std::map<target_key, target_state> next;
    for (const auto& [base, subscribers] : wanted) {
        for (int week = 0; week < settings_.weeks_ahead; ++week) {
            target_key k = base;
            k.week = week;
            auto it = targets_.find(k);
            target_state t = it != targets_.end() ? it->second : target_state{};
            t.key = k;
            t.subscribers = subscribers;
            next[k] = t;
        }
    }
    targets_ = std::move(next);
}

bool scheduler::eligible(const target_state& t, clock::time_point now) const {
    const auto interval = t.covered ? std::max(settings_.min_interval, settings_.covered_interval) : settings_.min_interval;
    return !t.parked && now >= t.retry_at && (t.last_attempt == clock::time_point{} || now - t.last_attempt >= interval);
}

clock::time_point scheduler::due_at(const target_state& t, clock::time_point now) const {
    if (t.parked) return {};
    const auto interval = t.covered ? std::max(settings_.min_interval, settings_.covered_interval) : settings_.min_interval;
    const auto after_interval = t.last_attempt == clock::time_point{} ? now : t.last_attempt + interval;
    return std::max(after_interval, t.retry_at);
}

void scheduler::set_covered(std::int64_t pincode, bool covered, clock::time_point now) {
    for (auto& [k, t] : targets_) {
        if (k.type != target_key::kind::pincode || k.id != pincode) continue;
        t.covered = covered;
        if (covered && t.last_attempt == clock::time_point{}) t.last_attempt = now;
    }
}

std::vector<std::int64_t> covered_pincodes(const std::map<std::int64_t, std::vector<std::string>>& pin_districts,
                                           const std::map<std::string, std::int64_t>& district_ids,
                                           const std::vector<std::int64_t>& polled) {
    std::vector<std::int64_t> out;
    for (const auto& [pin, names] : pin_districts) {
        bool all = !names.empty();
        for (const auto& name : names) {
            auto it = district_ids.find(name);
            all = all && it != district_ids.end() && std::find(polled.begin(), polled.end(), it->second) != polled.end();
        }
        if (all) out.push_back(pin);
    }
    return out;
}

std::optional<target_key> scheduler::next(clock::time_point now) const {
    const target_state* best = nullptr;
    double best_score = -1;
    for (const auto& [k, t] : targets_) {
        if (!eligible(t, now)) continue;
        // Never polled: as stale as can be. Ties go to the lower key, so the order is deterministic.
        const double staleness = t.last_success == clock::time_point{}
                                     ? 1e18
                                     : std::chrono::duration<double>(now - t.last_success).count();
        const double weight = settings_.weight_by_subscribers ? std::max(1, t.subscribers) : 1;
        const double score = staleness * weight;
        if (score > best_score) {
            best_score = score;
            best = &t;
        }
    }
    if (best == nullptr) return std::nullopt;
    return best->key;
}

clock::time_point scheduler::next_due(clock::time_point now) const {
    clock::time_point due = clock::time_point::max();
    for (const auto& [k, t] : targets_) {
        if (t.parked) continue;
        clock::time_point at = t.retry_at;
        const auto interval = t.covered ? std::max(settings_.min_interval, settings_.covered_interval) : settings_.min_interval;
        if (t.last_attempt != clock::time_point{}) at = std::max(at, t.last_attempt + interval);
        due = std::min(due, std::max(at, now));
    }
    return due;
}

void scheduler::attempted(const target_key& k, clock::time_point now) {
    if (auto it = targets_.find(k); it != targets_.end()) it->second.last_attempt = now;
}

void scheduler::succeeded(const target_key& k, clock::time_point now) {
    auto it = targets_.find(k);
    if (it == targets_.end()) return;
    it->second.last_success = now;
    it->second.failures = 0;
    it->second.retry_at = {};
    it->second.last_result = "ok";
}

void scheduler::failed(const target_key& k, clock::time_point now, std::chrono::milliseconds backoff, std::string why) {
    auto it = targets_.find(k);
    if (it == targets_.end()) return;
    ++it->second.failures;
    it->second.retry_at = now + backoff;
    it->second.last_result = std::move(why);
}

void scheduler::park(const target_key& k, std::string why) {
    auto it = targets_.find(k);
    if (it == targets_.end()) return;
    it->second.parked = true;
    it->second.last_result = std::move(why);
}

const target_state* scheduler::find(const target_key& k) const {
    auto it = targets_.find(k);
    return it == targets_.end() ? nullptr : &it->second;
}

std::string encode_locations(const std::map<std::int64_t, std::vector<std::string>>& pin_districts,
                             const std::map<std::string, std::int64_t>& district_ids) {
    std::string out;
    for (const auto& [pin, names] : pin_districts) {
        out += "P " + std::to_string(pin);
        for (const auto& n : names) out += "\t" + n;
        out += "\n";
    }
    for (const auto& [name, id] : district_ids) out += "D " + std::to_string(id) + "\t" + name + "\n";
    return out;
}

void decode_locations(std::string_view text, std::map<std::int64_t, std::vector<std::string>>& pin_districts,
                      std::map<std::string, std::int64_t>& district_ids) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.size() < 3 || line[1] != ' ') continue;
        std::vector<std::string> fields;
        std::string_view rest = line.substr(2);
        while (true) {
            auto tab = rest.find('\t');
            fields.emplace_back(rest.substr(0, tab));
            if (tab == std::string_view::npos) break;
            rest = rest.substr(tab + 1);
        }
        std::int64_t n = 0;
        if (std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), n).ec != std::errc{}) continue;
        if (line[0] == 'P') {
            pin_districts[n] = std::vector<std::string>(fields.begin() + 1, fields.end());
        } else if (line[0] == 'D' && fields.size() == 2) {
            district_ids[fields[1]] = n;
        }
    }
}

std::chrono::milliseconds failure_backoff(int failures, double unit_random) {
    const double base = 5000.0 * std::pow(2.0, std::clamp(failures - 1, 0, 16));
    const double capped = std::min(base, 300000.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(capped * (0.75 + 0.5 * unit_random)));
}

}  // namespace cowin::poll
