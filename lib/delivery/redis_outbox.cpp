#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>

#include "delivery/alert.hpp"
#include "delivery/outbox.hpp"
#include "state/redis_store.hpp"
#include "state/stream_entries.hpp"

namespace cowin::delivery {

namespace net = boost::asio;
using state::redis_reply;

namespace {
constexpr const char* group = consumer_group;

const char* promote_script =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 256)\n"
    "for _, m in ipairs(due) do\n"
    "  redis.call('XADD', KEYS[2], '*', 'a', m)\n"
    "  redis.call('ZREM', KEYS[1], m)\n"
    "end\n"
    "return #due\n";
// XINFO and DELCONSUMER in one step: a consumer that read an entry between the two would lose it
// from the pending list, and with it any chance of being taken over.
const char* forget_if_idle_script =
    "for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do\n"
    "  local f = {}\n"
    "  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end\n"
    "  if f['name'] == ARGV[2] then\n"
    "    if f['pending'] == 0 and f['idle'] >= tonumber(ARGV[3]) then\n"
    "      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])\n"
    "      return 1\n"
    "    end\n"
    "    return 0\n"
    "  end\n"
    "end\n"
    "return 0\n";
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
// of strings inside them (it freed one twice under ASan).
std::vector<std::string> redis_outbox::compose(op o, const std::vector<std::string>& a) const {
    const std::string stream = key("outbox");
    switch (o) {
        case op::group_create: return cmd({"XGROUP", "CREATE", stream, group, "0", "MKSTREAM"});
        case op::add: return cmd({"XADD", stream, "*", "a", a.at(0)});
        case op::take: return cmd({"XREADGROUP", "GROUP", group, a.at(0), "COUNT", a.at(1), "STREAMS", stream, ">"});
        case op::reclaim: return cmd({"XAUTOCLAIM", stream, group, a.at(0), a.at(1), "0-0", "COUNT", a.at(2)});
        case op::promote: return cmd({"EVAL", promote_script, "2", key("retry"), stream, a.at(0)});
        case op::consumers: return cmd({"XINFO", "CONSUMERS", stream, group});
        case op::pending_of: return cmd({"XPENDING", stream, group, "-", "+", a.at(1), a.at(0)});
        case op::claim: {
            command c = cmd({"XCLAIM", stream, group, a.at(0), "0"});
            c.insert(c.end(), a.begin() + 1, a.end());
            return c;
        }
        case op::keep: {
            // The claim, to the holder itself: idle time back to 0; JUSTID leaves the delivery counter
            // alone. Entries settled meanwhile are not in the pending list any more and are skipped.
            command c = compose(op::claim, a);
            c.push_back("JUSTID");
            return c;
        }
        case op::forget_consumer: return cmd({"XGROUP", "DELCONSUMER", stream, group, a.at(0)});
        case op::forget_if_idle: return cmd({"EVAL", forget_if_idle_script, "1", stream, group, a.at(0), a.at(1)});
        case op::outbox_length: return cmd({"XLEN", stream});
        case op::retry_length: return cmd({"ZCARD", key("retry")});
        case op::extra_length: return cmd({"GET", key("outbox:extra")});
        case op::dead_length: return cmd({"XLEN", key("dead")});
        case op::oldest_entry: return cmd({"XRANGE", stream, "-", "+", "COUNT", "1"});
        case op::server_time: return cmd({"TIME"});
        case op::dead_range: return cmd({"XRANGE", key("dead"), "-", "+", "COUNT", a.at(0)});
        case op::audit_range: return cmd({"XRANGE", key("audit"), a.at(0), "+", "COUNT", a.at(1)});
        // An alert's list of attempts, as versions before "alog:<minute>" kept them.
        case op::alert_range: return cmd({"LRANGE", store_.prefix() + "alert:" + a.at(0), "0", "-1"});
        case op::settled_parts: return cmd({"HKEYS", store_.prefix() + "settled:" + a.at(0)});
    }
    return {};
}

// How long, in seconds, the lists of an entry's settled alerts and the records of attempts live: a
// week after they were last written to.
constexpr const char* kept_s = "604800";

// One transaction (MULTI/EXEC) settles every attempt that finished while the previous one was on its
// way: a burst of deliveries costs one round trip per batch, and each attempt's acknowledgement and
// audit still go together. Per attempt: the retry (ZADD) or dead letter (XADD), the audit record
// (XADD to the capped trail) and the alert's record of it (HSET of its minute's hash); per batch, one
// XACK and one XDEL, and one EXPIRE per minute's hash. Plain commands, not a Lua script: Lua's own
// cost was about a third of Redis's time per delivery (10 of 30 us in a fan-out), which Redis shares
// with the worker and receivers.
// Lua is left only for the entries holding several alerts (a commit's), which need a decision:
// their settled alerts join "<prefix>settled:<entry>" (so a process taking the entry over after a
// crash skips them), and the entry is acknowledged with its last. "<prefix>outbox:extra" counts the
// alerts waiting in such entries beyond one per entry, for depth().
// KEYS: outbox, extra count. ARGV: group, key prefix, then per entry: id, parts, n, the n parts.
const std::string grouped_settle_script = std::string(
    "local done, extra, i = {}, 0, 3\n"
    "while i <= #ARGV do\n"
    "  local e, parts, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])\n"
    "  local k = ARGV[2] .. 'settled:' .. e\n"
    "  local fields = {}\n"
    "  for j = 1, n do\n"
    "    fields[#fields + 1] = ARGV[i + 2 + j]\n"
    "    fields[#fields + 1] = '1'\n"
    "  end\n"
    "  extra = extra - redis.call('HSET', k, unpack(fields))\n"
    // The list expires in a week, so one left by a settle repeated after its entry was acknowledged
    // (a reply lost to a dropped connection) goes too.
    "  if redis.call('HLEN', k) >= parts then\n"
    "    done[#done + 1] = e\n"
    "    extra = extra + 1\n"
    "    redis.call('DEL', k)\n"
    "  else redis.call('EXPIRE', k, ") + kept_s + ") end\n"
    "  i = i + 3 + n\n"
    "end\n"
    "if extra ~= 0 then redis.call('INCRBY', KEYS[2], extra) end\n"
    "for j = 1, #done, 1000 do\n"  // Lua's stack holds a few thousand arguments at most
    "  local last = math.min(j + 999, #done)\n"
    "  redis.call('XACK', KEYS[1], ARGV[1], unpack(done, j, last))\n"
    "  redis.call('XDEL', KEYS[1], unpack(done, j, last))\n"
    "end\n"
    // An empty outbox holds no alert beyond one per entry: whatever a settle repeated after its
    // entry was gone made the count drift by, it is right again each time the outbox drains.
    "if redis.call('XLEN', KEYS[1]) == 0 then redis.call('SET', KEYS[2], '0') end\n"
    "return #done\n";

struct redis_outbox::settle_batch {
    explicit settle_batch(net::any_io_executor ex) : done(std::move(ex), std::chrono::steady_clock::time_point::max()) {}
    state::resp_commands commands;  ///< per attempt
    std::vector<std::string> singles;                ///< entries of one alert, acknowledged now
    std::map<std::string, std::pair<int, std::vector<std::string>>> grouped;  ///< entry -> (parts, settled parts)
    std::vector<std::string> logs;  ///< the alert records written to (usually one minute's)
    std::string error;
    net::steady_timer done;
};

// Outside the coroutines, for GCC 12's sake (see compose). Written straight into the batch's RESP:
// this runs once per attempt, and a vector of strings per command cost an allocation per part.
void redis_outbox::append_attempt(settle_batch& b, std::string kind, entry_part at, std::string blob, std::string extra,
                                  audit_record note) const {
    auto& out = b.commands;
    const std::string& prefix = store_.prefix();
    if (kind == "later") {
        out.begin(4);
        out.arg("ZADD");
        out.arg_joined({prefix, "retry"});
        out.arg(extra);
        out.arg(blob);
    } else if (kind == "dead") {
        out.begin(10);
        out.arg("XADD");
        out.arg_joined({prefix, "dead"});
        out.args({"MAXLEN", "~", "100000", "*", "a"});
        out.arg(blob);
        out.arg("reason");
        out.arg(extra);
    }
    out.begin(18);
    out.arg("XADD");
    out.arg_joined({prefix, "audit"});
    out.args({"MAXLEN", "~"});
    out.arg(audit_max_);
    out.args({"*", "alert"});
    out.arg(note.alert_id);
    out.arg("sub");
    out.arg(note.subscription_id);
    out.arg("channel");
    out.arg(note.channel);
    out.arg("status");
    out.arg(note.status);
    out.arg("detail");
    out.arg(note.detail);
    out.arg("at");
    out.arg(note.at_ms);
    if (!note.alert_id.empty()) {
        // A field of its minute's hash, named by the attempt: a settle repeated after a lost reply
        // records the attempt once, and no key per alert (its creation and expiry cost Redis about
        // twice the field's time, and a list per alert about 410 bytes against 245).
        const std::string log_key = alert_log_key(note.alert_id);
        out.begin(4);
        out.arg("HSET");
        out.arg(log_key);
        out.arg_joined({note.alert_id, ":", std::to_string(std::clamp(note.attempt, 1, recorded_attempts))});
        out.arg(to_json(note));
        if (std::find(b.logs.begin(), b.logs.end(), log_key) == b.logs.end()) b.logs.push_back(log_key);
    }
    if (at.parts <= 1) {
        b.singles.push_back(std::move(at.entry_id));
    } else {
        auto& g = b.grouped[at.entry_id];
        g.first = at.parts;
        g.second.push_back(std::to_string(at.part));
    }
}

state::resp_commands redis_outbox::settle_commands(settle_batch& b) const {
    state::resp_commands out = std::move(b.commands);
    const std::string stream = key("outbox");
    // A minute's record goes a week after its last attempt was added, as each alert's list did.
    for (const auto& log_key : b.logs) {
        out.begin(3);
        out.arg("EXPIRE");
        out.arg(log_key);
        out.arg(kept_s);
    }
    if (!b.singles.empty()) {
        out.begin(3 + b.singles.size());
        out.args({"XACK", stream, group});
        for (const auto& id : b.singles) out.arg(id);
        out.begin(2 + b.singles.size());
        out.args({"XDEL", stream});
        for (const auto& id : b.singles) out.arg(id);
    }
    if (!b.grouped.empty()) {
        std::size_t parts = 7;
        for (const auto& [id, g] : b.grouped) parts += 3 + g.second.size();
        out.begin(parts);
        out.args({"EVAL", grouped_settle_script, "2", stream, key("outbox:extra"), group, store_.prefix()});
        for (const auto& [id, g] : b.grouped) {
            out.arg(id);
            out.arg(static_cast<std::int64_t>(g.first));
            out.arg(static_cast<std::int64_t>(g.second.size()));
            for (const auto& part : g.second) out.arg(part);
        }
    }
    return out;
}

net::awaitable<void> redis_outbox::settle(std::string kind, entry_part at, std::string blob, std::string extra,
                                          audit_record note) {
    auto ex = co_await net::this_coro::executor;
    if (!filling_) filling_ = std::make_shared<settle_batch>(ex);
    auto batch = filling_;
    append_attempt(*batch, std::move(kind), std::move(at), std::move(blob), std::move(extra), std::move(note));
    if (!flushing_) {
        flushing_ = true;
        net::co_spawn(ex, flush(), net::detached);
    }
    co_await batch->done.async_wait(net::as_tuple(net::use_awaitable));
    if (!batch->error.empty()) throw std::runtime_error(batch->error);
}

net::awaitable<void> redis_outbox::flush() {
    // Let the attempts settled in this turn of the loop join the first batch.
    co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
    while (filling_) {
        auto batch = std::move(filling_);
        filling_.reset();
        try {
            auto commands = settle_commands(*batch);  // named: GCC 12 and temporaries in co_await
            co_await store_.run_transaction(std::move(commands), "settle");
        } catch (const std::exception& e) {
            batch->error = e.what();
        }
        batch->done.cancel();
    }
    flushing_ = false;
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
    for (auto& b : blobs) cmds.push_back(compose(op::add, std::vector<std::string>(1, std::move(b))));
    co_await store_.run_transaction(std::move(cmds), "XADD outbox");
}

net::awaitable<std::vector<taken>> redis_outbox::take(std::string consumer, int count) {
    std::vector<std::string> args(2);
    args[0] = std::move(consumer);
    args[1] = std::to_string(count);
    auto r = co_await store_.run(compose(op::take, args), "XREADGROUP");
    std::vector<taken> out;
    for (const auto& stream : r.elements) {
        if (stream.elements.size() == 2) {
            auto part = state::stream_entries(stream.elements[1]);
            out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
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
    co_return co_await unsettled(state::stream_entries(r.elements[1]));
}

net::awaitable<std::vector<taken>> redis_outbox::unsettled(std::vector<taken> entries) {
    std::vector<std::string> grouped;  // entries of several alerts, each once
    for (const auto& t : entries) {
        if (t.parts > 1 && t.part == 0) grouped.push_back(t.entry_id);
    }
    if (grouped.empty()) co_return entries;
    std::vector<std::vector<std::string>> cmds;
    for (const auto& id : grouped) cmds.push_back(compose(op::settled_parts, std::vector<std::string>(1, id)));
    auto r = co_await store_.run_pipeline(std::move(cmds), "HKEYS settled");
    std::set<std::pair<std::string, int>> settled;
    for (std::size_t i = 0; i < grouped.size() && i < r.size(); ++i) {
        for (const auto& part : r[i].elements) settled.emplace(grouped[i], std::atoi(part.str.c_str()));
    }
    std::erase_if(entries, [&](const taken& t) { return t.parts > 1 && settled.count({t.entry_id, t.part}) > 0; });
    co_return entries;
}

net::awaitable<std::vector<consumer_info>> redis_outbox::consumers() {
    auto r = co_await store_.run(compose(op::consumers, {}), "XINFO CONSUMERS");
    std::vector<consumer_info> out;
    for (const auto& c : r.elements) {
        consumer_info info;
        for (std::size_t i = 0; i + 1 < c.elements.size(); i += 2) {
            if (c.elements[i].str == "name") info.name = c.elements[i + 1].str;
            if (c.elements[i].str == "pending") info.pending = c.elements[i + 1].integer;
            if (c.elements[i].str == "idle") info.idle_ms = c.elements[i + 1].integer;
        }
        if (!info.name.empty()) out.push_back(std::move(info));
    }
    co_return out;
}

net::awaitable<bool> redis_outbox::forget_if_idle(std::string consumer, std::chrono::milliseconds idle) {
    std::vector<std::string> args(2);
    args[0] = std::move(consumer);
    args[1] = std::to_string(idle.count());
    auto r = co_await store_.run(compose(op::forget_if_idle, args), "forget an idle consumer");
    co_return r.integer == 1;
}

net::awaitable<std::vector<taken>> redis_outbox::take_over(std::string dead, std::string consumer, int count) {
    std::vector<std::string> args(2);
    args[0] = dead;
    args[1] = std::to_string(count);
    auto pending = co_await store_.run(compose(op::pending_of, args), "XPENDING");
    std::vector<std::string> claim(1, std::move(consumer));
    for (const auto& p : pending.elements) {
        if (!p.elements.empty()) claim.push_back(p.elements[0].str);
    }
    if (claim.size() == 1) {
        co_await store_.run(compose(op::forget_consumer, std::vector<std::string>(1, std::move(dead))), "XGROUP DELCONSUMER");
        co_return std::vector<taken>{};
    }
    auto r = co_await store_.run(compose(op::claim, claim), "XCLAIM");
    co_return co_await unsettled(state::stream_entries(r));
}

net::awaitable<void> redis_outbox::keep(std::string consumer, std::vector<std::string> entry_ids) {
    if (entry_ids.empty()) co_return;
    entry_ids.insert(entry_ids.begin(), std::move(consumer));
    co_await store_.run(compose(op::keep, entry_ids), "XCLAIM JUSTID");
}

// Not coroutines themselves: each attempt's settle is one frame (settle's), not two.
net::awaitable<void> redis_outbox::done(entry_part at, audit_record note) {
    return settle("done", std::move(at), std::string(), std::string(), std::move(note));
}

net::awaitable<void> redis_outbox::later(entry_part at, std::string blob, std::int64_t due_ms, audit_record note) {
    return settle("later", std::move(at), std::move(blob), std::to_string(due_ms), std::move(note));
}

net::awaitable<void> redis_outbox::dead(entry_part at, std::string blob, std::string reason, audit_record note) {
    return settle("dead", std::move(at), std::move(blob), std::move(reason), std::move(note));
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

std::string redis_outbox::alert_log_key(const std::string& alert_id) const {
    const auto minute = minute_of_alert_id(alert_id);
    return store_.prefix() + "alog:" + (minute ? std::to_string(*minute) : std::string("other"));
}

// Its minute's fields, in the order of the attempts, after a list of its own where a version before
// the minute's records kept it (read for the week such a list lives after an upgrade).
std::vector<std::vector<std::string>> redis_outbox::alert_record_commands(const std::string& alert_id) const {
    std::vector<std::vector<std::string>> cmds(2);
    cmds[0] = compose(op::alert_range, std::vector<std::string>(1, alert_id));
    cmds[1] = {std::string("HMGET"), alert_log_key(alert_id)};
    for (int n = 1; n <= recorded_attempts; ++n) cmds[1].push_back(alert_id + ":" + std::to_string(n));
    return cmds;
}

net::awaitable<std::vector<audit_record>> redis_outbox::attempts_of(std::string alert_id) {
    auto r = co_await store_.run_pipeline(alert_record_commands(alert_id), "alert record");
    std::vector<audit_record> out;
    for (const auto& reply : r) {
        for (const auto& e : reply.elements) {
            if (e.kind != redis_reply::type::string) continue;  // an attempt not made
            if (auto a = audit_from_json(e.str); a && a->alert_id == alert_id) out.push_back(std::move(*a));
        }
    }
    co_return out;
}

// The oldest pending alert is the stream's first entry (settled ones are deleted), and its id
// begins with Redis's clock in ms when it was added; Redis's TIME, read in the same pipeline, gives
// its age without trusting this host's clock to agree.
net::awaitable<outbox_depth> redis_outbox::depth() {
    std::vector<std::vector<std::string>> cmds;
    cmds.push_back(compose(op::outbox_length, {}));
    cmds.push_back(compose(op::retry_length, {}));
    cmds.push_back(compose(op::dead_length, {}));
    cmds.push_back(compose(op::extra_length, {}));
    cmds.push_back(compose(op::oldest_entry, {}));
    cmds.push_back(compose(op::server_time, {}));
    auto r = co_await store_.run_pipeline(std::move(cmds), "outbox depth");
    outbox_depth d;
    // An entry counts once in XLEN however many alerts wait in it; the rest are counted apart.
    const std::int64_t extra = std::max<std::int64_t>(0, std::atoll(r[3].str.c_str()));
    d.waiting = r[0].integer + r[1].integer + extra;
    d.dead = r[2].integer;
    if (!r[4].elements.empty() && !r[4].elements[0].elements.empty() && r[5].elements.size() == 2) {
        const std::int64_t added_ms = std::atoll(r[4].elements[0].elements[0].str.c_str());  // "<ms>-<seq>"
        const std::int64_t now_ms = std::atoll(r[5].elements[0].str.c_str()) * 1000 + std::atoll(r[5].elements[1].str.c_str()) / 1000;
        d.oldest_pending_ms = std::max<std::int64_t>(0, now_ms - added_ms);
    }
    co_return d;
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
