#pragma once
// An HTTP/1.1 request as the bytes that go on the wire, written by hand: Beast's serializer walks a
// chain of buffer views per header field, which cost more of the worker's time per webhook than
// signing it. Kept apart from the client so a unit test can read the bytes back with Beast's parser.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cowin::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// `host` is the Host header's value (with the port when the URL names one). Adds Accept-Encoding:
/// gzip unless `headers` name one, and Content-Length unless a GET or HEAD has no body. Empty when
/// a name is not an HTTP token or a value holds CR, LF or NUL (a header could be smuggled in).
std::optional<std::string> request_wire(std::string_view method, std::string_view host, std::string_view target,
                                        const header_list& headers, std::string_view body);

}  // namespace cowin::http
