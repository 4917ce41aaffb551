#include "util/json_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace cowin::util {

namespace {

constexpr std::array<bool, 256> plain_bytes = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 256; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
}();

// Whether any of the 8 bytes in `v` may need escaping (below 0x20, '"' or '\\'): never false when
// one does; now and then true when none does (the caller then looks byte by byte).
constexpr bool may_need_escape(std::uint64_t v) {
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const auto has_zero = [](std::uint64_t x) { return ((x - ones) & ~x & highs) != 0; };
    return ((v - ones * 0x20) & ~v & highs) != 0 || has_zero(v ^ (ones * '"')) || has_zero(v ^ (ones * '\\'));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    // Runs of characters that need no escape are copied whole, not char by char, and are scanned
    // eight bytes at a time: alert texts and session names are mostly such runs.
    const std::size_t n = s.size();
    std::size_t run = 0, i = 0;
    while (i < n) {
        for (std::uint64_t v; i + 8 <= n; i += 8) {
            std::memcpy(&v, s.data() + i, 8);
            if (may_need_escape(v)) break;
        }
        const std::size_t stop = std::min(n, i + 8);
        while (i < stop && plain_bytes[static_cast<unsigned char>(s[i])]) ++i;
        if (i == stop) continue;
        const char c = s[i];
        out.append(s.data() + run, i - run);
        run = ++i;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
        }
    }
    out.append(s.data() + run, n - run);
    out += '"';
}

void json_writer::separate() {
    if (need_comma_) out_ += ',';
}

json_writer& json_writer::open(char c) {
    separate();
    out_ += c;
    need_comma_ = false;
    return *this;
}

json_writer& json_writer::close(char c) {
    out_ += c;
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_ += ':';
    need_comma_ = false;
    return *this;
}

json_writer& json_writer::value(std::string_view s) {
    separate();
    append_json_string(out_, s);
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(std::int64_t n) {
    separate();
    out_ += std::to_string(n);
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(double d) {
    separate();
    if (std::isfinite(d)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        out_ += buf;
    } else {
        out_ += "null";
    }
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::value(bool b) {
    separate();
    out_ += b ? "true" : "false";
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::null() {
    separate();
    out_ += "null";
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::raw(std::string_view json) {
    separate();
    out_ += json;
    need_comma_ = true;
    return *this;
}

}  // namespace cowin::util
