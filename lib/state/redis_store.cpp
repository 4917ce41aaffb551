#include "state/redis_store.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "state/snapshot_codec.hpp"
#include "state/stream_entries.hpp"

namespace cowin::state {

namespace net = boost::asio;
using namespace std::chrono_literals;

// ARGV: expected fingerprint, new fingerprint, snapshot, claim count (entries), group, consumer,
// alerts per entry, then the alerts. The claim is a plain XREADGROUP in the same script, so it is
// atomic with the alerts it takes; under pcall, because a group not created yet (no worker has
// started) must not fail a commit whose writes are already made. Answers 0, or 1 then per claimed
// entry: its id, which of the commit's entries it is (1 for the first; 0 when it is an older entry)
// and, for an older entry only, its fields (the caller has its own alerts). Alerts after an entry's
// first come as their differences from it (entry_delta.hpp), and the script names them so.
const char* redis_store::commit_script() {
    return "local cur = redis.call('HGET', KEYS[1], 'fp')\n"
           "if (cur or '0') ~= ARGV[1] then return 0 end\n"
           "redis.call('HSET', KEYS[1], 'fp', ARGV[2], 'data', ARGV[3])\n"
           "local mine = {}\n"
           "local per = tonumber(ARGV[7])\n"
           "local g = 0\n"
           "for i = 8, #ARGV, per do\n"
           "  local fields = {}\n"
           "  local last = math.min(i + per - 1, #ARGV)\n"
           "  fields[1] = last > i and 'base' or 'a'\n"
           "  fields[2] = ARGV[i]\n"
           "  for j = i + 1, last do\n"
           "    fields[#fields + 1] = 'like'\n"
           "    fields[#fields + 1] = ARGV[j]\n"
           "  end\n"
           "  g = g + 1\n"
           "  mine[redis.call('XADD', KEYS[2], '*', unpack(fields))] = g\n"
           "end\n"
           "if #ARGV - 7 > g then redis.call('INCRBY', KEYS[3], #ARGV - 7 - g) end\n"
           "local out = {1}\n"
           "if tonumber(ARGV[4]) > 0 then\n"
           "  local ok, r = pcall(redis.call, 'XREADGROUP', 'GROUP', ARGV[5], ARGV[6], 'COUNT', ARGV[4], 'STREAMS', KEYS[2], '>')\n"
           "  if ok and r then\n"
           "    for _, e in ipairs(r[1][2]) do\n"
           "      out[#out + 1] = e[1]\n"
           "      out[#out + 1] = mine[e[1]] or 0\n"
           "      out[#out + 1] = mine[e[1]] and {} or e[2] or {}\n"
           "    end\n"
           "  end\n"
           "end\n"
           "return out\n";
}

namespace {
std::string snap_key(const std::string& prefix, const std::string& target) { return prefix + "snap:" + target; }
}  // namespace

std::vector<std::string> redis_store::load_command(const std::string& prefix, const std::string& target) {
    return {"HMGET", snap_key(prefix, target), "fp", "data"};
}

std::vector<std::string> redis_store::commit_command(const std::string& prefix, const std::string& target,
                                                     const std::string& expected, const stored_snapshot& next,
                                                     std::vector<std::string> alerts, const outbox_claim& claim) {
    std::vector<std::string> cmd{"EVAL", commit_script(), "3", snap_key(prefix, target), prefix + "outbox", prefix + "outbox:extra",
                                 expected, std::to_string(next.snap.fingerprint), encode(next),
                                 std::to_string(claim.entries()), claim.group, claim.consumer,
                                 std::to_string(alerts_per_entry)};
    to_entry_values(alerts);  // the script names the fields
    for (auto& a : alerts) cmd.push_back(std::move(a));
    return cmd;
}

redis_store::redis_store(net::any_io_executor ex, const config::redis_settings& s, const log::logger& log,
                         std::chrono::milliseconds timeout)
    : settings_(s), log_(log), timeout_(timeout), conn_(ex), commit_conn_(ex, redis_connection::writes::at_once) {}

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
    auto r = check(co_await conn_.command(load_command(settings_.key_prefix, target), timeout_), "HMGET");
    co_return loaded(target, r.reply);
}

