#include "admin/status.hpp"

#include "subs/record.hpp"
#include "util/json_writer.hpp"
#include "version.hpp"

namespace cowin::admin {

namespace {
void time_or_null(util::json_writer& w, std::string_view key, poll::clock::time_point t) {
    w.key(key);
    if (t == poll::clock::time_point{}) {
        w.null();
    } else {
        w.value(subs::iso_time(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()));
    }
}
}  // namespace

std::string status_json(const poll::poller& p, std::size_t subscriptions, bool store_ready,
                        delivery::outbox_depth outbox) {
    const auto now = poll::clock::now();
    util::json_writer w;
    w.begin_object().key("version").value(cowin::version).key("state_store_ready").value(store_ready);
    w.key("polls").value(p.polls()).key("subscriptions").value(static_cast<std::int64_t>(subscriptions));
    const auto& b = p.spent();
    w.key("budget").begin_object().key("used").value(b.used(now)).key("calls").value(b.calls());
    w.key("period_ms").value(static_cast<std::int64_t>(b.period().count()));
    time_or_null(w, "blocked_until", b.blocked_until() > now ? b.blocked_until() : poll::clock::time_point{});
    w.end_object();
    w.key("targets").begin_array();
    for (const auto& [k, t] : p.schedule().targets()) {
        w.begin_object().key("target").value(k.str()).key("subscribers").value(t.subscribers);
        time_or_null(w, "last_attempt", t.last_attempt);
        time_or_null(w, "last_success", t.last_success);
        w.key("last_result").value(t.last_result).key("failures").value(t.failures);
        w.key("covered").value(t.covered).key("parked").value(t.parked);
        time_or_null(w, "next_due", p.schedule().due_at(t, now));
        w.end_object();
    }
    w.end_array();
    w.key("outbox").begin_object().key("depth").value(outbox.waiting);
    w.key("oldest_pending_ms").value(outbox.oldest_pending_ms);
    w.key("dead_letters").value(outbox.dead).end_object();
    w.end_object();
    return w.take();
}

}  // namespace cowin::admin
