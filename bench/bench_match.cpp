// Subscriptions at scale (DESIGN.md §8): 1M subscriptions over 750 districts and 20,000 pincodes.
// 1. Load: the records (and their index entries) written to a real redis-server, then loaded by the
//    service at start (pipelined HGETALLs of the entries), timed beside the bare transfer of the same
//    hashes, with the process's RSS after (target: <= 3 s, <= 250 MB).
// 2. Matching: a full poll cycle (750 district polls, each with realistic capacity churn) through the
//    index, in ns per (transition + match), beside a linear scan of every subscription on the same
//    transitions (the peer; sampled polls, as it is slow) and the target of 1 us.
#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "cowin/differ.hpp"
#include "background.hpp"
#include "report.hpp"
#include "subscription_writer.hpp"
#include "log/log.hpp"
#include "state/redis_store.hpp"
#include "subs/repository.hpp"
#include "subs/service.hpp"

using namespace cowin;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {

constexpr int districts = 750;
constexpr int pincodes = 20000;
constexpr int subscriptions = 1'000'000;
constexpr api::civil_date today{2026, 11, 27};

std::int64_t pincode_of(int j) { return 110001 + j; }

double rss_mb(const char* field = "VmRSS:") {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::string(field).size())) / 1024.0;
    }
    return 0;
}

config::subscription make_sub(std::mt19937& rng, int i) {
    config::subscription s;
    s.id = "sub_" + std::to_string(10000000 + i);
    if (rng() % 10 < 6) {
        s.district_id = 1 + static_cast<int>(rng() % districts);
    } else {
        s.pincode = std::to_string(pincode_of(static_cast<int>(rng() % pincodes)));
    }
    if (rng() % 4 != 0) s.age = 18 + static_cast<int>(rng() % 60);
    if (rng() % 3 != 0) s.dose = 1 + static_cast<int>(rng() % 2);
    static const char* vaccines[] = {"COVISHIELD", "COVAXIN", "SPUTNIK V"};
    if (rng() % 5 < 2) s.vaccines = {vaccines[rng() % 3]};
    if (rng() % 4 == 0) s.fee_type = rng() % 2 ? config::fee_filter::free : config::fee_filter::paid;
    s.min_capacity = rng() % 10 < 7 ? 1 : 1 + static_cast<int>(rng() % 10);
    if (rng() % 5 == 0) s.days = 1 + static_cast<int>(rng() % 7);
    const auto channel = rng() % 10;
    if (channel < 5) {
        s.notify.webhook = config::webhook_target{"https://bot.example.org/hooks/" + std::to_string(i % 1000),
                                                  "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
    } else if (channel < 8) {
        s.notify.telegram = config::telegram_target{100000000 + i};
    } else {
        s.notify.log = true;
    }
    return s;
}

api::session_state random_session(std::mt19937& rng, std::uint64_t key, int district) {
    api::session_state s;
    s.key = key;
    s.center_id = static_cast<std::int64_t>(key / 4);
    const int pin_index = (static_cast<int>(rng() % (pincodes / districts))) * districts + (district - 1);
    s.pincode = static_cast<std::int32_t>(pincode_of(pin_index));
    s.date = api::from_days_since_epoch(api::days_since_epoch(today) + static_cast<std::int32_t>(rng() % 7));
    s.min_age = rng() % 3 == 0 ? 45 : 18;
    if (rng() % 3 == 0) s.max_age = 44;
    s.vaccine_id = static_cast<api::vaccine>(1 + rng() % 3);
    s.fee = rng() % 4 == 0 ? api::fee_kind::paid : api::fee_kind::free;
    const int c = rng() % 2 ? 0 : static_cast<int>(rng() % 30);
    s.cap = {c, c / 2, c - c / 2};
    return s;
}

struct poll_pair {
    int district = 0;
    api::snapshot before, after;
    std::vector<api::transition> transitions;
};

}  // namespace

