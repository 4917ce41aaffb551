#include <stdexcept>

#include "delivery/outbox.hpp"
#include "state/redis_store.hpp"

namespace cowin::delivery {

namespace net = boost::asio;
using state::redis_reply;

namespace {
constexpr const char* group = "delivery";

// [[id, [field, value, ...]], ...] -> the "a" field of each.
std::vector<taken> entries_of(const redis_reply& list) {
    std::vector<taken> out;
    for (const auto& e : list.elements) {
        if (e.elements.size() < 2) continue;
        const auto& fields = e.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].str == "a") out.push_back({e.elements[0].str, fields[i + 1].str});
        }
    }
    return out;
}

const char* promote_script =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 256)\n"
    "for _, m in ipairs(due) do\n"
    "  redis.call('XADD', KEYS[2], '*', 'a', m)\n"
    "  redis.call('ZREM', KEYS[1], m)\n"
    "end\n"
    "return #due\n";
}  // namespace

std::string redis_outbox::key(const char* name) const { return store_.prefix() + name; }

net::awaitable<void> redis_outbox::prepare() {
    // From the stream's start ("0"): alerts committed before the first worker ran are delivered too.
    std::vector<std::string> cmd{"XGROUP", "CREATE", key("outbox"), group, "0", "MKSTREAM"};
    try {
        co_await store_.run(std::move(cmd), "XGROUP CREATE");
    } catch (const std::runtime_error& e) {
        if (std::string(e.what()).find("BUSYGROUP") == std::string::npos) throw;
    }
}

net::awaitable<void> redis_outbox::add(std::vector<std::string> blobs) {
    std::vector<std::vector<std::string>> cmds{{"MULTI"}};
    for (auto& b : blobs) cmds.push_back({"XADD", key("outbox"), "*", "a", std::move(b)});
    cmds.push_back({"EXEC"});
    co_await store_.run_pipeline(std::move(cmds), "XADD outbox");
}

net::awaitable<std::vector<taken>> redis_outbox::take(std::string consumer, int count) {
    std::vector<std::string> cmd{"XREADGROUP", "GROUP", group, std::move(consumer), "COUNT", std::to_string(count),
                                 "STREAMS", key("outbox"), ">"};
    auto r = co_await store_.run(std::move(cmd), "XREADGROUP");
    std::vector<taken> out;
    for (const auto& stream : r.elements) {
        if (stream.elements.size() == 2) {
            auto part = entries_of(stream.elements[1]);
            out.insert(out.end(), part.begin(), part.end());
        }
    }
    co_return out;
}

net::awaitable<std::vector<taken>> redis_outbox::reclaim(std::string consumer, std::chrono::milliseconds min_idle,
                                                         int count) {
    std::vector<std::string> cmd{"XAUTOCLAIM", key("outbox"), group, std::move(consumer),
                                 std::to_string(min_idle.count()), "0-0", "COUNT", std::to_string(count)};
    auto r = co_await store_.run(std::move(cmd), "XAUTOCLAIM");
    if (r.elements.size() < 2) co_return std::vector<taken>{};
    co_return entries_of(r.elements[1]);
}

net::awaitable<void> redis_outbox::done(std::string entry_id) {
    std::vector<std::vector<std::string>> cmds{
        {"MULTI"}, {"XACK", key("outbox"), group, entry_id}, {"XDEL", key("outbox"), entry_id}, {"EXEC"}};
    co_await store_.run_pipeline(std::move(cmds), "XACK");
}

net::awaitable<void> redis_outbox::later(std::string entry_id, std::string blob, std::int64_t due_ms) {
    std::vector<std::vector<std::string>> cmds{{"MULTI"},
                                               {"ZADD", key("retry"), std::to_string(due_ms), std::move(blob)},
                                               {"XACK", key("outbox"), group, entry_id},
                                               {"XDEL", key("outbox"), entry_id},
                                               {"EXEC"}};
    co_await store_.run_pipeline(std::move(cmds), "retry later");
}

net::awaitable<void> redis_outbox::dead(std::string entry_id, std::string blob, std::string reason) {
    std::vector<std::vector<std::string>> cmds{{"MULTI"},
                                               {"XADD", key("dead"), "MAXLEN", "~", "100000", "*", "a", std::move(blob),
                                                "reason", std::move(reason)},
                                               {"XACK", key("outbox"), group, entry_id},
                                               {"XDEL", key("outbox"), entry_id},
                                               {"EXEC"}};
    co_await store_.run_pipeline(std::move(cmds), "dead-letter");
}

net::awaitable<int> redis_outbox::promote(std::int64_t now_ms) {
    std::vector<std::string> cmd{"EVAL", promote_script, "2", key("retry"), key("outbox"), std::to_string(now_ms)};
    auto r = co_await store_.run(std::move(cmd), "promote retries");
    co_return static_cast<int>(r.integer);
}

net::awaitable<void> redis_outbox::audit(audit_record r) {
    std::vector<std::string> cmd{"XADD", key("audit"), "MAXLEN", "~", std::to_string(audit_max_), "*",
                                 "alert", std::move(r.alert_id), "sub", std::move(r.subscription_id),
                                 "channel", std::move(r.channel), "status", std::move(r.status),
                                 "detail", std::move(r.detail), "at", std::to_string(r.at_ms)};
    co_await store_.run(std::move(cmd), "XADD audit");
}

net::awaitable<std::pair<std::int64_t, std::int64_t>> redis_outbox::depth() {
    std::vector<std::vector<std::string>> cmds{{"XLEN", key("outbox")}, {"ZCARD", key("retry")}, {"XLEN", key("dead")}};
    auto r = co_await store_.run_pipeline(std::move(cmds), "outbox depth");
    co_return std::pair<std::int64_t, std::int64_t>{r[0].integer + r[1].integer, r[2].integer};
}

net::awaitable<std::vector<std::pair<std::string, std::string>>> redis_outbox::dead_letters(int count) {
    std::vector<std::string> cmd{"XRANGE", key("dead"), "-", "+", "COUNT", std::to_string(count)};
    auto r = co_await store_.run(std::move(cmd), "XRANGE dead");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : r.elements) {
        if (e.elements.size() < 2) continue;
        std::string blob, reason;
        const auto& f = e.elements[1].elements;
        for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
            if (f[i].str == "a") blob = f[i + 1].str;
            if (f[i].str == "reason") reason = f[i + 1].str;
        }
        out.emplace_back(std::move(blob), std::move(reason));
    }
    co_return out;
}

}  // namespace cowin::delivery
