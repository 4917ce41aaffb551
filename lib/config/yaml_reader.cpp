#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/duration.hpp"
#include "util/edit_distance.hpp"

namespace cowin::config {

std::string diagnostic::str() const {
    std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    if (!path.empty()) out += path + ": ";
    return out + message;
}

namespace {
diagnostic make(const std::string& file, const YAML::Mark& at, std::string path, std::string message) {
    return {file, at.is_null() ? 1 : at.line + 1, at.is_null() ? 1 : at.column + 1, std::move(path),
            std::move(message)};
}
bool is_null(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }
}  // namespace

void yaml_reader::error(const YAML::Mark& at, std::string path, std::string message) {
    out_.errors.push_back(make(file_, at, std::move(path), std::move(message)));
}

void yaml_reader::warning(const YAML::Mark& at, std::string path, std::string message) {
    out_.warnings.push_back(make(file_, at, std::move(path), std::move(message)));
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

YAML::Mark mark_or(const YAML::Node& n, const YAML::Mark& fallback) {
    if (!n.IsDefined()) return fallback;
    YAML::Mark m = n.Mark();
    return m.is_null() ? fallback : m;
}

std::string describe(const YAML::Node& n) {
    if (is_null(n)) return "nothing";
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    std::string s = n.Scalar();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return "\"" + s + "\"";
}

void yaml_reader::expected(const YAML::Node& node, const YAML::Mark& fallback, std::string path,
                           std::string_view what) {
    error(mark_or(node, fallback), std::move(path), "expected " + std::string(what) + ", got " + describe(node));
}

std::optional<std::int64_t> yaml_reader::to_int(const YAML::Node& n, const YAML::Mark& at, const std::string& path,
                                                std::int64_t lo, std::int64_t hi) {
    std::string what = "an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
    if (!n.IsScalar() || n.Tag() == json_string_tag || n.Tag() == json_bool_tag) {
        expected(n, at, path, what);
        return std::nullopt;
    }
    const std::string& s = n.Scalar();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v < lo || v > hi) {
        expected(n, at, path, what);
        return std::nullopt;
    }
    return v;
}

std::optional<std::string> yaml_reader::to_string(const YAML::Node& n, const YAML::Mark& at, const std::string& path) {
    if (!n.IsScalar() || n.Tag() == json_number_tag || n.Tag() == json_bool_tag) {
        expected(n, at, path, "a string");
        return std::nullopt;
    }
    return n.Scalar();
}

std::optional<std::chrono::milliseconds> yaml_reader::to_duration(const YAML::Node& n, const YAML::Mark& at,
                                                                  const std::string& path,
                                                                  std::chrono::milliseconds lo,
                                                                  std::chrono::milliseconds hi) {
    std::string what = "a duration between " + format_duration(lo) + " and " + format_duration(hi) +
                       " such as \"500ms\", \"30s\", \"5m\" or \"2h\"";
    std::optional<std::chrono::milliseconds> d;
    if (n.IsScalar()) d = parse_duration(n.Scalar());
    if (!d || *d < lo || *d > hi) {
        expected(n, at, path, what);
        return std::nullopt;
    }
    return d;
}

map_reader::map_reader(yaml_reader& r, const YAML::Node& node, std::string path, const YAML::Mark& fallback)
    : r_(r), path_(std::move(path)), mark_(mark_or(node, fallback)) {
    if (is_null(node)) return;
    if (!node.IsMap()) {
        r_.expected(node, fallback, path_, "a mapping");
        return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
        std::string key = it->first.IsScalar() ? it->first.Scalar() : describe(it->first);
        YAML::Mark key_mark = mark_or(it->first, mark_);
        if (find(key) != nullptr) {
            r_.error(key_mark, path_of(key), "duplicate key");
            continue;
        }
        entries_.push_back({key, key_mark, it->second, false});
    }
}

map_reader::~map_reader() {
    for (const auto& e : entries_) {
        if (e.used) continue;
        std::string message = "unknown key '" + e.key + "'";
        if (std::string near = util::nearest(e.key, known_); !near.empty()) {
            message += "; did you mean '" + near + "'?";
        }
        r_.error(e.key_mark, path_of(e.key), std::move(message));
    }
}

const map_reader::entry* map_reader::find(std::string_view key) const {
    for (const auto& e : entries_) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

bool map_reader::has(std::string_view key) const {
    const entry* e = find(key);
    return e != nullptr && !is_null(e->value);
}

YAML::Node map_reader::take(std::string_view key) {
    known_.emplace_back(key);
    for (auto& e : entries_) {
        if (e.key == key) {
            e.used = true;
            return is_null(e.value) ? YAML::Node(YAML::NodeType::Undefined) : e.value;
        }
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

std::string map_reader::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

YAML::Mark map_reader::mark_of(std::string_view key) const {
    const entry* e = find(key);
    if (e == nullptr) return mark_;
    return mark_or(e->value, e->key_mark);
}

void map_reader::get(std::string_view key, int& out, int lo, int hi) {
    std::int64_t v = out;
    get(key, v, lo, hi);
    out = static_cast<int>(v);
}

void map_reader::get(std::string_view key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    if (YAML::Node n = take(key)) {
        if (auto v = r_.to_int(n, mark_of(key), path_of(key), lo, hi)) out = *v;
    }
}

void map_reader::get(std::string_view key, std::string& out) {
    if (YAML::Node n = take(key)) {
        if (auto v = r_.to_string(n, mark_of(key), path_of(key))) out = std::move(*v);
    }
}

void map_reader::get(std::string_view key, bool& out) {
    YAML::Node n = take(key);
    if (!n) return;
    if (n.IsScalar() && n.Tag() != json_string_tag && (n.Scalar() == "true" || n.Scalar() == "false")) {
        out = n.Scalar() == "true";
    } else {
        r_.expected(n, mark_of(key), path_of(key), "true or false");
    }
}

void map_reader::get(std::string_view key, std::chrono::milliseconds& out, std::chrono::milliseconds lo,
                     std::chrono::milliseconds hi) {
    if (YAML::Node n = take(key)) {
        if (auto v = r_.to_duration(n, mark_of(key), path_of(key), lo, hi)) out = *v;
    }
}

namespace {
std::string trim_trailing_newlines(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}
}  // namespace

void map_reader::get_secret(std::string_view key, secret& out) {
    const std::string k(key);
    std::string inline_value, file, env;
    get(k, inline_value);
    get(k + "_file", file);
    get(k + "_env", env);
    int given = !inline_value.empty() + !file.empty() + !env.empty();
    if (given > 1) {
        r_.error(mark_of(k + "_file"), path_of(k), "give at most one of " + k + ", " + k + "_file and " + k + "_env");
        return;
    }
    if (!inline_value.empty()) {
        out = secret{.value = inline_value, .origin = "inline", .file = {}, .file_is_default = false};
    } else if (!env.empty()) {
        const char* v = std::getenv(env.c_str());
        if (v == nullptr) {
            r_.error(mark_of(k + "_env"), path_of(k + "_env"), "environment variable " + env + " is not set");
            return;
        }
        out = secret{.value = trim_trailing_newlines(v), .origin = "env " + env, .file = {}, .file_is_default = false};
    } else if (!file.empty() || !out.file.empty()) {
        const bool is_default = file.empty();
        if (is_default) file = out.file;
        const std::string resolved = resolve_secret_path(file, r_.file());
        std::ifstream in(resolved, std::ios::binary);
        std::ostringstream bytes;
        if (in) bytes << in.rdbuf();
        std::error_code ec;
        if (!in || !std::filesystem::is_regular_file(resolved, ec) || in.bad()) {
            std::string message = "cannot read " + resolved;
            if (is_default) {
                r_.warning(mark_, path_of(k + "_file"), message + " (the default); create it or set " + k + "_file");
            } else {
                r_.error(mark_of(k + "_file"), path_of(k + "_file"), message);
            }
            out.value.clear();
            return;
        }
        out = secret{.value = trim_trailing_newlines(bytes.str()), .origin = "file " + resolved, .file = file,
                     .file_is_default = is_default};
    }
}

}  // namespace cowin::config
