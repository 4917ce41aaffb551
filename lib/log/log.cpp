#include "log/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace cowin::log {

std::string_view to_string(level l) {
    switch (l) {
        case level::error: return "error";
        case level::warning: return "warning";
        case level::notice: return "notice";
        case level::info: return "info";
        case level::debug: return "debug";
    }
    return "unknown";
}

std::optional<level> parse_level(std::string_view name) {
    for (level l : {level::error, level::warning, level::notice, level::info, level::debug}) {
        if (to_string(l) == name) return l;
    }
    return std::nullopt;
}

sink stderr_sink(prefix p) {
    return [p](level l, std::string_view line) {
        // One fwrite per line keeps lines whole when several threads log.
        std::string out;
        out.reserve(line.size() + 16);
        if (p == prefix::syslog) {
            out += '<';
            out += static_cast<char>('0' + static_cast<int>(l));
            out += '>';
        } else {
            out += to_string(l);
            out += ": ";
        }
        out += line;
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), stderr);
    };
}

sink default_sink() {
    const char* journal = std::getenv("JOURNAL_STREAM");
    return stderr_sink(journal != nullptr && *journal != '\0' ? prefix::syslog : prefix::none);
}

logger::logger(sink s, level threshold) : sink_(std::move(s)), threshold_(threshold) {}

void logger::write(level l, std::string_view line) const {
    if (enabled(l) && sink_) sink_(l, line);
}

}  // namespace cowin::log
