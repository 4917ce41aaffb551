// The soak (issue 9, scenario 6; not part of scripts/bench or the tests: scripts/soak runs it). The
// release daemon runs for N minutes (30 by default) against cowin-sandbox in churn mode with 100,000
// subscriptions across webhook and Telegram, under CoWIN's real budget (100 calls per 5 minutes).
// Each minute it prints the daemon's RSS, descriptors, CPU and alert counters; at the end it waits for
// the outbox to drain and checks that every alert the daemon committed reached its receiver or was
// dead-lettered with a reason (lost = committed - delivered - dead - waiting), and that the receivers
// got exactly the alerts the daemon counts as delivered.
#include <dirent.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "background.hpp"
#include "http_call.hpp"
#include "subscription_writer.hpp"
#include "support/prometheus.hpp"

using namespace cowin;
using namespace std::chrono_literals;

namespace {

constexpr int districts = 50;
constexpr const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

int open_fds(long pid) {
    int n = 0;
    if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
        while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
        ::closedir(d);
    }
    return n;
}

// A metric summed over its label sets (or those with channel="<channel>"), from the Prometheus text
// read by the tests' checker; 0 when the text is empty (the daemon gone).
double metric(const std::string& text, const std::string& name, const std::string& channel = "") {
    const auto parsed = test::parse_prometheus(text);
    const std::string family = "cowin_notifier_" + name;
    double sum = 0;
    for (const auto& [key, value] : parsed.samples) {
        if (key.substr(0, key.find('{')) != family) continue;
        if (!channel.empty() && key.find("channel=\"" + channel + "\"") == std::string::npos) continue;
        sum += value;
    }
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    const int minutes = argc > 1 ? std::atoi(argv[1]) : 30;
    const int subscriptions = argc > 2 ? std::atoi(argv[2]) : 100000;
    const int base = 23000 + static_cast<int>(::getpid() % 8000);
    const int sandbox_port = base, redis_port = base + 1, admin_port = base + 2;
    const std::string dir = "/tmp/cowin-soak-" + std::to_string(::getpid());
    std::system(("mkdir -p " + dir).c_str());
    std::string district_list;
    for (int d = 0; d < districts; ++d) district_list += (d ? "," : "") + std::to_string(300 + d);
    // Half an opening per district per minute: about 25 a minute, drained by simulated bookings.
    const long sandbox_pid = bench::start_background(std::string(COWIN_BIN_DIR) + "/cowin-sandbox --listen 127.0.0.1:" +
                                                     std::to_string(sandbox_port) + " --districts " + district_list +
                                                     " --churn 0.5 --rate-limit 100/5m");
    const long redis_pid = bench::start_redis(redis_port);
    std::this_thread::sleep_for(1s);
    const std::string sandbox = "http://127.0.0.1:" + std::to_string(sandbox_port);
    bench::http_call("PUT", sandbox + "/sandbox/v1/hooks/soak", std::string(R"({"secret":")") + secret + "\"}");

    // 2,000 per district; each wants one vaccine of four, one age and one dose or either: an opening
    // alerts a few dozen to a few hundred. One in fifty is on Telegram (25 messages a second at most).
    static const char* vaccines[] = {"COVISHIELD", "COVAXIN", "SPUTNIK V", "ZYCOV-D"};
    int telegram = 0;
    bench::write_subscriptions(redis_port, subscriptions, [&](int i) {
        config::subscription s;
        s.id = "soak_" + std::to_string(i);
        s.district_id = 300 + i % districts;
        s.vaccines = {vaccines[(i / districts) % 4]};
        s.age = (i / (4 * districts)) % 2 ? 45 : 30;
        if ((i / (8 * districts)) % 3) s.dose = (i / (8 * districts)) % 3;
        if (i % 53 == 7) {  // 53: prime to the other strides, so they spread over districts and filters
            s.notify.telegram = config::telegram_target{2000000 + i};
            ++telegram;
        } else {
            s.notify.webhook = config::webhook_target{sandbox + "/hooks/soak", secret};
        }
        return s;
    });
    {
        std::ofstream c(dir + "/c.yaml");
        c << "cowin:\n  base_url: " << sandbox << "/api\n  user_agent: \"Mozilla/5.0 cowin-notifier-soak\"\n"
          << "state:\n  backend: redis\n  redis: { host: 127.0.0.1, port: " << redis_port << " }\n"
          << "admin:\n  listen: 127.0.0.1:" << admin_port << "\n  token: t\n"
          << "delivery:\n  telegram: { api_url: " << sandbox << "/telegram, bot_token: \"123:abc\", messages_per_second: 25 }\n"
          << "log:\n  level: notice\n";
    }
    // exec: the pid is the daemon's; its log goes to a file, not to start_background's /dev/null.
    const long daemon_pid = bench::start_background("sh -c 'exec " + std::string(COWIN_BIN_DIR) + "/cowin-notifier --config " +
                                                    dir + "/c.yaml >" + dir + "/daemon.log 2>&1'");
    std::printf("soak: %d minutes, %d subscriptions (%d by Telegram) over %d districts, churn 25 openings/min, "
                "budget 100 calls / 5 min; daemon pid %ld, log %s/daemon.log\n",
                minutes, subscriptions, telegram, districts, daemon_pid, dir.c_str());
    std::printf("%6s %8s %5s %7s %7s %9s %10s %6s %7s\n", "minute", "RSS MB", "fds", "CPU %", "polls", "alerts", "delivered",
                "dead", "outbox");
    const std::string metrics_url = "http://127.0.0.1:" + std::to_string(admin_port) + "/metrics";
    double first_rss = 0, max_rss = 0, last_rss = 0, cpu_before = bench::cpu_seconds(daemon_pid);
    int first_fds = 0, max_fds = 0, last_fds = 0;
    for (int m = 0; m <= minutes; ++m) {
        if (m > 0) std::this_thread::sleep_for(60s);
        const std::string text = bench::http_call("GET", metrics_url);
        const double cpu = bench::cpu_seconds(daemon_pid);
        last_rss = bench::rss_mb(daemon_pid);
        last_fds = open_fds(daemon_pid);
        if (m == 1) first_rss = last_rss, first_fds = last_fds;  // after loading and the first polls
        if (m >= 1) max_rss = std::max(max_rss, last_rss), max_fds = std::max(max_fds, last_fds);
        std::printf("%6d %8.1f %5d %7.1f %7.0f %9.0f %10.0f %6.0f %7.0f\n", m, last_rss, last_fds,
                    m ? 100.0 * (cpu - cpu_before) / 60.0 : 0.0, metric(text, "polls_total"), metric(text, "alerts_enqueued_total"),
                    metric(text, "alerts_delivered_total"), metric(text, "alerts_dead_lettered_total"), metric(text, "outbox_depth"));
        std::fflush(stdout);
        cpu_before = cpu;
    }
    // The world holds still; a full poll cycle (50 targets at 100 calls / 5 min: 150 s) sees what
    // opened last, and the outbox drains. Then the daemon's counts and the receivers' must agree.
    bench::http_call("POST", sandbox + "/sandbox/v1/churn", R"({"paused":true})");
    std::string text;
    double last_enqueued = -1;
    auto quiet_since = std::chrono::steady_clock::now();
    for (int i = 0; i < 600; ++i) {
        text = bench::http_call("GET", metrics_url);
        const double e = metric(text, "alerts_enqueued_total");
        if (e != last_enqueued) quiet_since = std::chrono::steady_clock::now();
        last_enqueued = e;
        if (metric(text, "outbox_depth") == 0 && std::chrono::steady_clock::now() - quiet_since > 170s) break;
        std::this_thread::sleep_for(1s);
    }
    const double enqueued = metric(text, "alerts_enqueued_total");
    const double delivered_webhook = metric(text, "alerts_delivered_total", "webhook");
    const double delivered_telegram = metric(text, "alerts_delivered_total", "telegram");
    const double dead = metric(text, "alerts_dead_lettered_total");
    const double waiting = metric(text, "outbox_depth");
    const double lost = enqueued - delivered_webhook - delivered_telegram - dead - waiting;

    simdjson::dom::parser p;
    const std::string hooks = bench::http_call("GET", sandbox + "/sandbox/v1/hooks/soak");
    std::set<std::string> ids;
    std::size_t requests = 0, unverified = 0;
    simdjson::dom::array deliveries;
    if (!p.parse(hooks)["deliveries"].get_array().get(deliveries)) {
        for (simdjson::dom::element d : deliveries) {
            ++requests;
            std::string_view id;
            bool ok = false;
            if (!d["webhook_id"].get_string().get(id)) ids.insert(std::string(id));
            if (d["verified"].get_bool().get(ok) || !ok) ++unverified;
        }
    }
    const std::string tg = bench::http_call("GET", sandbox + "/sandbox/v1/telegram/messages");
    simdjson::dom::parser tp;
    simdjson::dom::element t;
    std::size_t telegram_messages = 0;
    std::int64_t rejected = -1;
    if (!tp.parse(tg).get(t)) {
        simdjson::dom::array m;
        if (!t["messages"].get_array().get(m)) telegram_messages = m.size();
        if (t["rejected_429"].get_int64().get(rejected)) rejected = -1;
    }
    const double cpu_total = bench::cpu_seconds(daemon_pid);
    bench::stop(daemon_pid);
    std::this_thread::sleep_for(2s);
    bench::stop(sandbox_pid);
    bench::stop(redis_pid);
    std::printf("\nRSS after the first minute %.1f MB, at the end %.1f MB, highest %.1f MB; descriptors %d, %d, highest %d; "
                "daemon CPU %.0f s in all\n",
                first_rss, last_rss, max_rss, first_fds, last_fds, max_fds, cpu_total);
    std::printf("alerts committed %.0f = delivered %.0f by webhook + %.0f by Telegram + dead-lettered %.0f + waiting %.0f; lost %.0f\n",
                enqueued, delivered_webhook, delivered_telegram, dead, waiting, lost);
    std::printf("receivers: %zu webhook requests, %zu distinct webhook-ids (daemon: %.0f delivered), %zu unverified; "
                "Telegram %zu messages (daemon: %.0f), %lld over its limits\n",
                requests, ids.size(), delivered_webhook, unverified, telegram_messages, delivered_telegram,
                static_cast<long long>(rejected));
    const bool ok = lost == 0 && static_cast<double>(ids.size()) == delivered_webhook &&
                    static_cast<double>(telegram_messages) == delivered_telegram && unverified == 0;
    std::printf("%s\n", ok ? "soak: OK" : ("soak: MISMATCH (see above; the daemon's log is kept in " + dir + ")").c_str());
    if (ok) std::system(("rm -rf " + dir).c_str());
    return ok ? 0 : 1;
}
