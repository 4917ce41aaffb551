#include "metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "version.hpp"

namespace cowin::metrics {

namespace {

void append_escaped(std::string& out, std::string_view v) {
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<std::int64_t>(v));
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// `{a="x"}` + `le="0.5"` -> `{a="x",le="0.5"}`.
std::string with_le(const std::string& label_set, const std::string& le) {
    if (label_set.empty()) return "{le=\"" + le + "\"}";
    return label_set.substr(0, label_set.size() - 1) + ",le=\"" + le + "\"}";
}

const char* type_name(kind k) {
    switch (k) {
        case kind::counter: return "counter";
        case kind::gauge: return "gauge";
        case kind::histogram: return "histogram";
    }
    return "untyped";
}

}  // namespace

std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
    if (kv.size() == 0) return "";
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : kv) {
        if (!first) out += ',';
        first = false;
        out.append(k);
        out += "=\"";
        append_escaped(out, v);
        out += '"';
    }
    return out + "}";
}

void registry::describe(std::string name, std::string help, kind k, std::vector<double> bounds) {
    family& f = families_[std::move(name)];
    f.help = std::move(help);
    f.type = k;
    f.bounds = std::move(bounds);
}

registry::family& registry::get(std::string_view name) {
    auto it = families_.find(name);
    if (it == families_.end()) throw std::logic_error("metric " + std::string(name) + " was not described");
    return it->second;
}

namespace {
// The series of `label_set`, made when first seen.
template <class Map>
typename Map::mapped_type& series(Map& m, std::string_view label_set) {
    auto it = m.find(label_set);
    if (it == m.end()) it = m.emplace(std::string(label_set), typename Map::mapped_type{}).first;
    return it->second;
}
}  // namespace

void registry::add(std::string_view name, std::string_view label_set, double v) { series(get(name).values, label_set) += v; }
void registry::set(std::string_view name, std::string_view label_set, double v) { series(get(name).values, label_set) = v; }
void registry::clear(std::string_view name) { get(name).values.clear(); }

void registry::observe(std::string_view name, std::string_view label_set, double v) {
    family& f = get(name);
    histogram_series& h = series(f.histograms, label_set);
    if (h.counts.empty()) h.counts.assign(f.bounds.size(), 0);
    for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        if (v <= f.bounds[i]) {
            ++h.counts[i];
            break;
        }
    }
    ++h.count;
    h.sum += v;
}

double registry::total(std::string_view name) const {
    auto it = families_.find(name);
    if (it == families_.end()) return 0;
    double sum = 0;
    for (const auto& [labels, v] : it->second.values) sum += v;
    return sum;
}

std::string registry::render() {
    for (const auto& c : collectors_) c(*this);
    std::string out;
    for (const auto& [name, f] : families_) {
        const std::string full = std::string(prefix) + name;
        out += "# HELP " + full + " " + f.help + "\n# TYPE " + full + " " + type_name(f.type) + "\n";
        if (f.type != kind::histogram) {
            for (const auto& [ls, v] : f.values) out += full + ls + " " + number(v) + "\n";
            continue;
        }
        for (const auto& [ls, h] : f.histograms) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < f.bounds.size(); ++i) {
                cumulative += h.counts[i];
                out += full + "_bucket" + with_le(ls, number(f.bounds[i])) + " " + std::to_string(cumulative) + "\n";
            }
            out += full + "_bucket" + with_le(ls, "+Inf") + " " + std::to_string(h.count) + "\n";
            out += full + "_sum" + ls + " " + number(h.sum) + "\n";
            out += full + "_count" + ls + " " + std::to_string(h.count) + "\n";
        }
    }
    return out;
}

void describe_all(registry& r) {
    r.describe("build_info", "Version of this cowin-notifier build (always 1).", kind::gauge);
    r.set("build_info", labels({{"version", cowin::version}}), 1);
    r.describe("cowin_calls_total", "CoWIN calls made, by endpoint and HTTP status (0: no answer).", kind::counter);
    r.describe("cowin_blocked_seconds_total", "Seconds every call was paused because CoWIN blocked us (403/429).", kind::counter);
    r.describe("budget_used_calls", "CoWIN calls made in the current rate-limit window.", kind::gauge);
    r.describe("budget_limit_calls", "CoWIN calls allowed per rate-limit window.", kind::gauge);
    r.describe("polls_total", "Polls, by result (ok, unchanged, failed, blocked).", kind::counter);
    r.describe("poll_age_seconds", "Seconds since the last successful poll of a target.", kind::gauge);
    r.describe("transitions_total", "Session changes seen between polls, by kind.", kind::counter);
    r.describe("matches_total", "Sessions that opened for a subscription.", kind::counter);
    r.describe("subscriptions", "Active subscriptions, by channel.", kind::gauge);
    r.describe("alerts_enqueued_total", "Alerts added to the outbox, by channel.", kind::counter);
    r.describe("alerts_delivered_total", "Alerts delivered, by channel.", kind::counter);
    r.describe("alerts_failed_total", "Delivery attempts that failed, by channel.", kind::counter);
    r.describe("alerts_dead_lettered_total", "Alerts given up on and dead-lettered, by channel.", kind::counter);
    r.describe("alerts_retried_total", "Alerts scheduled for another attempt, by channel.", kind::counter);
    r.describe("alerts_expired_total", "Alerts dropped as older than delivery.alert_ttl, by channel.", kind::counter);
    r.describe("outbox_depth", "Alerts waiting for delivery (new, in flight and scheduled for retry).", kind::gauge);
    r.describe("outbox_oldest_pending_age_seconds",
               "Seconds the oldest alert due for delivery (new or in flight) has waited in the outbox; 0 when none.",
               kind::gauge);
    r.describe("dead_letters", "Alerts in the dead-letter stream.", kind::gauge);
    r.describe("delivery_latency_seconds", "From detecting an opening to its delivery, by channel.", kind::histogram,
               {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300});
    for (const char* ch : {"webhook", "telegram", "sms", "log"}) {
        const auto ls = labels({{"channel", ch}});
        r.add("alerts_enqueued_total", ls, 0);
        r.add("alerts_delivered_total", ls, 0);
        r.add("alerts_failed_total", ls, 0);
        r.add("alerts_dead_lettered_total", ls, 0);
        r.add("alerts_retried_total", ls, 0);
        r.add("alerts_expired_total", ls, 0);
    }
    r.add("cowin_blocked_seconds_total", "", 0);
    r.add("matches_total", "", 0);
}

}  // namespace cowin::metrics
