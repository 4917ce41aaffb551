#pragma once
// Reading YAML into config structs while collecting every error at once, each with its position and
// key path. A map_reader reads one mapping: each get() names a key it knows; when it goes out of
// scope, keys nobody asked for are reported as unknown, with the nearest known key as a suggestion.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/secret.hpp"

namespace cowin::config {

class yaml_reader {
public:
    yaml_reader(std::string file, diagnostics& out) : file_(std::move(file)), out_(out) {}

    const std::string& file() const { return file_; }
    void error(const YAML::Mark& at, std::string path, std::string message);
    void warning(const YAML::Mark& at, std::string path, std::string message);
    /// "expected WHAT, got DESCRIPTION-OF-NODE".
    void expected(const YAML::Node& node, const YAML::Mark& fallback, std::string path, std::string_view what);

    std::optional<std::int64_t> to_int(const YAML::Node& n, const YAML::Mark& at, const std::string& path,
                                       std::int64_t lo, std::int64_t hi);
    std::optional<std::string> to_string(const YAML::Node& n, const YAML::Mark& at, const std::string& path);
    std::optional<std::chrono::milliseconds> to_duration(const YAML::Node& n, const YAML::Mark& at,
                                                         const std::string& path, std::chrono::milliseconds lo,
                                                         std::chrono::milliseconds hi);

private:
    std::string file_;
    diagnostics& out_;
};

bool equal_ignoring_case(std::string_view a, std::string_view b);

/// Tags given to scalars that came from JSON (see subscription_json.hpp), so that JSON's types are
/// kept: "30" is a string there, not the integer a YAML author meant by writing 30 in quotes.
inline constexpr const char* json_string_tag = "tag:cowin-notifier,2026:json-string";
inline constexpr const char* json_number_tag = "tag:cowin-notifier,2026:json-number";
inline constexpr const char* json_bool_tag = "tag:cowin-notifier,2026:json-bool";

/// The node's own position, or `fallback` where yaml-cpp has none (null and absent nodes).
YAML::Mark mark_or(const YAML::Node& n, const YAML::Mark& fallback);
/// How a node is named in "got ...": the scalar quoted, or "a mapping", "a list", "nothing".
std::string describe(const YAML::Node& n);

class map_reader {
public:
    /// `node` may be absent or null: every get() then keeps its default.
    map_reader(yaml_reader& r, const YAML::Node& node, std::string path, const YAML::Mark& fallback);
    ~map_reader();
    map_reader(const map_reader&) = delete;
    map_reader& operator=(const map_reader&) = delete;

    /// The value under `key` (marked known), or an undefined node when absent or null.
    YAML::Node take(std::string_view key);
    bool has(std::string_view key) const;
    std::string path_of(std::string_view key) const;
    /// Where `key`'s value stands, or the mapping itself when absent.
    YAML::Mark mark_of(std::string_view key) const;
    const YAML::Mark& mark() const { return mark_; }
    yaml_reader& reader() { return r_; }

    void get(std::string_view key, int& out, int lo, int hi);
    void get(std::string_view key, std::int64_t& out, std::int64_t lo, std::int64_t hi);
    void get(std::string_view key, std::string& out);
    void get(std::string_view key, bool& out);
    void get(std::string_view key, std::chrono::milliseconds& out, std::chrono::milliseconds lo,
             std::chrono::milliseconds hi);
    /// Reads `key`, `key_file` and `key_env`; at most one may be set.
    void get_secret(std::string_view key, secret& out);

    template <class E>
    void get_enum(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> values) {
        YAML::Node n = take(key);
        if (!n) return;
        auto s = r_.to_string(n, mark_of(key), path_of(key));
        if (!s) return;
        for (auto [name, value] : values) {
            if (equal_ignoring_case(name, *s)) {
                out = value;
                return;
            }
        }
        std::string allowed;
        for (auto [name, value] : values) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
        r_.expected(n, mark_, path_of(key), "one of " + allowed);
    }

private:
    struct entry {
        std::string key;
        YAML::Mark key_mark;
        YAML::Node value;
        bool used = false;
    };
    const entry* find(std::string_view key) const;

    yaml_reader& r_;
    std::string path_;
    YAML::Mark mark_;
    std::vector<entry> entries_;
    std::vector<std::string> known_;
};

}  // namespace cowin::config
