// Parse + diff of a calendar response: our parser beside the bare simdjson scan (the limit) and
// 2021's Python approach (the peer), on the Raigad fixture and a generated 0.6 MB metro district; and
// the unchanged-response path (fingerprint only). Prints a table and one JSON line per figure.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "bare_scan.hpp"
#include "cowin/differ.hpp"
#include "cowin/parser.hpp"
#include "metro_calendar.hpp"
#include "report.hpp"

using namespace cowin;
using namespace cowin::api;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Best seconds per call over 7 rounds of at least 0.2 s each.
double seconds_per_call(const std::function<void()>& f) {
    using clock = std::chrono::steady_clock;
    double best = 1e9;
    for (int round = 0; round < 7; ++round) {
        long n = 0;
        auto start = clock::now();
        double elapsed = 0;
        do {
            f();
            ++n;
            elapsed = std::chrono::duration<double>(clock::now() - start).count();
        } while (elapsed < 0.2);
        best = std::min(best, elapsed / static_cast<double>(n));
    }
    return best;
}

double peer_gbps(const std::string& now, const std::string& before) {
    std::string cmd = "python3 " + std::string(COWIN_SOURCE_DIR) + "/bench/peer_parse.py " + now + " " + before;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return 0;
    double v = 0;
    if (std::fscanf(p, "%lf", &v) != 1) v = 0;
    ::pclose(p);
    return v;
}

void write_file(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

struct input {
    std::string name;
    std::string now;
    std::string before;
};

}  // namespace

int main() {
    const std::string raigad = slurp(std::string(COWIN_SOURCE_DIR) +
                                     "/tests/fixtures/cowin/calendarByDistrict_raigad-393_2021-05-21.json");
    // The previous poll of Raigad: the same response with some capacities changed.
    std::string raigad_before = raigad;
    for (std::size_t pos = 0, n = 0; (pos = raigad_before.find("\"available_capacity_dose1\": 0", pos)) != std::string::npos;
         ++n, ++pos) {
        if (n % 40 == 0) raigad_before[pos + 28] = '7';
    }
    const std::vector<input> inputs{
        {"raigad", raigad, raigad_before},
        {"metro", bench::metro_calendar(42, 400, 7, 1), bench::metro_calendar(42, 400, 7, 0)},
    };

    bench::report report;
    response_parser parser;
    std::printf("parser kernel: %s\n", std::string(parser.kernel_name()).c_str());
    for (const auto& in : inputs) {
        std::string padded = in.now;
        padded.append(response_parser::padding, '\0');
        const std::string_view json(padded.data(), in.now.size());

        snapshot before, after;
        if (parser.parse(endpoint::calendar, in.before)) return 1;
        make_snapshot(parser.view(), fingerprint(in.before), before);
        std::vector<transition> changes;
        diff_scratch scratch;

        std::size_t transitions = 0;
        const double ours = seconds_per_call([&] {
            if (parser.parse_padded(endpoint::calendar, json)) std::abort();
            make_snapshot(parser.view(), fingerprint(json), after);
            changes.clear();
            diff(before, after, changes, scratch);
            transitions = changes.size();
        });
        std::uint64_t sink = 0;
        const double limit = seconds_per_call([&] { sink += bench::bare_scan(json); });
        if (sink == 0) return 1;

        const std::string now_file = "/tmp/cowin-bench-" + in.name + "-now.json";
        const std::string before_file = "/tmp/cowin-bench-" + in.name + "-before.json";
        write_file(now_file, in.now);
        write_file(before_file, in.before);
        const double peer = peer_gbps(now_file, before_file);
        std::remove(now_file.c_str());
        std::remove(before_file.c_str());

        const double gb = static_cast<double>(in.now.size()) / 1e9;
        std::printf("%s: %zu bytes, %zu sessions, %zu transitions\n", in.name.c_str(), in.now.size(),
                    parser.view().sessions.size(), transitions);
        report.add({"parse_diff_" + in.name, gb / ours, "GB/s", "python json.loads + dict diff", peer,
                    "simdjson on-demand bare scan", gb / limit});
        report.add({"parse_diff_" + in.name + "_share_of_limit", 100.0 * limit / ours, "%", "python", 100.0 * peer * limit / gb,
                    "target", 40.0});
    }

    // Unchanged response: the fingerprint is all the work.
    const std::string_view hundred_kb(raigad.data(), 100 * 1000);
    std::uint64_t fp = 0;
    const double unchanged = seconds_per_call([&] { fp ^= fingerprint(hundred_kb); });
    report.add({"unchanged_response_per_100KB", unchanged * 1e6, "us", "", 0, "target", 5.0});
    report.print();
    return fp == 42 ? 2 : 0;
}
