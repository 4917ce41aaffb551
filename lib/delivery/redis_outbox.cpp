#include <algorithm>
#include <cstdlib>
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
// Commands are built outside the coroutines: GCC 12 mishandles braced lists of strings inside them
// (it freed one twice under ASan).
using command = std::vector<std::string>;
command cmd(std::initializer_list<std::string_view> parts) {
    command out;
    out.reserve(parts.size());
    for (auto p : parts) out.emplace_back(p);
    return out;
}
}  // namespace

std::string redis_outbox::key(const char* name) const { return store_.prefix() + name; }

// Every command is composed here, outside the coroutines: GCC 12 rejects or mishandles braced lists
// of strings inside them.
std::vector<std::string> redis_outbox::compose(op o, const std::vector<std::string>& a) const {
    const std::string stream = key("outbox");
    switch (o) {
        case op::group_create: return cmd({"XGROUP", "CREATE", stream, group, "0", "MKSTREAM"});
        case op::add: return cmd({"XADD", stream, "*", "a", a.at(0)});
        case op::take: return cmd({"XREADGROUP", "GROUP", group, a.at(0), "COUNT", a.at(1), "STREAMS", stream, ">"});
        case op::reclaim: return cmd({"XAUTOCLAIM", stream, group, a.at(0), a.at(1), "0-0", "COUNT", a.at(2)});
        case op::ack: return cmd({"XACK", stream, group, a.at(0)});
        case op::remove: return cmd({"XDEL", stream, a.at(0)});
        case op::schedule: return cmd({"ZADD", key("retry"), a.at(1), a.at(0)});
        case op::bury: return cmd({"XADD", key("dead"), "MAXLEN", "~", "100000", "*", "a", a.at(0), "reason", a.at(1)});
        case op::promote: return cmd({"EVAL", promote_script, "2", key("retry"), stream, a.at(0)});
        case op::audit:
            return cmd({"XADD", key("audit"), "MAXLEN", "~", std::to_string(audit_max_), "*", "alert", a.at(0), "sub", a.at(1),
                        "channel", a.at(2), "status", a.at(3), "detail", a.at(4), "at", a.at(5)});
        case op::outbox_length: return cmd({"XLEN", stream});
        case op::retry_length: return cmd({"ZCARD", key("retry")});
        case op::dead_length: return cmd({"XLEN", key("dead")});
        case op::dead_range: return cmd({"XRANGE", key("dead"), "-", "+", "COUNT", a.at(0)});
        case op::audit_range: return cmd({"XRANGE", key("audit"), a.at(0), "+", "COUNT", a.at(1)});
        case op::alert_push: return cmd({"RPUSH", store_.prefix() + "alert:" + a.at(0), a.at(1)});
        case op::alert_expire: return cmd({"EXPIRE", store_.prefix() + "alert:" + a.at(0), "604800"});
        case op::alert_range: return cmd({"LRANGE", store_.prefix() + "alert:" + a.at(0), "0", "-1"});
        case op::multi: return cmd({"MULTI"});
        case op::exec: return cmd({"EXEC"});
    }
    return {};
}

std::vector<std::vector<std::string>> redis_outbox::settle(const std::string& entry_id, std::vector<std::string> first,
                                                           const audit_record& note) const {
    std::vector<std::vector<std::string>> out;
    out.push_back(compose(op::multi, {}));
    if (!first.empty()) out.push_back(std::move(first));
    out.push_back(compose(op::ack, std::vector<std::string>(1, entry_id)));
    out.push_back(compose(op::remove, std::vector<std::string>(1, entry_id)));
    std::vector<std::string> a(6);
    a[0] = note.alert_id;
    a[1] = note.subscription_id;
    a[2] = note.channel;
    a[3] = note.status;
    a[4] = note.detail;
    a[5] = std::to_string(note.at_ms);
    out.push_back(compose(op::audit, a));
    if (!note.alert_id.empty()) {
        std::vector<std::string> per_alert(2);
        per_alert[0] = note.alert_id;
        per_alert[1] = to_json(note);
        out.push_back(compose(op::alert_push, per_alert));
        out.push_back(compose(op::alert_expire, per_alert));
    }
    out.push_back(compose(op::exec, {}));
    return out;
}

net::awaitable<void> redis_outbox::prepare() {
    // From the stream's start ("0"): alerts committed before the first worker ran are delivered too.
    try {
        co_await store_.run(compose(op::group_create, {}), "XGROUP CREATE");
    } catch (const std::runtime_error& e) {
        if (std::string(e.what()).find("BUSYGROUP") == std::string::npos) throw;
    }
}

