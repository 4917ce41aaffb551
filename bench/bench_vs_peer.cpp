// End to end against a 2021-style peer (issue 9): the same cowin-sandbox world, the same 100
// subscriptions over 10 districts, the same CoWIN budget and the same seeded schedule of 20 openings,
// first for the release cowin-notifier, then for bench/peer_notifier.py (standard library Python:
// one calendarByDistrict call per subscription in turn, json.loads, compare, POST). Both post to one
// receiver in this process, which notes when each alert arrived. Reported for each: CoWIN calls used
// and refused, alerts delivered of those expected, lateness from the opening (p50/p99), misses, and
// alerts for sessions a subscriber did not want.
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "background.hpp"
#include "hook_receiver.hpp"
#include "http_call.hpp"
#include "report.hpp"

using namespace cowin;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr int districts = 10, per_district = 10, openings = 20;
constexpr auto spacing = 3s, tail = 20s;
constexpr int budget_calls = 100;  // per minute: CoWIN's 100 per 5 minutes, five times faster, for both
const char* const vaccines[] = {"SPUTNIK V", "ZYCOV-D"};

struct sub {
    std::string id;
    int district, age;
    std::string vaccine;
};
struct opening {
    int district, min_age;
    std::string vaccine, session_id;
    steady::time_point at;
};

struct outcome {
    double calls = 0, refused = 0, delivered = 0, missed = 0, unwanted = 0, p50 = 0, p99 = 0;
};

// The openings of the schedule, made while a notifier runs; returns them with their times.
std::vector<opening> run_schedule(const std::string& sandbox, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<opening> out;
    for (int k = 0; k < openings; ++k) {
        opening o;
        o.district = 500 + static_cast<int>(rng() % districts);
        o.vaccine = vaccines[rng() % 2];
        o.min_age = rng() % 2 ? 45 : 18;
        std::this_thread::sleep_for(spacing);
        const std::string r = bench::http_call("POST", sandbox + "/sandbox/v1/sessions/open",
                                   "{\"district_id\":" + std::to_string(o.district) + ",\"vaccine\":\"" + o.vaccine +
                                       "\",\"min_age_limit\":" + std::to_string(o.min_age) + ",\"capacity\":50}");
        o.at = steady::now();
        simdjson::dom::parser p;
        std::string_view id;
        if (p.parse(r)["sessions"].at(0)["session_id"].get_string().get(id)) {
            std::fprintf(stderr, "the sandbox did not open a session: %s\n", r.c_str());
            std::exit(1);
        }
        o.session_id = id;
        out.push_back(o);
    }
    std::this_thread::sleep_for(tail);
    return out;
}

outcome judge(const std::vector<sub>& subs, const std::vector<opening>& opened, const std::vector<bench::hook_receiver::request>& got,
              const std::string& path) {
    std::map<std::pair<std::string, std::string>, steady::time_point> expected;  // (sub, session) -> opened at
    for (const auto& o : opened) {
        for (const auto& s : subs) {
            if (s.district == o.district && s.vaccine == o.vaccine && o.min_age <= s.age) expected[{s.id, o.session_id}] = o.at;
        }
    }
    outcome r;
    std::set<std::pair<std::string, std::string>> seen;
    std::vector<double> lateness;
    simdjson::dom::parser p;
    for (const auto& req : got) {
        if (req.path != path) continue;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc)) continue;
        std::vector<std::pair<std::string, std::string>> pairs;
        std::string_view sub_id, session;
        if (!doc["data"]["subscription_id"].get_string().get(sub_id)) {  // ours: DESIGN.md §5
            simdjson::dom::array sessions;
            if (doc["data"]["sessions"].get_array().get(sessions)) continue;
            for (auto s : sessions) {
                if (!s["session_id"].get_string().get(session)) pairs.emplace_back(sub_id, session);
            }
        } else if (!doc["subscription_id"].get_string().get(sub_id) && !doc["session_id"].get_string().get(session)) {
            pairs.emplace_back(sub_id, session);  // the peer's
        }
        for (const auto& pair : pairs) {
            auto it = expected.find(pair);
            if (it == expected.end()) {
                ++r.unwanted;
                continue;
            }
            if (!seen.insert(pair).second) continue;
            lateness.push_back(std::chrono::duration<double>(req.at - it->second).count());
        }
    }
    r.delivered = static_cast<double>(seen.size());
    r.missed = static_cast<double>(expected.size() - seen.size());
    r.p50 = bench::percentile(lateness, 0.5);
    r.p99 = bench::percentile(lateness, 0.99);
    return r;
}

void sandbox_calls(const std::string& sandbox, outcome& r) {
    simdjson::dom::parser p;
    const std::string stats = bench::http_call("GET", sandbox + "/sandbox/v1/stats");
    simdjson::dom::element s;
    if (p.parse(stats).get(s)) return;
    std::int64_t total = 0, limited = 0;
    if (!s["total_calls"].get_int64().get(total)) r.calls = static_cast<double>(total);
    if (!s["rejections"]["rate_limit"].get_int64().get(limited)) r.refused = static_cast<double>(limited);
}

}  // namespace

