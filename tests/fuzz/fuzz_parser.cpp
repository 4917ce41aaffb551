// Any bytes, any endpoint, both kernels: the parser must return a view or an error, never crash, and
// the kernels must agree on which.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "cowin/differ.hpp"
#include "cowin/parser.hpp"

using namespace cowin::api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static response_parser fast(response_parser::default_max_bytes, response_parser::default_max_depth, "haswell");
    static response_parser portable(response_parser::default_max_bytes, response_parser::default_max_depth,
                                    "fallback");
    static snapshot previous;
    static diff_scratch scratch;
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    for (endpoint e : {endpoint::calendar, endpoint::calendar_by_center, endpoint::find}) {
        auto a = fast.parse(e, json);
        auto b = portable.parse(e, json);
        if (a.has_value() != b.has_value()) std::abort();
        if (a) continue;
        if (fast.view().sessions.size() != portable.view().sessions.size()) std::abort();
        snapshot next;
        make_snapshot(fast.view(), fingerprint(json), next);
        std::vector<transition> out;
        diff(previous, next, out, scratch);
        for (std::uint32_t i = 0; i < fast.view().sessions.size(); ++i) (void)materialize(fast.view(), i);
        previous = std::move(next);
    }
    std::vector<state> states;
    (void)fast.parse_states(json, states);
    std::vector<district> districts;
    (void)fast.parse_districts(json, districts);
    return 0;
}
