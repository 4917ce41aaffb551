// The release daemon as a whole (DESIGN.md §8): its RSS when idle (beside a Python interpreter with
// the modules a 2021 script imports, idle), and Telegram throughput through the sandbox's fake, which
// enforces Telegram's limits (30 messages/s per bot, 1/s per chat): 300 chats alerted to one opening,
// messages per second from the fake's own arrival times, and how many it refused (target: >= 28/s,
// none refused).
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "background.hpp"
#include "http_call.hpp"
#include "report.hpp"

using namespace cowin;
using namespace std::chrono_literals;

namespace {

constexpr int chats = 300;

}  // namespace

int main() {
    const int sandbox_port = 25000 + static_cast<int>(::getpid() % 8000);
    const std::string sandbox = "http://127.0.0.1:" + std::to_string(sandbox_port);
    const long sandbox_pid = bench::start_background(std::string(COWIN_BIN_DIR) + "/cowin-sandbox --listen 127.0.0.1:" +
                                                     std::to_string(sandbox_port) + " --districts 363 --rate-limit 600/1m");
    const std::string dir = "/tmp/cowin-bench-daemon-" + std::to_string(::getpid());
    std::system(("mkdir -p " + dir).c_str());
    const std::string head = "cowin:\n  base_url: " + sandbox + "/api\n  rate_limit: { calls: 600, period: 1m }\n" +
                             "poll:\n  min_interval: 1s\nstate:\n  backend: memory\nadmin:\n  listen: 127.0.0.1:0\n  token: t\n" +
                             "log:\n  level: warning\n";
    std::this_thread::sleep_for(1s);

    // Idle: configured, listening, nothing to poll.
    std::ofstream(dir + "/idle.yaml") << head;
    const long idle_pid = bench::start_background(std::string(COWIN_BIN_DIR) + "/cowin-notifier --config " + dir + "/idle.yaml");
    const long python_pid = bench::start_background("python3 -c 'import json, urllib.request, datetime, time; time.sleep(8)'");
    std::this_thread::sleep_for(4s);
    const double idle_rss = bench::rss_mb(idle_pid), python_rss = bench::rss_mb(python_pid);
    bench::stop(idle_pid);
    bench::stop(python_pid);

    // Telegram: one opening, 300 chats.
    {
        std::ofstream c(dir + "/tg.yaml");
        c << head << "delivery:\n  telegram: { api_url: " << sandbox << "/telegram, bot_token: \"123:abc\", messages_per_second: 30 }\n"
          << "subscriptions:\n";
        for (int i = 0; i < chats; ++i) {
            c << "  - id: tg" << i << "\n    district_id: 363\n    vaccines: [SPUTNIK V]\n    notify:\n      telegram: { chat_id: "
              << 5000 + i << " }\n";
        }
    }
    const long tg_pid = bench::start_background(std::string(COWIN_BIN_DIR) + "/cowin-notifier --config " + dir + "/tg.yaml");
    std::this_thread::sleep_for(3s);
    bench::http_call("POST", sandbox + "/sandbox/v1/sessions/open", R"({"district_id":363,"vaccine":"SPUTNIK V","capacity":20})");
    simdjson::dom::parser p;
    std::size_t sent = 0;
    double first = 0, last = 0;
    std::int64_t refused = 0;
    for (int i = 0; i < 120 && sent < chats; ++i) {
        std::this_thread::sleep_for(500ms);
        const std::string body = bench::http_call("GET", sandbox + "/sandbox/v1/telegram/messages");
        simdjson::dom::element doc;
        simdjson::dom::array messages;
        if (p.parse(body).get(doc) || doc["messages"].get_array().get(messages)) continue;
        sent = messages.size();
        if (doc["rejected_429"].get_int64().get(refused)) refused = -1;
        if (sent > 0) {
            first = messages.at(0)["at"].get_double().value_unsafe();
            last = messages.at(sent - 1)["at"].get_double().value_unsafe();
        }
    }
    bench::stop(tg_pid);
    bench::stop(sandbox_pid);
    std::system(("rm -rf " + dir).c_str());
    const double rate = sent > 1 && last > first ? static_cast<double>(sent - 1) / (last - first) : 0;
    std::printf("%zu of %d Telegram messages sent in %.1f s\n", sent, chats, last - first);

    bench::report report;
    report.add({"rss_idle", idle_rss, "MB", "python3 with json + urllib, idle", python_rss, "target", 40});
    report.add({"telegram_messages_per_s", rate, "1/s", "the fake's limit", 30, "target", 28});
    report.add({"telegram_rejected_429", static_cast<double>(refused), "msgs", "", 0, "target", 0});
    report.print();
    if (sent < static_cast<std::size_t>(chats)) {
        std::fprintf(stderr, "bench_daemon: %zu of %d Telegram messages sent: the rate above is not valid\n", sent, chats);
        return 1;
    }
    return 0;
}