int main() {
    const int base_port = 24000 + static_cast<int>(::getpid() % 8000);
    const std::uint64_t seed = 2021;
    bench::hook_receiver hooks(true);
    const std::string hook = "http://127.0.0.1:" + std::to_string(hooks.port());
    std::vector<sub> subs;
    for (int i = 0; i < districts * per_district; ++i) {
        subs.push_back({"p" + std::to_string(i), 500 + i % districts, (i / districts) % 2 ? 45 : 30, vaccines[(i / 20) % 2]});
    }
    std::string district_list;
    for (int d = 0; d < districts; ++d) district_list += (d ? "," : "") + std::to_string(500 + d);
    auto start_sandbox = [&](int port) {
        const long pid = bench::start_background(std::string(COWIN_BIN_DIR) + "/cowin-sandbox --listen 127.0.0.1:" +
                                                 std::to_string(port) + " --districts " + district_list +
                                                 " --centres-per-district 10 --rate-limit " + std::to_string(budget_calls) + "/1m");
        std::this_thread::sleep_for(1s);
        return pid;
    };
    const std::string dir = "/tmp/cowin-bench-peer-" + std::to_string(::getpid());
    std::system(("mkdir -p " + dir).c_str());

    // Ours.
    outcome ours;
    {
        const int sandbox_port = base_port, redis_port = base_port + 1;
        const long sandbox_pid = start_sandbox(sandbox_port);
        const long redis_pid = bench::start_redis(redis_port);
        const std::string sandbox = "http://127.0.0.1:" + std::to_string(sandbox_port);
        {
            std::ofstream c(dir + "/c.yaml");
            // The sandbox has no CDN cache (poll.min_interval's default of 30 s exists because CoWIN's CDN
            // serves cached copies for minutes): here the budget alone sets how often a district is
            // polled, as it does for the peer.
            c << "cowin:\n  base_url: " << sandbox << "/api\n  rate_limit: { calls: " << budget_calls << ", period: 1m }\n"
              << "poll:\n  min_interval: 1s\n"
              << "state:\n  backend: redis\n  redis: { host: 127.0.0.1, port: " << redis_port << " }\n"
              << "admin:\n  listen: 127.0.0.1:0\n  token: t\nlog:\n  level: warning\nsubscriptions:\n";
            for (const auto& s : subs) {
                c << "  - id: " << s.id << "\n    district_id: " << s.district << "\n    age: " << s.age << "\n    vaccines: ["
                  << s.vaccine << "]\n    notify:\n      webhook: { url: \"" << hook << "/ours\", secret: "
                  << "\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }\n";
            }
        }
        std::this_thread::sleep_for(1s);
        const long daemon_pid = bench::start_background(std::string(COWIN_BIN_DIR) + "/cowin-notifier --config " + dir + "/c.yaml");
        std::this_thread::sleep_for(2s);
        // The schedule runs first: what the receiver got is read after it (arguments have no order).
        const auto opened = run_schedule(sandbox, seed);
        ours = judge(subs, opened, hooks.requests(), "/ours");
        sandbox_calls(sandbox, ours);
        bench::stop(daemon_pid);
        bench::stop(sandbox_pid);
        bench::stop(redis_pid);
    }
    // The peer, on a fresh sandbox with the same seed and schedule.
    outcome peer;
    {
        const int sandbox_port = base_port + 2;
        const long sandbox_pid = start_sandbox(sandbox_port);
        const std::string sandbox = "http://127.0.0.1:" + std::to_string(sandbox_port);
        {
            std::ofstream j(dir + "/subs.json");
            j << "[";
            for (std::size_t i = 0; i < subs.size(); ++i) {
                j << (i ? "," : "") << "{\"id\":\"" << subs[i].id << "\",\"district_id\":" << subs[i].district
                  << ",\"age\":" << subs[i].age << ",\"vaccine\":\"" << subs[i].vaccine << "\"}";
            }
            j << "]";
        }
        const auto duration = std::chrono::duration_cast<std::chrono::seconds>(spacing * openings + tail + 3s).count();
        const long peer_pid = bench::start_background("python3 " + std::string(COWIN_SOURCE_DIR) + "/bench/peer_notifier.py " +
                                                      sandbox + " " + dir + "/subs.json " + hook + "/peer " +
                                                      std::to_string(budget_calls) + " 60 " + std::to_string(duration));
        std::this_thread::sleep_for(2s);
        const auto opened = run_schedule(sandbox, seed);
        peer = judge(subs, opened, hooks.requests(), "/peer");
        sandbox_calls(sandbox, peer);
        bench::stop(peer_pid);
        bench::stop(sandbox_pid);
    }
    std::system(("rm -rf " + dir).c_str());

    const double expected = ours.delivered + ours.missed;
    const double window_s = std::chrono::duration<double>(spacing * openings + tail + 2s).count();
    std::printf("%d openings over %.0f s, %zu subscriptions in %d districts, budget %d calls/min for each; %.0f alerts expected\n",
                openings, window_s, subs.size(), districts, budget_calls, expected);
    bench::report report;
    report.add({"e2e_alerts_delivered", ours.delivered, "alerts", "2021-style python notifier", peer.delivered, "expected", expected});
    report.add({"e2e_alerts_missed", ours.missed, "alerts", "2021-style python notifier", peer.missed, "target", 0});
    report.add({"e2e_unwanted_alerts", ours.unwanted, "alerts", "2021-style python notifier", peer.unwanted, "target", 0});
    report.add({"e2e_lateness_p50", ours.p50, "s", "2021-style python notifier", peer.p50, "", 0});
    report.add({"e2e_lateness_p99", ours.p99, "s", "2021-style python notifier", peer.p99, "", 0});
    report.add({"e2e_cowin_calls", ours.calls, "calls", "2021-style python notifier", peer.calls, "budget over the run",
                budget_calls * window_s / 60.0});
    report.add({"e2e_calls_refused_by_rate_limit", ours.refused, "calls", "2021-style python notifier", peer.refused, "target", 0});
    report.print();
    // Neither notifier delivering anything says the bench is broken, not that both notifiers are:
    // fail loudly rather than print a table of zeros (as it once did, unnoticed).
    if (expected > 0 && ours.delivered + peer.delivered == 0) {
        std::fprintf(stderr, "bench_vs_peer: neither notifier delivered anything: the bench itself is broken\n");
        return 1;
    }
    return 0;
}
