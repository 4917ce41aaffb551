#include "state/redis_store.hpp"

#include <charconv>
#include <stdexcept>

#include "state/snapshot_codec.hpp"

namespace cowin::state {

namespace net = boost::asio;
using namespace std::chrono_literals;

const char* redis_store::commit_script() {
    return "local cur = redis.call('HGET', KEYS[1], 'fp')\n"
           "if (cur or '0') ~= ARGV[1] then return 0 end\n"
           "redis.call('HSET', KEYS[1], 'fp', ARGV[2], 'data', ARGV[3])\n"
           "for i = 4, #ARGV do redis.call('XADD', KEYS[2], '*', 'a', ARGV[i]) end\n"
           "return 1\n";
}

std::vector<std::string> redis_store::load_command(const std::string& prefix, const std::string& target) {
    return {"HGET", prefix + "snap:" + target, "data"};
}

std::vector<std::string> redis_store::commit_command(const std::string& prefix, const std::string& target,
                                                     std::uint64_t expected, const stored_snapshot& next,
                                                     std::vector<std::string> alerts) {
    std::vector<std::string> cmd{"EVAL", commit_script(), "2", prefix + "snap:" + target, prefix + "outbox",
                                 std::to_string(expected), std::to_string(next.snap.fingerprint), encode(next)};
    for (auto& a : alerts) cmd.push_back(std::move(a));
    return cmd;
}

redis_store::redis_store(net::any_io_executor ex, const config::redis_settings& s, const log::logger& log,
                         std::chrono::milliseconds timeout)
    : settings_(s), log_(log), timeout_(timeout), conn_(std::move(ex)) {}

net::awaitable<bool> redis_store::ensure_ready() {
    if (conn_.connected()) co_return true;
    if (was_connected_) {
        log_.warning("Lost the connection to Redis at ", settings_.host, ":", settings_.port, "; reconnecting");
        was_connected_ = false;
        reported_down_ = true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < next_attempt_) co_return false;
    const std::string err = co_await conn_.connect(settings_.host, settings_.port, settings_.password.value,
                                                   settings_.db, timeout_);
    if (err.empty()) {
        log_.notice("Connected to Redis at ", settings_.host, ":", settings_.port, reported_down_ ? " again" : "");
        reported_down_ = false;
        was_connected_ = true;
        backoff_ = 250ms;
        co_return true;
    }
    if (!reported_down_) log_.error("Failed to connect to Redis: ", err, "; retrying with backoff");
    reported_down_ = true;
    next_attempt_ = now + backoff_;
    backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, 10s);
    co_return false;
}

redis_result redis_store::check(redis_result r, const char* what) {
    if (!r.ok()) {
        if (!reported_down_) log_.error("Redis ", what, " failed: ", r.failure);
        reported_down_ = true;
        if (r.failure.find("outcome unknown") != std::string::npos) conn_.disconnect();
        throw std::runtime_error(std::string("Redis ") + what + ": " + r.failure);
    }
    if (r.reply.kind == redis_reply::type::error) throw std::runtime_error(std::string("Redis ") + what + ": " + r.reply.str);
    return r;
}

net::awaitable<std::optional<stored_snapshot>> redis_store::load(std::string target) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto r = check(co_await conn_.command(load_command(settings_.key_prefix, target), timeout_), "HGET");
    if (r.reply.kind != redis_reply::type::string) co_return std::nullopt;
    auto s = decode(r.reply.str);
    if (!s) log_.warning("The stored snapshot of ", target, " does not decode; treating it as none");
    co_return s;
}

net::awaitable<bool> redis_store::commit_with_alerts(std::string target, std::uint64_t expected, stored_snapshot next,
                                                   std::vector<std::string> alerts) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto r = check(co_await conn_.command(commit_command(settings_.key_prefix, target, expected, next, std::move(alerts)),
                                          timeout_),
                   "commit");
    co_return r.reply.kind == redis_reply::type::integer && r.reply.integer == 1;
}

// "t1,t2,..." under <prefix>budget:calls; shared by every process polling from this host's IP.
net::awaitable<std::vector<std::int64_t>> redis_store::load_call_times() {
    std::vector<std::int64_t> out;
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    // Named first: GCC 12 miscompiles braced lists of string literals inside co_await expressions.
    std::vector<std::string> args{"GET", settings_.key_prefix + "budget:calls"};
    auto r = check(co_await conn_.command(std::move(args), timeout_), "GET");
    if (r.reply.kind != redis_reply::type::string) co_return out;
    std::string_view s = r.reply.str;
    while (!s.empty()) {
        auto comma = s.find(',');
        std::int64_t v = 0;
        auto part = s.substr(0, comma);
        if (std::from_chars(part.data(), part.data() + part.size(), v).ec == std::errc{}) out.push_back(v);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    }
    co_return out;
}

net::awaitable<void> redis_store::save_call_times(std::vector<std::int64_t> times) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    std::string value;
    for (auto t : times) value += (value.empty() ? "" : ",") + std::to_string(t);
    std::vector<std::string> args{"SET", settings_.key_prefix + "budget:calls", value, "PX", "86400000"};
    check(co_await conn_.command(std::move(args), timeout_), "SET");
}

net::awaitable<std::string> redis_store::load_value(std::string name) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    std::vector<std::string> args{"GET", settings_.key_prefix + "value:" + name};
    auto r = check(co_await conn_.command(std::move(args), timeout_), "GET");
    co_return r.reply.kind == redis_reply::type::string ? r.reply.str : std::string{};
}

net::awaitable<void> redis_store::save_value(std::string name, std::string value) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    std::vector<std::string> args{"SET", settings_.key_prefix + "value:" + name, std::move(value)};
    check(co_await conn_.command(std::move(args), timeout_), "SET");
}

net::awaitable<redis_reply> redis_store::run(std::vector<std::string> command, const char* what) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto r = check(co_await conn_.command(std::move(command), timeout_), what);
    co_return std::move(r.reply);
}

net::awaitable<std::vector<redis_reply>> redis_store::run_pipeline(std::vector<std::vector<std::string>> commands,
                                                                   const char* what) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto results = co_await conn_.pipeline(std::move(commands), timeout_ * 4);
    std::vector<redis_reply> out;
    out.reserve(results.size());
    for (auto& r : results) out.push_back(std::move(check(std::move(r), what).reply));
    co_return out;
}

}  // namespace cowin::state
