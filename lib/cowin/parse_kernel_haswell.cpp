// The AVX2 kernel. CMake compiles this file alone with -mavx2 -mbmi -mpclmul -mlzcnt, which makes
// simdjson's on-demand front end use its haswell implementation here.
#include <simdjson.h>

#include <string_view>

#include "cowin/parse_kernel.hpp"

namespace cowin::api {
namespace kernel_haswell {
namespace sj = simdjson::haswell::ondemand;
constexpr const char* kernel_name = "haswell";
#include "cowin/parse_kernel.ipp"
}  // namespace kernel_haswell

std::unique_ptr<parse_kernel> make_haswell_kernel(std::size_t max_bytes) {
    const auto* impl = simdjson::get_available_implementations()["haswell"];
    if (impl == nullptr || !impl->supported_by_runtime_system()) return nullptr;
    return std::make_unique<kernel_haswell::kernel>(max_bytes);
}

}  // namespace cowin::api
