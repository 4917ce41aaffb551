#pragma once
// Prometheus metrics (text exposition format 0.0.4), kept as plain numbers: counters and gauges by
// label set, histograms with fixed buckets, and collectors that refresh gauges just before a scrape.
// One event loop owns it; nothing here locks.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cowin::metrics {

enum class kind { counter, gauge, histogram };

/// `{a="x",b="y"}` with values escaped; "" for no labels.
std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> kv);

class registry {
public:
    /// Declares a metric (name without the cowin_notifier_ prefix). Histograms take their bucket bounds.
    void describe(std::string name, std::string help, kind k, std::vector<double> bounds = {});

    // Names and label sets are looked up, not copied (these run for every delivery): a string is
    // made only for a series seen the first time.
    void add(std::string_view name, std::string_view label_set = "", double v = 1);
    void set(std::string_view name, std::string_view label_set, double v);
    void observe(std::string_view name, std::string_view label_set, double v);
    /// The sum over every label set of a counter or gauge (0 when unknown), for status lines.
    double total(std::string_view name) const;
    /// Drops every series of a gauge (before a collector sets the current ones).
    void clear(std::string_view name);

    /// Runs before every render(), to refresh gauges from their owners.
    void collect(std::function<void(registry&)> f) { collectors_.push_back(std::move(f)); }

    std::string render();

    static constexpr std::string_view prefix = "cowin_notifier_";

private:
    struct histogram_series {
        std::vector<std::uint64_t> counts;  ///< per bound, not cumulative
        std::uint64_t count = 0;
        double sum = 0;
    };
    struct family {
        std::string help;
        kind type = kind::counter;
        std::vector<double> bounds;
        std::map<std::string, double, std::less<>> values;
        std::map<std::string, histogram_series, std::less<>> histograms;
    };
    family& get(std::string_view name);

    std::map<std::string, family, std::less<>> families_;
    std::vector<std::function<void(registry&)>> collectors_;
};

/// Declares every metric this program exports, so each has HELP and TYPE from the first scrape.
void describe_all(registry& r);

}  // namespace cowin::metrics
