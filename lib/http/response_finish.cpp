#include "http/response_finish.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <iterator>
#include <memory>

#include <string>

#include "util/text.hpp"

namespace cowin::http {

namespace {

// zlib, a chunk at a time: for what libdeflate does not take whole (a zlib stream, several gzip
// members, a trailer whose size is not the real one). Stops at the limit rather than after it.
bool inflate_streaming(const std::string& in, std::string& out, std::size_t limit) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) return false;  // gzip or zlib, auto-detected
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    out.clear();
    char chunk[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - z.avail_out);
        if (out.size() > limit) rc = Z_MEM_ERROR;
        if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END;
}

struct decompressor_deleter {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

}  // namespace

// A gzip member ends with its size (mod 2^32): the body is inflated in one pass straight into a
// string of that size, padding included, instead of through a chunk buffer and a string that grows
// (a metro district's answer is half a megabyte; this is on the path from every answer to its alerts).
bool gunzip(const std::string& in, std::string& out, std::size_t limit) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(in.data());
    const bool gzip = in.size() >= 18 && bytes[0] == 0x1f && bytes[1] == 0x8b;
    if (gzip) {
        const std::size_t declared = std::size_t{bytes[in.size() - 4]} | std::size_t{bytes[in.size() - 3]} << 8 |
                                     std::size_t{bytes[in.size() - 2]} << 16 | std::size_t{bytes[in.size() - 1]} << 24;
        static thread_local std::unique_ptr<libdeflate_decompressor, decompressor_deleter> d(libdeflate_alloc_decompressor());
        if (declared <= limit && d) {
            out.clear();
            out.reserve(declared + body_padding);
            out.resize(declared);
            std::size_t used = 0, made = 0;
            const auto rc = libdeflate_gzip_decompress_ex(d.get(), in.data(), in.size(), out.data(), declared, &used, &made);
            if (rc == LIBDEFLATE_BAD_DATA) return false;
            if (rc == LIBDEFLATE_SUCCESS && made == declared && used == in.size()) return true;
            // Otherwise the trailer's size was not the whole story: zlib decides, within the limit.
        }
    }
    return inflate_streaming(in, out, limit);
}

response finish_response(boost::beast::http::response<boost::beast::http::string_body>& res, std::size_t body_limit) {
    response out;
    out.status = static_cast<int>(res.result_int());
    if (out.status < 100 || out.status > 599) {
        // Beast frames "HTTP/1.1 020 OK" as status 20 (found by the fuzz test): no caller can judge that.
        response failed;
        failed.error = response::failure::protocol;
        failed.error_text = "status " + std::to_string(out.status) + " is not an HTTP status";
        return failed;
    }
    out.headers.reserve(static_cast<std::size_t>(std::distance(res.begin(), res.end())));
    for (const auto& f : res) {
        std::string name = util::to_lower_ascii(f.name_string());
        auto same = std::find_if(out.headers.begin(), out.headers.end(), [&](const auto& h) { return h.first == name; });
        if (same != out.headers.end()) same->second = std::string(f.value());
        else out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    out.wire_bytes = res.body().size();
    const std::string_view encoding = out.header("content-encoding");
    if (encoding == "gzip" || encoding == "deflate") {
        std::string decoded;
        if (!gunzip(res.body(), decoded, body_limit)) {
            response failed;
            failed.error = decoded.size() > body_limit ? response::failure::too_large : response::failure::protocol;
            failed.error_text = "body does not gunzip";
            return failed;
        }
        out.body = std::move(decoded);
    } else {
        out.body = std::move(res.body());
    }
    out.body.reserve(out.body.size() + body_padding);  // no copy when gunzip made room already
    return out;
}

}  // namespace cowin::http
