#include <algorithm>
#include <cstdlib>

#include "delivery/outbox.hpp"
#include "state/store.hpp"

namespace cowin::delivery {

namespace net = boost::asio;

net::awaitable<void> memory_outbox::add(std::vector<std::string> blobs) {
    for (auto& b : blobs) log_.add(std::move(b));
    co_return;
}

net::awaitable<std::vector<taken>> memory_outbox::take(std::string, int count) {
    std::vector<taken> out;
    while (!log_.entries.empty() && static_cast<int>(out.size()) < count) {
        auto [id, blob] = std::move(log_.entries.front());
        log_.entries.pop_front();
        const std::string entry = std::to_string(id);
        taken_[entry] = blob;
        taken t;
        t.entry_id = entry;
        t.blob = std::move(blob);
        out.push_back(std::move(t));
    }
    co_return out;
}

void memory_outbox::settled(const std::string& entry_id) {
    taken_.erase(entry_id);
    log_.added_ms.erase(std::strtoull(entry_id.c_str(), nullptr, 10));
}

void memory_outbox::note(audit_record r) {
    r.cursor = std::to_string(++audit_seq_);
    if (!r.alert_id.empty()) per_alert_[r.alert_id].push_back(r);
    audit_.push_back(std::move(r));
    while (audit_.size() > audit_max_) audit_.pop_front();
}

net::awaitable<void> memory_outbox::done(entry_part at, audit_record n) {
    settled(at.entry_id);
    note(std::move(n));
    co_return;
}

net::awaitable<void> memory_outbox::later(entry_part at, std::string blob, std::int64_t due_ms, audit_record n) {
    settled(at.entry_id);
    retry_.emplace(due_ms, std::move(blob));
    note(std::move(n));
    co_return;
}

net::awaitable<void> memory_outbox::dead(entry_part at, std::string blob, std::string reason, audit_record n) {
    settled(at.entry_id);
    dead_.emplace_back(std::move(blob), std::move(reason));
    note(std::move(n));
    co_return;
}

net::awaitable<int> memory_outbox::promote(std::int64_t now_ms) {
    int n = 0;
    while (!retry_.empty() && retry_.begin()->first <= now_ms) {
        log_.add(std::move(retry_.begin()->second));
        retry_.erase(retry_.begin());
        ++n;
    }
    co_return n;
}

net::awaitable<std::vector<audit_record>> memory_outbox::audit_since(std::int64_t since_ms, std::string after, int count) {
    std::vector<audit_record> out;
    const std::uint64_t after_seq = after.empty() ? 0 : std::strtoull(after.c_str(), nullptr, 10);
    for (const auto& r : audit_) {
        if (r.at_ms < since_ms || std::strtoull(r.cursor.c_str(), nullptr, 10) <= after_seq) continue;
        if (static_cast<int>(out.size()) == count) break;
        out.push_back(r);
    }
    co_return out;
}

net::awaitable<std::vector<audit_record>> memory_outbox::attempts_of(std::string alert_id) {
    auto it = per_alert_.find(alert_id);
    co_return it == per_alert_.end() ? std::vector<audit_record>{} : it->second;
}

net::awaitable<outbox_depth> memory_outbox::depth() {
    outbox_depth d;
    d.waiting = static_cast<std::int64_t>(log_.entries.size() + taken_.size() + retry_.size());
    d.dead = static_cast<std::int64_t>(dead_.size());
    if (!log_.added_ms.empty()) d.oldest_pending_ms = std::max<std::int64_t>(0, state::memory_outbox_log::clock_ms() - log_.added_ms.begin()->second);
    co_return d;
}

net::awaitable<std::vector<std::pair<std::string, std::string>>> memory_outbox::dead_letters(int count) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& d : dead_) {
        if (static_cast<int>(out.size()) == count) break;
        out.push_back(d);
    }
    co_return out;
}

}  // namespace cowin::delivery
