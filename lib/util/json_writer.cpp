#include "util/json_writer.hpp"

#include <cmath>
#include <cstdio>

namespace cowin::util {

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    // Runs of characters that need no escape are copied whole, not char by char: alert texts and
    // session names are mostly such runs.
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool plain = c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
        if (plain) continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
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
    out.append(s.data() + run, s.size() - run);
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
