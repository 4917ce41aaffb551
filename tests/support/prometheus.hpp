#pragma once
// A small checker of Prometheus text exposition format 0.0.4, for tests: every sample belongs to a family
// announced by HELP and TYPE, names and labels are well formed, values are numbers, histogram buckets
// are cumulative and end in +Inf equal to _count. Returns the problems found and the samples read.
#include <map>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace cowin::test {

struct prometheus_text {
    std::vector<std::string> problems;
    std::map<std::string, double> samples;  ///< "name{labels}" -> value
    std::map<std::string, std::string> types;
};

namespace detail {
inline bool name_char(char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
}
/// Reads a metric or label name at `i`; empty when there is none.
inline std::string read_name(const std::string& s, std::size_t& i, bool label) {
    std::size_t start = i;
    while (i < s.size() && name_char(s[i], i == start) && !(label && s[i] == ':')) ++i;
    return s.substr(start, i - start);
}
/// `{a="x",b="y"}` at `i` (already at '{'); false when malformed.
inline bool read_labels(const std::string& s, std::size_t& i) {
    ++i;
    for (bool first = true;; first = false) {
        if (i < s.size() && s[i] == '}') {
            ++i;
            return true;
        }
        if (!first) {
            if (i >= s.size() || s[i] != ',') return false;
            ++i;
        }
        if (read_name(s, i, true).empty()) return false;
        if (i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '"') return false;
        i += 2;
        for (;; ++i) {
            if (i >= s.size()) return false;
            if (s[i] == '\\') {
                if (i + 1 >= s.size() || (s[i + 1] != '\\' && s[i + 1] != '"' && s[i + 1] != 'n')) return false;
                ++i;
            } else if (s[i] == '"') {
                ++i;
                break;
            }
        }
    }
}
}  // namespace detail

inline prometheus_text parse_prometheus(const std::string& text) {
    prometheus_text out;
    std::map<std::string, bool> helped;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    if (!text.empty() && text.back() != '\n') out.problems.push_back("the text does not end with a newline");
    auto problem = [&](const std::string& what) { out.problems.push_back("line " + std::to_string(n) + ": " + what); };
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) continue;
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            std::size_t i = 7;
            const std::string name = detail::read_name(line, i, false);
            if (name.empty() || i >= line.size() || line[i] != ' ' || i + 1 >= line.size()) {
                problem("malformed " + line.substr(2, 4));
                continue;
            }
            const std::string rest = line.substr(i + 1);
            if (line[2] == 'H') {
                helped[name] = true;
            } else {
                if (!helped[name]) problem("TYPE before HELP for " + name);
                if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" && rest != "untyped") {
                    problem("unknown type " + rest);
                }
                out.types[name] = rest;
            }
            continue;
        }
        if (line[0] == '#') continue;
        std::size_t i = 0;
        const std::string name = detail::read_name(line, i, false);
        const std::size_t labels_at = i;
        if (name.empty() || (i < line.size() && line[i] == '{' && !detail::read_labels(line, i)) || i >= line.size() ||
            line[i] != ' ') {
            problem("not a sample, HELP or TYPE: " + line);
            continue;
        }
        const std::string labels = line.substr(labels_at, i - labels_at);
        const std::string value = line.substr(i + 1);
        std::string family = name;
        for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
            if (!out.types.count(family) && family.size() > suffix.size() && family.ends_with(suffix)) {
                family = family.substr(0, family.size() - suffix.size());
            }
        }
        if (!out.types.count(family)) problem("no TYPE for " + name);
        char* end = nullptr;
        double v = 0;
        if (value == "+Inf" || value == "-Inf" || value == "NaN") {
            v = value == "-Inf" ? -1e308 : 1e308;
        } else {
            v = std::strtod(value.c_str(), &end);
            if (value.empty() || end == nullptr || *end != '\0') problem("bad value " + value);
        }
        out.samples[name + labels] = v;
    }
    return out;
}

}  // namespace cowin::test
