#pragma once
// The benchmarks' common output: a table for people and one JSON object per figure for machines
// (DESIGN.md §1: {"bench","value","unit","peer","peer_value","limit","limit_value"}).
#include <cstdio>
#include <string>
#include <vector>

namespace cowin::bench {

struct figure {
    std::string bench;
    double value = 0;
    std::string unit;
    std::string peer;
    double peer_value = 0;
    std::string limit;
    double limit_value = 0;
};

class report {
public:
    void add(figure f) { figures_.push_back(std::move(f)); }
    void print() const {
        std::printf("\n%-36s %12s %-6s %12s  %-32s %12s  %s\n", "bench", "value", "unit", "peer", "(peer)", "limit",
                    "(limit)");
        for (const auto& f : figures_) {
            std::printf("%-36s %12.3f %-6s %12.3f  %-32s %12.3f  %s\n", f.bench.c_str(), f.value, f.unit.c_str(),
                        f.peer_value, f.peer.c_str(), f.limit_value, f.limit.c_str());
        }
        std::printf("\n");
        for (const auto& f : figures_) {
            std::printf(
                "{\"bench\": \"%s\", \"value\": %.4f, \"unit\": \"%s\", \"peer\": \"%s\", \"peer_value\": %.4f, "
                "\"limit\": \"%s\", \"limit_value\": %.4f}\n",
                f.bench.c_str(), f.value, f.unit.c_str(), f.peer.c_str(), f.peer_value, f.limit.c_str(),
                f.limit_value);
        }
    }

private:
    std::vector<figure> figures_;
};

}  // namespace cowin::bench
