// The portable kernel, for CPUs without AVX2 (and for testing the kernels against each other).
#include <simdjson.h>

#include <cstring>
#include <string_view>

#include "cowin/parse_kernel.hpp"

namespace cowin::api {
namespace kernel_fallback {
namespace sj = simdjson::ondemand;
constexpr const char* kernel_name = "fallback";
#include "cowin/parse_kernel.ipp"
}  // namespace kernel_fallback

std::unique_ptr<parse_kernel> make_fallback_kernel(std::size_t max_bytes) {
    return std::make_unique<kernel_fallback::kernel>(max_bytes);
}

}  // namespace cowin::api