int main() {
    bench::report report;
    const int redis_port = 20000 + static_cast<int>(::getpid() % 20000);
    const long redis_pid = bench::start_redis(redis_port);
    std::this_thread::sleep_for(500ms);

    // 1. Write 1M records the way the repository does, streamed through redis-cli --pipe so that this
    //    process holds none of them before it loads.
    {
        std::mt19937 rng(2026);
        bench::write_subscriptions(redis_port, subscriptions, [&rng](int i) { return make_sub(rng, i); });
    }

    // 2. Load them as the daemon does at start.
    const double rss_before = rss_mb();
    net::io_context ioc(1);
    log::logger quiet([](log::level, std::string_view) {}, log::level::error);
    config::redis_settings rs;
    rs.port = redis_port;
    state::redis_store store(ioc.get_executor(), rs, quiet, 30s);
    subs::redis_repository repo(store);
    subs::service service(repo, store, quiet, 1);
    double load_seconds = 0, transfer_seconds = 0;
    net::co_spawn(ioc, [&]() -> net::awaitable<void> {
        if (!co_await store.ensure_ready()) std::abort();
        // The limit: the same pipelined HGETALLs with the replies dropped.
        const auto r0 = std::chrono::steady_clock::now();
        for (int first = 0; first < subs::redis_repository::buckets; first += 16) {
            std::vector<std::vector<std::string>> cmds;
            for (int b = first; b < first + 16; ++b) cmds.push_back({"HGETALL", rs.key_prefix + "subx:" + std::to_string(b)});
            co_await store.run_pipeline(std::move(cmds), "HGETALL");
        }
        transfer_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
        const auto t0 = std::chrono::steady_clock::now();
        co_await service.load({});
        load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ioc.stop();
    }, net::detached);
    ioc.run();
    const double rss_after = rss_mb();
    const double rss_peak = rss_mb("VmHWM:");
    const subs::index& idx = service.index();
    std::printf("loaded %zu subscriptions in %.2f s; index holds %.1f MB; RSS %.1f MB before, %.1f MB after (peak %.1f MB)\n",
                idx.size(), load_seconds, static_cast<double>(idx.memory_bytes()) / 1e6, rss_before, rss_after, rss_peak);
    report.add({"load_1M_subscriptions_from_redis", load_seconds, "s", "HGETALL transfer alone", transfer_seconds, "target", 3});
    report.add({"rss_with_1M_subscriptions", rss_after, "MB", "peak during load", rss_peak, "target", 250});

    // 3. One full poll cycle of churn.
    std::mt19937 rng(7);
    std::vector<poll_pair> polls(districts);
    std::size_t transitions = 0;
    api::diff_scratch scratch;
    for (int d = 1; d <= districts; ++d) {
        poll_pair& p = polls[d - 1];
        p.district = d;
        for (int s = 0; s < 400; ++s) p.before.sessions.push_back(random_session(rng, static_cast<std::uint64_t>(d) * 100000 + s, d));
        for (const auto& s : p.before.sessions) {
            const auto r = rng() % 100;
            if (r < 2) continue;  // booked out and gone
            api::session_state n = s;
            if (r < 25) {
                const int c = rng() % 2 ? 0 : static_cast<int>(rng() % 30);
                n.cap = {c, c / 2, c - c / 2};
            }
            p.after.sessions.push_back(n);
        }
        for (int s = 0; s < 8; ++s) p.after.sessions.push_back(random_session(rng, static_cast<std::uint64_t>(d) * 100000 + 500 + s, d));
        api::diff(p.before, p.after, p.transitions, scratch);
        transitions += p.transitions.size();
    }
    auto covered = [](std::int64_t) { return true; };  // every pincode lies in a polled district
    auto make_result = [&](const poll_pair& p) {
        subs::poll_result r;
        r.type = subs::poll_result::kind::district;
        r.id = p.district;
        r.before = &p.before;
        r.after = &p.after;
        r.transitions = p.transitions;
        r.today = today;
        r.covered = covered;
        return r;
    };
    std::vector<subs::match> out;
    out.reserve(1 << 20);
    std::size_t matches = 0;
    const int repeats = 5;
    const auto t0 = std::chrono::steady_clock::now();
    for (int rep = 0; rep < repeats; ++rep) {
        matches = 0;
        for (const auto& p : polls) {
            out.clear();
            idx.match_poll(make_result(p), out);
            matches += out.size();
        }
    }
    const double ours_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / repeats /
                           static_cast<double>(transitions + matches);
    std::printf("poll cycle: %d polls, %zu transitions, %zu matches\n", districts, transitions, matches);

    // The peer: every subscription checked against every transition (sampled polls).
    std::vector<std::pair<std::uint64_t, subs::filter>> flat;
    flat.reserve(subscriptions);
    {
        std::mt19937 again(2026);
        for (int i = 0; i < subscriptions; ++i) {
            auto s = make_sub(again, i);
            const std::uint64_t target = s.district_id ? static_cast<std::uint64_t>(*s.district_id)
                                                       : (1ull << 40) | static_cast<std::uint64_t>(std::stoll(*s.pincode));
            flat.emplace_back(target, subs::make_filter(s, static_cast<std::uint32_t>(i)));
        }
    }
    std::size_t peer_events = 0, peer_matches = 0;
    const auto p0 = std::chrono::steady_clock::now();
    for (int k = 0; k < 5; ++k) {
        const poll_pair& p = polls[static_cast<std::size_t>(k) * 150];
        for (const auto& t : p.transitions) {
            ++peer_events;
            if (t.after == api::transition::none) continue;
            const auto& now = p.after.sessions[t.after];
            const auto* was = t.before == api::transition::none ? nullptr : &p.before.sessions[t.before];
            const std::uint64_t pin_key = (1ull << 40) | static_cast<std::uint64_t>(now.pincode);
            for (const auto& [target, f] : flat) {
                if (target != static_cast<std::uint64_t>(p.district) && target != pin_key) continue;
                if (subs::open(f, now, today, {}) && !(was && subs::open(f, *was, today, {}))) ++peer_matches;
            }
        }
    }
    const double peer_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - p0).count() /
                           static_cast<double>(peer_events + peer_matches);
    report.add({"match_ns_per_transition_plus_match", ours_ns, "ns", "linear scan of 1M", peer_ns, "target", 1000});
    report.print();
    bench::stop(redis_pid);
    return 0;
}
