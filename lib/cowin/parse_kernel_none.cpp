// Builds without an AVX2 kernel (non-x86-64 targets) use the portable one only.
#include "cowin/parse_kernel.hpp"

namespace cowin::api {
std::unique_ptr<parse_kernel> make_haswell_kernel(std::size_t) { return nullptr; }
std::uint64_t fingerprint_avx2(std::string_view) { return 0; }
}  // namespace cowin::api
