#pragma once
// How much of the machine's CPU time a hypervisor gave to others during a benchmark ("steal" in
// /proc/stat). On a shared VM it comes in bursts of milliseconds; a p99 of a few milliseconds
// catches them, so the benchmarks print it beside their figures.
#include <cstdio>

namespace cowin::bench {

class stolen_time {
public:
    stolen_time() : start_(now()) {}
    /// Stolen time as a share of all the CPU time that passed since construction (0 to 1).
    double share() const {
        const sample end = now();
        const double total = end.total - start_.total;
        return total > 0 ? (end.steal - start_.steal) / total : 0;
    }

private:
    struct sample {
        double total = 0, steal = 0;
    };
    static sample now() {
        sample s;
        FILE* f = std::fopen("/proc/stat", "r");
        if (f == nullptr) return s;
        unsigned long long v[8] = {};  // user nice system idle iowait irq softirq steal
        if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                        &v[7]) == 8) {
            for (auto x : v) s.total += static_cast<double>(x);
            s.steal = static_cast<double>(v[7]);
        }
        std::fclose(f);
        return s;
    }
    sample start_;
};

}  // namespace cowin::bench
