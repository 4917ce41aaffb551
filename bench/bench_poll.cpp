// The poller's two figures:
// 1. Freshness on a simulated day: with T targets and B calls per period, the worst gap between two
//    polls of any target, as a ratio to the ideal T x period / B (target <= 1.1), and the number of
//    windows over the limit (target 0).
// 2. CPU per poll of a large calendar end to end over loopback (HTTP + gunzip + fingerprint + parse +
//    snapshot + diff + Redis load and conditional write), beside the HTTP fetch alone (the limit).
//    CPU of this process only: redis-server's own work is not counted.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include "cowin/differ.hpp"
#include "cowin/parser.hpp"
#include "cowin/request.hpp"
#include "http/client.hpp"
#include "poll/budget.hpp"
#include "poll/scheduler.hpp"
#include "background.hpp"
#include "report.hpp"
#include "log/log.hpp"
#include "state/redis_store.hpp"

using namespace cowin;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {

struct day_result {
    double worst_ratio = 0;
    int violations = 0;
    long calls = 0;
};

day_result simulate_day(int targets, int calls, std::chrono::milliseconds period) {
    poll::scheduler s({1s, false, 1});
    std::vector<std::pair<poll::target_key, int>> ts;
    for (int i = 1; i <= targets; ++i) ts.push_back({{poll::target_key::kind::district, i, 0}, 1});
    s.set_targets(ts);
    poll::budget b(calls, period);
    const auto t0 = poll::clock::time_point(std::chrono::hours(24 * 20000));
    std::map<poll::target_key, poll::clock::time_point> last;
    std::vector<poll::clock::time_point> made;
    std::chrono::milliseconds worst{0};
    for (auto now = t0; now < t0 + 24h;) {
        now = std::max(b.next_allowed(), s.next_due(now));
        auto k = s.next(now);
        if (!k) break;
        b.spend(now);
        made.push_back(now);
        s.attempted(*k, now);
        s.succeeded(*k, now);
        if (last.count(*k)) worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(now - last[*k]));
        last[*k] = now;
    }
    day_result r;
    r.calls = static_cast<long>(made.size());
    const double ideal = static_cast<double>(targets) * static_cast<double>(period.count()) / calls;
    r.worst_ratio = static_cast<double>(worst.count()) / ideal;
    // Against the nominal limit, without the margin: any window of `period` holding more than `calls`.
    for (std::size_t i = 0; i + static_cast<std::size_t>(calls) < made.size(); ++i) {
        if (made[i + static_cast<std::size_t>(calls)] - made[i] < period) ++r.violations;
    }
    return r;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main() {
    bench::report report;
    for (int targets : {40, 100, 300}) {
        auto d = simulate_day(targets, 100, 5min);
        report.add({"freshness_worst_over_ideal_T" + std::to_string(targets), d.worst_ratio, "ratio", "", 0, "target", 1.1});
        report.add({"budget_violations_T" + std::to_string(targets) + "_day", static_cast<double>(d.violations), "windows", "",
                    0, "target", 0});
    }

    // A sandbox with one big district, churning so that every poll sees changes.
    const std::string sandbox = std::string(COWIN_BIN_DIR) + "/cowin-sandbox";
    const int port = 18700 + static_cast<int>(::getpid() % 1000);
    const long pid = bench::start_background(sandbox + " --listen 127.0.0.1:" + std::to_string(port) +
                                             " --districts 363 --centres-per-district 400 --rate-limit 100000/5m --churn 3000");
    std::this_thread::sleep_for(1s);

    // And a real redis-server, as production stores snapshots there.
    const int redis_port = port + 1000;
    const long redis_pid = bench::start_redis(redis_port);
    std::this_thread::sleep_for(500ms);

    net::io_context ioc(1);
    http::client client(ioc.get_executor(), {});
    log::logger quiet([](log::level, std::string_view) {}, log::level::error);
    config::redis_settings rs;
    rs.port = redis_port;
    state::redis_store store(ioc.get_executor(), rs, quiet);
    api::response_parser parser;
    api::diff_scratch scratch;
    std::vector<api::transition> changes;
    const poll::target_key k{poll::target_key::kind::district, 363, 0};
    const std::string url = api::calendar_url("http://127.0.0.1:" + std::to_string(port) + "/api", k, api::india_date(std::chrono::system_clock::now()));
    config::cowin_settings cs;
    const auto headers = api::request_headers(cs);
    std::size_t bytes = 0, wire = 0, sessions = 0;
    const int rounds = 200;
    double full = 0, fetch_only = 0;
    net::co_spawn(ioc, [&]() -> net::awaitable<void> {
        if (!co_await store.ensure_ready()) std::abort();
        for (int i = 0; i < 5; ++i) co_await client.get(url, headers);  // warm up
        double start = cpu_seconds();
        for (int i = 0; i < rounds; ++i) {
            auto r = co_await client.get(url, headers);
            bytes = r.body.size();
            wire = r.wire_bytes;
            auto prev = co_await store.load("d");
            const auto fp = api::fingerprint(r.body);
            if (parser.parse_padded(api::endpoint::calendar, r.body)) std::abort();
            state::stored_snapshot next;
            api::make_snapshot(parser.view(), fp, next.snap);
            changes.clear();
            static const api::snapshot empty;
            api::diff(prev ? prev->snap : empty, next.snap, changes, scratch);
            sessions = next.snap.sessions.size();
            co_await store.commit("d", prev ? prev->snap.fingerprint : 0, std::move(next));
        }
        full = (cpu_seconds() - start) / rounds;
        start = cpu_seconds();
        for (int i = 0; i < rounds; ++i) co_await client.get(url, headers);
        fetch_only = (cpu_seconds() - start) / rounds;
        ioc.stop();
    }, net::detached);
    ioc.run();
    bench::stop(pid);
    bench::stop(redis_pid);
    std::printf("calendar: %zu bytes (%zu on the wire, gzip), %zu sessions\n", bytes, wire, sessions);
    report.add({"cpu_per_poll_end_to_end", full * 1e6, "us", "", 0, "http fetch + gunzip alone", fetch_only * 1e6});
    report.print();
    return 0;
}
