#pragma once
// The boundary between the instruction-set-specific parsing code (parse_kernel.ipp, compiled once per
// kernel) and everything else. Nothing crosses it but plain structs and calls to out-of-line functions:
// a kernel translation unit compiled with -mavx2 must not emit inline code (std::vector growth, say)
// that the linker could then pick for callers running on CPUs without AVX2.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "cowin/model.hpp"

namespace cowin::api {

/// Why a kernel stopped: a simdjson error_code value, or one of ours (above simdjson's range).
enum class kernel_errc : int {
    missing_field = 1000,
    bad_value,
    too_deep,
    trailing,
    root_shape,
};

/// Where and why a kernel stopped. Strings are literals or views into the input.
struct kernel_failure {
    int code = 0;
    int center_at = -1;
    int session_at = -1;
    const char* field = nullptr;
    const char* detail = nullptr;
    std::size_t offset = 0;
};

/// Fills a response_view on behalf of a kernel; all growth happens here, in portable code.
class view_builder {
public:
    explicit view_builder(response_view& v) : v_(v) {}
    void reset(endpoint e);
    std::uint32_t add_center();
    center_view& center(std::uint32_t i);
    /// findBy* repeats the centre in every record: the index of the one kept for `c.center_id`.
    std::uint32_t find_or_add_center(const center_view& c);
    void add_session(const session_view& s);
    std::uint32_t session_count() const;
    session_view& session(std::uint32_t i);
    std::uint32_t add_slot(const slot_view& s);
    std::uint32_t slot_count() const;
    std::uint32_t add_fee(const vaccine_fee_view& f);
    std::uint32_t fee_count() const;

private:
    response_view& v_;
    std::unordered_map<std::int64_t, std::uint32_t> index_;
};

class parse_kernel {
public:
    virtual ~parse_kernel() = default;
    virtual const char* name() const = 0;
    /// `json` is followed by simdjson::SIMDJSON_PADDING readable bytes. False on failure, with `why`.
    virtual bool parse(endpoint e, const char* json, std::size_t size, int max_depth, view_builder& out,
                       kernel_failure& why) = 0;
};

std::unique_ptr<parse_kernel> make_fallback_kernel(std::size_t max_bytes);
/// nullptr where this build or this CPU has no AVX2 kernel.
std::unique_ptr<parse_kernel> make_haswell_kernel(std::size_t max_bytes);

/// XXH3-64 of `bytes`, compiled for AVX2: call only where haswell_supported().
std::uint64_t fingerprint_avx2(std::string_view bytes);
/// True where this build has the AVX2 kernel and this CPU runs it.
bool haswell_supported();

/// Session key for sessions CoWIN serves without a session_id: (centre, date, vaccine, min age).
std::uint64_t derived_session_key(const session_view& s, std::int64_t center_id);
std::uint64_t session_id_key(std::string_view session_id);

}  // namespace cowin::api
