#pragma once
// Logging: syslog-like levels and an injectable sink. Lines go to stderr by default; under systemd
// (JOURNAL_STREAM set) each line carries a "<N>" priority prefix so journald files it by level.
// Every line that carries user data passes that data through log/redact.hpp first.

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace cowin::log {

/// Values are syslog priorities.
enum class level : int {
    error = 3,    ///< something failed and was not retried
    warning = 4,  ///< something failed and will be retried, or a setting looks wrong
    notice = 5,   ///< normal but significant: start, stop, reload
    info = 6,     ///< per-poll summaries
    debug = 7,    ///< per-transition detail
};

std::string_view to_string(level l);
std::optional<level> parse_level(std::string_view name);

using sink = std::function<void(level, std::string_view line)>;

/// Writes to stderr; with `syslog_prefix`, prepends "<N>" for journald.
enum class prefix { none, syslog };
sink stderr_sink(prefix p);
/// stderr_sink with the prefix chosen by whether JOURNAL_STREAM is set.
sink default_sink();

class logger {
public:
    explicit logger(sink s = default_sink(), level threshold = level::info);

    void set_threshold(level l) { threshold_ = l; }
    level threshold() const { return threshold_; }
    bool enabled(level l) const { return static_cast<int>(l) <= static_cast<int>(threshold_); }

    void write(level l, std::string_view line) const;

    template <class... Args>
    void log(level l, const Args&... args) const {
        if (!enabled(l)) return;
        std::ostringstream out;
        (out << ... << args);
        write(l, out.view());
    }
    template <class... Args> void error(const Args&... a) const { log(level::error, a...); }
    template <class... Args> void warning(const Args&... a) const { log(level::warning, a...); }
    template <class... Args> void notice(const Args&... a) const { log(level::notice, a...); }
    template <class... Args> void info(const Args&... a) const { log(level::info, a...); }
    template <class... Args> void debug(const Args&... a) const { log(level::debug, a...); }

private:
    sink sink_;
    level threshold_;
};

}  // namespace cowin::log