// An HMGET fp data answer. A snapshot that does not decode (written by an incompatible version, or by
// hand) reads as none, so the poll alerts as on a first poll; its fingerprint, intact beside it, is
// what a commit by script must then expect, or that target could never be committed again.
std::optional<stored_snapshot> redis_store::loaded(const std::string& target, const redis_reply& r) {
    undecodable_.erase(target);
    if (r.kind != redis_reply::type::array || r.elements.size() != 2 || r.elements[1].kind != redis_reply::type::string) {
        return std::nullopt;
    }
    auto s = decode(r.elements[1].str);
    if (!s) {
        log_.warning("The stored snapshot of ", target, " does not decode; treating it as none");
        if (r.elements[0].kind == redis_reply::type::string) undecodable_[target] = r.elements[0].str;
    }
    return s;
}

commit_outcome redis_store::commit_outcome_of(const redis_reply& reply, std::vector<std::string>& alerts) {
    commit_outcome out;
    if (reply.kind == redis_reply::type::integer) return out;  // 0: superseded
    out.stored = reply.kind == redis_reply::type::array && !reply.elements.empty() && reply.elements[0].integer == 1;
    for (std::size_t i = 1; out.stored && i + 2 < reply.elements.size(); i += 3) {
        const auto group = reply.elements[i + 1].integer;
        const std::size_t first = group >= 1 ? static_cast<std::size_t>(group - 1) * alerts_per_entry : alerts.size();
        // One of this commit's entries: its alerts are the caller's, from `first` on. An older entry:
        // its fields came back; one with no alert in it still counts as one, so that the worker
        // dead-letters it rather than leaving it pending.
        const bool own = first < alerts.size();
        if (!own) {
            entry_parts(reply.elements[i].str, reply.elements[i + 2].elements, out.claimed);
            continue;
        }
        const std::size_t n = std::min<std::size_t>(alerts_per_entry, alerts.size() - first);
        for (std::size_t k = 0; k < n; ++k) {
            claimed_entry e;
            e.entry_id = reply.elements[i].str;
            e.blob = std::move(alerts[first + k]);
            e.part = static_cast<int>(k);
            e.parts = static_cast<int>(n);
            out.claimed.push_back(std::move(e));
        }
    }
    return out;
}

net::awaitable<commit_outcome> redis_store::commit_with_alerts(std::string target, std::uint64_t expected,
                                                               stored_snapshot next, std::vector<std::string> alerts,
                                                               outbox_claim claim) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    std::string expect = std::to_string(expected);
    if (auto stale = undecodable_.find(target); stale != undecodable_.end()) {
        if (expected == 0) expect = stale->second;  // what was stored, undecodable, is being replaced
        undecodable_.erase(stale);
    }
    if (watched_ && watched_->target == target && watched_->fingerprint == expected &&
        watched_->generation == commit_generation_ && commit_conn_.connected()) {
        watched_.reset();
        co_return co_await commit_watched(std::move(target), std::move(next), std::move(alerts), std::move(claim));
    }
    watched_.reset();
    // The claimed ones among the commit's own alerts are its first ones: kept, so the script need not
    // send them back.
    const std::size_t kept_count =
        std::min<std::size_t>(alerts.size(), static_cast<std::size_t>(claim.entries()) * alerts_per_entry);
    std::vector<std::string> kept(alerts.begin(), alerts.begin() + static_cast<std::ptrdiff_t>(kept_count));
    auto command = commit_command(settings_.key_prefix, target, expect, next, std::move(alerts), claim);
    auto r = check(co_await conn_.command(std::move(command), timeout_), "commit");
    co_return commit_outcome_of(r.reply, kept);
}

