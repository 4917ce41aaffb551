#pragma once
// What the client makes of a response Beast has framed: the status, headers with lower-case names,
// the body gunzipped (gzip or deflate) within the body limit and padded for simdjson. Apart from
// the client so that the fuzz test can drive it with arbitrary bytes.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <string>

#include "http/client.hpp"

namespace cowin::http {

/// simdjson reads up to this many bytes past the end of a document.
inline constexpr std::size_t body_padding = 64;

/// Inflates a gzip (or zlib) body into `out`; false when it does not decode whole or passes `limit`.
bool gunzip(const std::string& in, std::string& out, std::size_t limit);

/// A failed response (error set) when the body does not decode or decodes to more than `body_limit`.
response finish_response(boost::beast::http::response<boost::beast::http::string_body>& res, std::size_t body_limit);

}  // namespace cowin::http
