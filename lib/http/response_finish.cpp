#include "http/response_finish.hpp"

#include <zlib.h>

#include <string>

#include "util/text.hpp"

namespace cowin::http {

bool gunzip(const std::string& in, std::string& out, std::size_t limit) {
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
    for (const auto& f : res) out.headers[util::to_lower_ascii(f.name_string())] = std::string(f.value());
    out.wire_bytes = res.body().size();
    const std::string encoding = out.header("content-encoding");
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
    out.body.reserve(out.body.size() + body_padding);
    return out;
}

}  // namespace cowin::http
