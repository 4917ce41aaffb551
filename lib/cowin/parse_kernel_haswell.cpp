// The AVX2 kernel. CMake compiles this file alone with -mavx2 -mbmi -mpclmul -mlzcnt, which makes
// simdjson's on-demand front end use its haswell implementation here.
#include <simdjson.h>
// Static (internal) copies of XXH3, compiled here with AVX2 enabled: twice the speed of the system
// library's SSE2 build, and no inline function escapes this file.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <string_view>

#include "cowin/parse_kernel.hpp"

namespace cowin::api {
namespace kernel_haswell {
namespace sj = simdjson::haswell::ondemand;
constexpr const char* kernel_name = "haswell";
#include "cowin/parse_kernel.ipp"
}  // namespace kernel_haswell

std::uint64_t fingerprint_avx2(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::unique_ptr<parse_kernel> make_haswell_kernel(std::size_t max_bytes) {
    const auto* impl = simdjson::get_available_implementations()["haswell"];
    if (impl == nullptr || !impl->supported_by_runtime_system()) return nullptr;
    return std::make_unique<kernel_haswell::kernel>(max_bytes);
}

}  // namespace cowin::api