net::awaitable<std::optional<stored_snapshot>> redis_store::load_for_commit(std::string target) {
    watched_.reset();
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    // Whatever keeps the commit connection from working (Redis refusing more clients, say), the poll
    // goes on with the main connection and the script, trying that connection again a while later.
    const auto now = std::chrono::steady_clock::now();
    if (!commit_conn_.connected()) {
        if (now < next_commit_connect_) co_return co_await load(std::move(target));
        const std::string err = co_await commit_conn_.connect(settings_.host, settings_.port, settings_.password.value,
                                                              settings_.db, timeout_);
        if (!err.empty()) {
            next_commit_connect_ = now + 10s;
            log_.warning("Redis: no connection of its own for commits (", err, "); committing by script meanwhile");
            co_return co_await load(std::move(target));
        }
        ++commit_generation_;
    }
    const std::string key = snap_key(settings_.key_prefix, target);
    std::vector<std::vector<std::string>> cmds(3);
    cmds[0].push_back("UNWATCH");  // whatever an earlier load watched for a commit that never came
    cmds[1].push_back("WATCH");
    cmds[1].push_back(key);
    cmds[2] = load_command(settings_.key_prefix, target);
    auto results = co_await commit_conn_.pipeline(std::move(cmds), timeout_);
    for (auto& r : results) {
        if (r.ok() && r.reply.kind != redis_reply::type::error) continue;
        log_.warning("Redis: the commit connection failed (", r.ok() ? r.reply.str : r.failure,
                     "); committing by script meanwhile");
        commit_conn_.disconnect();
        next_commit_connect_ = now + 10s;
        co_return co_await load(std::move(target));
    }
    std::optional<stored_snapshot> s = loaded(target, results[2].reply);
    watched_.emplace();  // no braced initialisers in coroutines (GCC 12)
    watched_->target = target;
    watched_->fingerprint = s ? s->snap.fingerprint : 0;
    watched_->generation = commit_generation_;
    co_return s;
}

std::vector<std::vector<std::string>> redis_store::transaction_commands(const std::string& prefix, const std::string& target,
                                                                        const stored_snapshot& next,
                                                                        std::vector<std::string> alerts,
                                                                        const outbox_claim& claim) {
    std::vector<std::vector<std::string>> cmds;
    cmds.reserve(alerts.size() + 4);
    cmds.push_back(std::vector<std::string>(1, "MULTI"));
    cmds.push_back({"HSET", snap_key(prefix, target), "fp", std::to_string(next.snap.fingerprint), "data", encode(next)});
    const std::string stream = prefix + "outbox";
    to_entry_values(alerts);
    for (std::size_t i = 0; i < alerts.size(); i += alerts_per_entry) {
        std::vector<std::string> add{"XADD", stream, "*"};
        const std::size_t end = std::min<std::size_t>(alerts.size(), i + alerts_per_entry);
        add.reserve(3 + 2 * (end - i));
        for (std::size_t j = i; j < end; ++j) {
            add.push_back(j > i ? like_field : end - i > 1 ? base_field : single_field);  // see stream_entries.hpp
            add.push_back(std::move(alerts[j]));
        }
        cmds.push_back(std::move(add));
    }
    // The outbox's depth counts an entry once: the alerts beyond one per entry are counted here.
    const std::size_t entries = entries_for(alerts.size());
    if (alerts.size() > entries) cmds.push_back({"INCRBY", prefix + "outbox:extra", std::to_string(alerts.size() - entries)});
    if (claim.entries() > 0) {
        cmds.push_back({"XREADGROUP", "GROUP", claim.group, claim.consumer, "COUNT", std::to_string(claim.entries()), "STREAMS",
                        stream, ">"});
    }
    cmds.push_back(std::vector<std::string>(1, "EXEC"));
    return cmds;
}

