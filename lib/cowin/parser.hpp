#pragma once
// The CoWIN response parser: simdjson on-demand, one instance per poller, reused for every response so
// that its buffers are allocated once. Views it produces stay valid until its next parse.
//
// simdjson's on-demand front end is compiled for one instruction set per translation unit, so the
// parsing code is built twice (AVX2 and portable; see parse_kernel.hpp) and the fastest kernel the CPU
// runs is picked at construction.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cowin/model.hpp"
#include "cowin/parse_error.hpp"

namespace cowin::api {

class parse_kernel;
class view_builder;

class response_parser {
public:
    static constexpr std::size_t default_max_bytes = std::size_t{16} << 20;
    static constexpr int default_max_depth = 32;
    /// What parse_padded() needs readable after the JSON (simdjson::SIMDJSON_PADDING).
    static const std::size_t padding;

    /// `kernel`: "haswell", "fallback" or "" for the fastest the CPU runs (or $COWIN_SIMDJSON_KERNEL).
    explicit response_parser(std::size_t max_bytes = default_max_bytes, int max_depth = default_max_depth,
                             std::string_view kernel = "");
    ~response_parser();
    response_parser(const response_parser&) = delete;
    response_parser& operator=(const response_parser&) = delete;

    /// Parses a sessions response of endpoint `e`, copying `json` into the parser's padded buffer.
    std::optional<parse_error> parse(endpoint e, std::string_view json);
    /// The same without the copy: `json` must be followed by `padding` readable bytes (a
    /// simdjson::padded_string, or an HTTP body buffer allocated with that much to spare).
    std::optional<parse_error> parse_padded(endpoint e, std::string_view json);

    /// The last successful parse. After a failed one it is empty.
    const response_view& view() const { return view_; }
    /// The kernel in use, e.g. "haswell".
    std::string_view kernel_name() const;

    std::optional<parse_error> parse_states(std::string_view json, std::vector<state>& out);
    std::optional<parse_error> parse_districts(std::string_view json, std::vector<district>& out);

private:
    std::optional<parse_error> run(endpoint e, std::string_view json);

    std::size_t max_bytes_;
    int max_depth_;
    std::unique_ptr<parse_kernel> kernel_;
    std::unique_ptr<view_builder> builder_;
    std::vector<char> copy_;
    response_view view_;
};

}  // namespace cowin::api
