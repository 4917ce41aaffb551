#include "subs/service.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "cowin/request.hpp"
#include "cowin/vaccine.hpp"
#include "util/json_writer.hpp"

namespace cowin::subs {

namespace net = boost::asio;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {
bool same_wish(const config::subscription& a, const config::subscription& b) {
    record x{a, origin::config, 0, 0, true, {}}, y{b, origin::config, 0, 0, true, {}};
    return to_json(x, secrets::reveal) == to_json(y, secrets::reveal);
}
}  // namespace

std::vector<std::string> service::sources_of(const config::subscription& s) const {
    if (sources) return sources(s);
    std::vector<std::string> out;
    for (int week = 0; week < weeks_ahead_; ++week) {
        out.push_back((s.district_id ? "district:" + std::to_string(*s.district_id) : "pincode:" + *s.pincode) + ":" +
                      std::to_string(week));
    }
    return out;
}

net::awaitable<void> service::load(std::vector<config::subscription> statics) {
    std::size_t skipped = 0;
    // Sized once: a million ids rehashed twenty times over would double the start time.
    index_.begin_bulk(co_await repo_.count());
    co_await repo_.load_all(
        [&](index_entry&& e) {
            if (e.from == origin::config) config_ids_.insert(e.id);
            index_.upsert(e);
        },
        skipped);
    index_.finish_bulk();
    if (skipped > 0) log_.warning(skipped, " stored subscriptions do not decode and were skipped");
    log_.info("subscriptions: ", index_.size(), " loaded");
    co_await sync_config(std::move(statics));
}

net::awaitable<void> service::sync_config(std::vector<config::subscription> statics) {
    std::set<std::string> wanted;
    int added = 0, changed = 0, removed = 0;
    for (const auto& s : statics) {
        wanted.insert(s.id);
        auto kept = co_await repo_.get(s.id);
        if (kept && same_wish(kept->sub, s) && kept->from == origin::config) continue;
        record r;
        r.sub = s;
        r.from = origin::config;
        r.created_ms = kept ? kept->created_ms : now_ms();
        r.updated_ms = now_ms();
        // A subscription the receiver disowned stays off until its wish changes.
        r.active = kept && same_wish(kept->sub, s) ? kept->active : true;
        r.inactive_reason = r.active ? "" : kept->inactive_reason;
        std::optional<config::subscription> previous;
        if (kept) previous = kept->sub;
        ++(kept ? changed : added);
        co_await upsert(std::move(r), true, previous);
        config_ids_.insert(s.id);
    }
    for (auto it = config_ids_.begin(); it != config_ids_.end();) {
        if (wanted.count(*it) != 0) {
            ++it;
            continue;
        }
        co_await repo_.remove(*it);
        index_.remove(*it);
        ++removed;
        it = config_ids_.erase(it);
    }
    if (added + changed + removed > 0) {
        log_.info("subscriptions from the config: ", added, " added, ", changed, " changed, ", removed, " removed");
        if (on_targets_changed) on_targets_changed();
    }
}

net::awaitable<void> service::upsert(record r, bool tell, const std::optional<config::subscription>& previous) {
    config::subscription s = r.sub;
    const bool active = r.active;
    co_await repo_.put(std::move(r));
    const std::uint32_t slot = index_.upsert(s, active);
    if (tell && active) co_await tell_once(s, slot, previous);
}

net::awaitable<std::pair<record, service::create_error>> service::create(config::subscription s, origin from) {
    if (s.id.empty()) {
        do s.id = generate_id();
        while (index_.find(s.id));
    } else if (index_.find(s.id)) {
        auto kept = co_await repo_.get(s.id);
        co_return std::pair{kept.value_or(record{}), create_error::exists};
    }
    record r;
    r.sub = std::move(s);
    r.from = from;
    r.created_ms = r.updated_ms = now_ms();
    record copy = r;
    const bool new_target = !index_.watches(
        r.sub.district_id, r.sub.pincode ? std::optional<std::int64_t>(std::stoll(*r.sub.pincode)) : std::nullopt);
    co_await upsert(std::move(r), true, std::nullopt);
    if (from == origin::config) config_ids_.insert(copy.sub.id);
    if (new_target && on_targets_changed) on_targets_changed();
    co_return std::pair{std::move(copy), create_error::none};
}

net::awaitable<service::remove_result> service::remove(std::string id) {
    if (config_ids_.count(id) != 0) co_return remove_result::from_config;
    const bool kept = co_await repo_.remove(id);
    const bool indexed = index_.remove(id);
    if (!kept && !indexed) co_return remove_result::not_found;
    if (on_targets_changed) on_targets_changed();
    co_return remove_result::removed;
}

net::awaitable<std::optional<record>> service::get(std::string id) { co_return co_await repo_.get(std::move(id)); }

net::awaitable<std::vector<std::optional<record>>> service::get_many(std::vector<std::string> ids) {
    co_return co_await repo_.get_many(std::move(ids));
}

net::awaitable<service::page> service::list(std::optional<std::int64_t> district, std::optional<std::int64_t> pincode,
                                            std::uint32_t cursor, std::size_t limit) {
    page p;
    const auto slots = index_.list(district, pincode, cursor, limit, p.next);
    std::vector<std::string> ids;
    ids.reserve(slots.size());
    for (auto s : slots) ids.emplace_back(index_.id_of(s));
    for (auto& r : co_await repo_.get_many(std::move(ids))) {
        if (r) p.items.push_back(std::move(*r));
    }
    co_return p;
}

net::awaitable<void> service::deactivate(std::string id, std::string reason) {
    auto kept = co_await repo_.get(id);
    if (!kept || !kept->active) co_return;
    kept->active = false;
    kept->inactive_reason = std::move(reason);
    kept->updated_ms = now_ms();
    log_.notice("subscription ", id, " deactivated: ", kept->inactive_reason);
    co_await repo_.put(*kept);
    if (auto slot = index_.find(id)) index_.set_active(*slot, false);
}

net::awaitable<void> service::tell_once(const config::subscription& s, std::uint32_t slot,
                                        const std::optional<config::subscription>& previous) {
    auto pool = std::make_shared<std::vector<api::session_detail>>();
    alert_draft draft;
    draft.subscription_id = s.id;
    draft.slot = slot;
    draft.by_pincode = !s.district_id.has_value();
    draft.target_id = s.district_id ? *s.district_id : std::stoll(*s.pincode);
    const auto now = std::chrono::system_clock::now();
    const api::civil_date today = api::india_date(now);
    std::optional<filter> old;
    if (previous) old = make_filter(*previous, slot);
    for (const auto& key : sources_of(s)) {
        auto stored = co_await store_.load(key);
        if (!stored) continue;
        std::vector<std::uint32_t> open_now;
        // Looked up again after the await: the index may have changed meanwhile.
        auto current = index_.find(s.id);
        if (!current || *current != slot) co_return;
        index_.open_sessions(slot, stored->snap, today, open_now);
        for (auto i : open_now) {
            const auto& session = stored->snap.sessions[i];
            if (old && subs::open(*old, session, today, previous->center_ids)) continue;
            if (session.detail == api::session_state::no_detail) continue;
            draft.fetched_at = std::max(draft.fetched_at, stored->polled_at);
            pool->push_back(stored->snap.details[session.detail]);
            draft.sessions.push_back(static_cast<std::uint32_t>(pool->size() - 1));
        }
    }
    if (draft.sessions.empty()) co_return;
    draft.detected_at = now;
    draft.pool = std::move(pool);
    log_.info("subscription ", s.id, ": ", draft.sessions.size(), " sessions already open; telling it once");
    std::vector<alert_draft> out;
    out.push_back(std::move(draft));
    if (on_alerts) on_alerts(std::move(out));
}

void service::match(const poll_result& p, std::chrono::system_clock::time_point fetched_at,
                    std::vector<alert_draft>& out) const {
    std::vector<subs::match> found;
    index_.match_poll(p, found);
    if (found.empty()) return;
    auto pool = std::make_shared<std::vector<api::session_detail>>();
    const std::size_t first_new = out.size();
    std::map<std::uint32_t, std::uint32_t> pooled;  // session index -> pool index
    const auto now = std::chrono::system_clock::now();
    for (std::size_t i = 0; i < found.size();) {
        alert_draft d;
        d.slot = found[i].slot;
        d.subscription_id = std::string(index_.id_of(d.slot));
        d.by_pincode = p.type == poll_result::kind::pincode;
        d.target_id = p.id;
        d.fetched_at = fetched_at;
        d.detected_at = now;
        for (; i < found.size() && found[i].slot == d.slot; ++i) {
            const auto& session = p.after->sessions[found[i].session];
            if (session.detail == api::session_state::no_detail) continue;  // cannot be: open needs capacity
            auto [it, fresh] = pooled.try_emplace(found[i].session, static_cast<std::uint32_t>(pool->size()));
            if (fresh) pool->push_back(p.after->details[session.detail]);
            d.sessions.push_back(it->second);
        }
        if (!d.sessions.empty()) out.push_back(std::move(d));
    }
    for (std::size_t i = first_new; i < out.size(); ++i) out[i].pool = pool;
}

net::awaitable<std::optional<std::string>> service::explain(std::string id, api::civil_date today) {
    auto kept = co_await repo_.get(id);
    if (!kept) co_return std::nullopt;
    const config::subscription& s = kept->sub;
    util::json_writer w;
    w.begin_object().key("subscription_id").value(s.id).key("today").value(api::to_iso(today));
    w.key("active").value(kept->active);
    if (!kept->active) w.key("inactive_reason").value(kept->inactive_reason);
    int seen = 0, open_count = 0;
    w.key("polls").begin_array();
    for (const auto& key : sources_of(s)) {
        auto stored = co_await store_.load(key);
        w.begin_object().key("snapshot").value(key);
        if (!stored) {
            w.key("polled_at").null().key("note").value("not polled yet").key("sessions").begin_array().end_array();
            w.end_object();
            continue;
        }
        w.key("polled_at").value(iso_time(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              stored->polled_at.time_since_epoch()).count()));
        w.key("sessions").begin_array();
        const std::int32_t pin = s.pincode ? static_cast<std::int32_t>(std::stol(*s.pincode)) : 0;
        for (const auto& session : stored->snap.sessions) {
            if (pin != 0 && session.pincode != pin) continue;  // a district's other pincodes
            ++seen;
            const auto reasons = why_not(s, session, today);
            const bool is_open = reasons.empty() && kept->active;
            open_count += is_open ? 1 : 0;
            w.begin_object();
            if (session.detail != api::session_state::no_detail) {
                const auto& d = stored->snap.details[session.detail];
                w.key("session_id").value(d.session_id).key("center_name").value(d.center_name);
            }
            w.key("center_id").value(session.center_id).key("date").value(api::to_iso(session.date));
            w.key("vaccine").value(api::to_string(session.vaccine_id));
            w.key("min_age_limit").value(static_cast<int>(session.min_age));
            if (session.max_age >= 0) w.key("max_age_limit").value(static_cast<int>(session.max_age));
            if (session.allow_all_age != api::tristate::absent) w.key("allow_all_age").value(session.allow_all_age == api::tristate::yes);
            w.key("fee_type").value(session.fee == api::fee_kind::paid ? "Paid" : session.fee == api::fee_kind::free ? "Free" : "");
            w.key("available_capacity").value(session.cap.total);
            if (session.cap.dose1 >= 0) w.key("available_capacity_dose1").value(session.cap.dose1);
            if (session.cap.dose2 >= 0) w.key("available_capacity_dose2").value(session.cap.dose2);
            w.key("open").value(is_open);
            w.key("why_not").begin_array();
            for (const auto& r : reasons) w.value(r);
            if (reasons.empty() && !kept->active) w.value("the subscription is inactive: " + kept->inactive_reason);
            w.end_array().end_object();
        }
        w.end_array().end_object();
    }
    w.end_array();
    w.key("sessions_seen").value(seen).key("sessions_open").value(open_count);
    w.end_object();
    co_return w.take();
}

}  // namespace cowin::subs