commit_outcome redis_store::transaction_outcome_of(const redis_reply& exec, bool claimed) {
    commit_outcome out;
    if (exec.kind != redis_reply::type::array) return out;  // nil: the watched snapshot was written
    out.stored = true;
    // The claim's answer is the last: [[stream, [[id, [field, value, ...]], ...]]], nil when nothing
    // was new, or an error (no group yet: no worker has started), which leaves the commit standing.
    if (!claimed || exec.elements.empty()) return out;
    const redis_reply& read = exec.elements.back();
    if (read.kind != redis_reply::type::array || read.elements.empty() || read.elements[0].elements.size() < 2) return out;
    out.claimed = stream_entries(read.elements[0].elements[1]);
    return out;
}

net::awaitable<commit_outcome> redis_store::commit_watched(std::string target, stored_snapshot next,
                                                           std::vector<std::string> alerts, outbox_claim claim) {
    const bool claiming = claim.entries() > 0;
    auto cmds = transaction_commands(settings_.key_prefix, target, next, std::move(alerts), claim);
    auto results = co_await commit_conn_.pipeline(std::move(cmds), timeout_);
    for (auto& r : results) {
        if (r.ok()) continue;
        // Whether EXEC ran is unknown: the caller polls again, and diffs against whatever is stored.
        if (r.failure.find("outcome unknown") != std::string::npos) commit_conn_.disconnect();
        throw std::runtime_error("Redis commit: " + r.failure);
    }
    const redis_reply& exec = results.back().reply;
    // EXECABORT: a command was refused while queued (Redis out of memory, say); nothing ran.
    if (exec.kind == redis_reply::type::error) throw std::runtime_error("Redis commit: " + exec.str);
    co_return transaction_outcome_of(exec, claiming);
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

net::awaitable<redis_reply> redis_store::run_transaction(std::vector<std::vector<std::string>> commands, const char* what) {
    if (std::any_of(commands.begin(), commands.end(), [](const std::vector<std::string>& c) { return c.empty(); })) {
        throw std::runtime_error(std::string("Redis ") + what + ": an empty command");
    }
    resp_commands encoded = resp_of(commands);
    co_return co_await run_transaction(std::move(encoded), what);
}

net::awaitable<redis_reply> redis_store::run_transaction(resp_commands commands, const char* what) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto r = check(co_await conn_.transaction(std::move(commands), timeout_ * 4), what);
    // Each command ran on its own: one that failed (a key of the wrong type, say) does not stop the
    // others, but the caller must know, and tries again.
    for (const auto& e : r.reply.elements) {
        if (e.kind == redis_reply::type::error) throw std::runtime_error(std::string("Redis ") + what + ": " + e.str);
    }
    co_return std::move(r.reply);
}

net::awaitable<std::vector<redis_reply>> redis_store::run_pipeline(std::vector<std::vector<std::string>> commands,
                                                                   const char* what) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto results = co_await conn_.pipeline(std::move(commands), timeout_ * 4);
    co_return replies_of(std::move(results), what);
}

net::awaitable<std::vector<redis_reply>> redis_store::run_pipeline(resp_commands commands, const char* what) {
    if (!co_await ensure_ready()) throw std::runtime_error("Redis is not reachable");
    auto results = co_await conn_.pipeline(std::move(commands), timeout_ * 4);
    co_return replies_of(std::move(results), what);
}

net::awaitable<std::vector<redis_reply>> redis_store::run_reads(resp_commands commands, const char* what) {
    if (!watched_ || !commit_conn_.connected()) co_return co_await run_pipeline(std::move(commands), what);
    auto results = co_await commit_conn_.pipeline_with_next(std::move(commands), timeout_ * 4);
    co_return replies_of(std::move(results), what);
}

std::vector<redis_reply> redis_store::replies_of(std::vector<redis_result> results, const char* what) {
    std::vector<redis_reply> out;
    out.reserve(results.size());
    for (auto& r : results) out.push_back(std::move(check(std::move(r), what).reply));
    return out;
}

}  // namespace cowin::state