net::awaitable<void> redis_outbox::add(std::vector<std::string> blobs) {
    std::vector<std::vector<std::string>> cmds;
    cmds.push_back(compose(op::multi, {}));
    for (auto& b : blobs) cmds.push_back(compose(op::add, std::vector<std::string>(1, std::move(b))));
    cmds.push_back(compose(op::exec, {}));
    co_await store_.run_pipeline(std::move(cmds), "XADD outbox");
}

net::awaitable<std::vector<taken>> redis_outbox::take(std::string consumer, int count) {
    std::vector<std::string> args(2);
    args[0] = std::move(consumer);
    args[1] = std::to_string(count);
    auto r = co_await store_.run(compose(op::take, args), "XREADGROUP");
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
    std::vector<std::string> args(3);
    args[0] = std::move(consumer);
    args[1] = std::to_string(min_idle.count());
    args[2] = std::to_string(count);
    auto r = co_await store_.run(compose(op::reclaim, args), "XAUTOCLAIM");
    if (r.elements.size() < 2) co_return std::vector<taken>{};
    co_return entries_of(r.elements[1]);
}

net::awaitable<void> redis_outbox::done(std::string entry_id, audit_record note) {
    co_await store_.run_pipeline(settle(entry_id, {}, note), "XACK");
}

net::awaitable<void> redis_outbox::later(std::string entry_id, std::string blob, std::int64_t due_ms, audit_record note) {
    std::vector<std::string> args(2);
    args[0] = std::move(blob);
    args[1] = std::to_string(due_ms);
    co_await store_.run_pipeline(settle(entry_id, compose(op::schedule, args), note), "retry later");
}

net::awaitable<void> redis_outbox::dead(std::string entry_id, std::string blob, std::string reason, audit_record note) {
    std::vector<std::string> args(2);
    args[0] = std::move(blob);
    args[1] = std::move(reason);
    co_await store_.run_pipeline(settle(entry_id, compose(op::bury, args), note), "dead-letter");
}

net::awaitable<int> redis_outbox::promote(std::int64_t now_ms) {
    auto r = co_await store_.run(compose(op::promote, std::vector<std::string>(1, std::to_string(now_ms))), "promote retries");
    co_return static_cast<int>(r.integer);
}

net::awaitable<std::vector<audit_record>> redis_outbox::audit_since(std::int64_t since_ms, std::string after, int count) {
    std::vector<std::string> args(2);
    // A stream id's time part (inclusive), or "(" + an id (exclusive).
    args[0] = after.empty() ? std::to_string(std::max<std::int64_t>(since_ms, 0)) : "(" + after;
    args[1] = std::to_string(count);
    auto r = co_await store_.run(compose(op::audit_range, args), "XRANGE audit");
    std::vector<audit_record> out;
    for (const auto& e : r.elements) {
        if (e.elements.size() < 2) continue;
        audit_record a;
        a.cursor = e.elements[0].str;
        const auto& f = e.elements[1].elements;
        for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
            const auto& k = f[i].str;
            const auto& v = f[i + 1].str;
            if (k == "alert") a.alert_id = v;
            else if (k == "sub") a.subscription_id = v;
            else if (k == "channel") a.channel = v;
            else if (k == "status") a.status = v;
            else if (k == "detail") a.detail = v;
            else if (k == "at") a.at_ms = std::atoll(v.c_str());
        }
        out.push_back(std::move(a));
    }
    co_return out;
}

net::awaitable<std::vector<audit_record>> redis_outbox::attempts_of(std::string alert_id) {
    auto r = co_await store_.run(compose(op::alert_range, std::vector<std::string>(1, std::move(alert_id))), "LRANGE alert");
    std::vector<audit_record> out;
    for (const auto& e : r.elements) {
        if (auto a = audit_from_json(e.str)) out.push_back(std::move(*a));
    }
    co_return out;
}

net::awaitable<std::pair<std::int64_t, std::int64_t>> redis_outbox::depth() {
    std::vector<std::vector<std::string>> cmds;
    cmds.push_back(compose(op::outbox_length, {}));
    cmds.push_back(compose(op::retry_length, {}));
    cmds.push_back(compose(op::dead_length, {}));
    auto r = co_await store_.run_pipeline(std::move(cmds), "outbox depth");
    co_return std::pair<std::int64_t, std::int64_t>{r[0].integer + r[1].integer, r[2].integer};
}

net::awaitable<std::vector<std::pair<std::string, std::string>>> redis_outbox::dead_letters(int count) {
    auto r = co_await store_.run(compose(op::dead_range, std::vector<std::string>(1, std::to_string(count))), "XRANGE dead");
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
