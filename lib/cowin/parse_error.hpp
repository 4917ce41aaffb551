#pragma once
#include <cstddef>
#include <string>

namespace cowin::api {

/// Why a CoWIN response was refused. A refused response is dropped whole: it never reads as
/// "every session closed".
struct parse_error {
    enum class kind {
        too_large,   ///< over the size bound (default 16 MiB)
        syntax,      ///< not JSON, or truncated
        utf8,        ///< a string that is not valid UTF-8
        too_deep,    ///< nesting over the depth bound
        wrong_type,  ///< e.g. a string where CoWIN serves a number
        missing,     ///< a field every response of that endpoint has
        bad_value,   ///< well-typed but impossible, e.g. date "32-13-2021"
        trailing,    ///< bytes after the document
    };
    kind what = kind::syntax;
    /// JSON pointer to the offending value, e.g. "/centers/3/sessions/1/available_capacity".
    std::string pointer;
    /// Byte offset near the problem, where known.
    std::size_t offset = 0;
    std::string message;

    /// "at /centers/3/sessions/1/available_capacity (byte 1234): expected an integer".
    std::string str() const;
};

}  // namespace cowin::api
