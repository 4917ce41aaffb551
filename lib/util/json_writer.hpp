#pragma once
// A small streaming JSON writer for the JSON we produce (webhook payloads, sandbox and admin answers).
// It only appends; nesting is the caller's business. Strings are escaped per RFC 8259.

#include <cstdint>
#include <string>
#include <string_view>

namespace cowin::util {

/// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

class json_writer {
public:
    json_writer& begin_object() { return open('{'); }
    json_writer& end_object() { return close('}'); }
    json_writer& begin_array() { return open('['); }
    json_writer& end_array() { return close(']'); }
    json_writer& key(std::string_view k);
    json_writer& value(std::string_view s);
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(std::int64_t n);
    json_writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
    json_writer& value(double d);
    json_writer& value(bool b);
    json_writer& null();
    /// Inserts already-serialised JSON.
    json_writer& raw(std::string_view json);

    /// Room for `n` bytes in all, so that a caller who knows about how long the JSON comes out (or
    /// what will be appended to it after take()) spares the reallocations.
    void reserve(std::size_t n) { out_.reserve(n); }
    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    json_writer& open(char c);
    json_writer& close(char c);
    void separate();

    std::string out_;
    bool need_comma_ = false;
};

}  // namespace cowin::util
