#include "poll/poller.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>

#include "config/duration.hpp"
#include "cowin/classify.hpp"
#include "cowin/request.hpp"
#include "util/text.hpp"

namespace cowin::poll {

namespace net = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

std::vector<std::pair<target_key, int>> targets_of(const config::config& c) {
    std::map<target_key, int> wanted;
    for (auto d : c.poll.districts) wanted.try_emplace({target_key::kind::district, d, 0}, 0);
    for (const auto& s : c.subscriptions) {
        if (s.district_id) ++wanted[{target_key::kind::district, *s.district_id, 0}];
        if (s.pincode) ++wanted[{target_key::kind::pincode, std::stoll(*s.pincode), 0}];
    }
    return {wanted.begin(), wanted.end()};
}

std::vector<std::pair<target_key, int>> targets_of(const config::config& c, const subs::index& subscriptions) {
    std::map<target_key, int> wanted;
    for (auto d : c.poll.districts) wanted.try_emplace({target_key::kind::district, d, 0}, 0);
    for (auto [d, n] : subscriptions.district_counts()) wanted[{target_key::kind::district, d, 0}] += n;
    for (auto [p, n] : subscriptions.pincode_counts()) wanted[{target_key::kind::pincode, p, 0}] += n;
    return {wanted.begin(), wanted.end()};
}

namespace {
api::endpoint endpoint_of(const target_key&) { return api::endpoint::calendar; }
}  // namespace

poller::poller(const config::config& c, http::client& client, state::store& store, const log::logger& log)
    : cowin_(c.cowin),
      client_(client),
      store_(store),
      log_(log),
      scheduler_({c.poll.min_interval, c.poll.weighting == config::poll_weighting::subscribers, c.cowin.weeks_ahead}),
      budget_(c.cowin.rate_limit.calls, c.cowin.rate_limit.period),
      block_backoff_(c.cowin.block_backoff) {
    scheduler_.set_targets(targets_of(c));
}

void poller::reconfigure(const config::config& c) {
    cowin_ = c.cowin;
    scheduler_.reconfigure({c.poll.min_interval, c.poll.weighting == config::poll_weighting::subscribers, c.cowin.weeks_ahead});
    budget_.reconfigure(c.cowin.rate_limit.calls, c.cowin.rate_limit.period);
    block_backoff_ = c.cowin.block_backoff;
    if (wake_) wake_->cancel();  // the next call may now be due sooner
}

void poller::stop() {
    stopping_ = true;
    if (wake_) wake_->cancel();
}

// Duties, each iteration: wait for the budget and the stalest eligible target; spend one call on it;
// classify the answer (blocked pauses every call, a bad request parks the target, anything transient
// backs off only that target); parse, diff and store a good answer; log one line per poll.
net::awaitable<void> poller::run() {
    wake_ = std::make_unique<net::steady_timer>(co_await net::this_coro::executor);
    bool budget_restored = false;
    while (!stopping_) {
        if (!budget_restored && co_await store_.ensure_ready()) {
            // Calls made before a restart still count against CoWIN's window.
            try {
                budget_.restore(co_await store_.load_call_times(), clock::now());
                decode_locations(co_await store_.load_value("locations"), pin_districts_, district_ids_);
                budget_restored = true;
                update_coverage();
                if (budget_.used(clock::now()) > 0) {
                    log_.info("budget: calls made before this start, still in CoWIN's window: ",
                              budget_.used(clock::now()), " of ", budget_.calls());
                }
            } catch (const std::exception& e) {
                log_.warning("Failed to read the budget's call history: ", e.what());
            }
        }
        const auto now = clock::now();
        const auto due = std::max(budget_.next_allowed(), scheduler_.next_due(now));
        if (due > now) {
            // Capped so a target-set change or a clock jump is noticed within a second.
            wake_->expires_after(std::min<std::chrono::steady_clock::duration>(due - now, 1s));
            co_await wake_->async_wait(net::as_tuple(net::use_awaitable));
            continue;
        }
        if (!co_await store_.ensure_ready()) {
            // No state, no poll: spending budget on answers that cannot be stored helps nobody.
            wake_->expires_after(500ms);
            co_await wake_->async_wait(net::as_tuple(net::use_awaitable));
            continue;
        }
        auto k = scheduler_.next(now);
        if (!k) {
            wake_->expires_after(1s);
            co_await wake_->async_wait(net::as_tuple(net::use_awaitable));
            continue;
        }
        if (!budget_restored) {
            // Not a single call before the history is known: a restart must not overspend.
            wake_->expires_after(500ms);
            co_await wake_->async_wait(net::as_tuple(net::use_awaitable));
            continue;
        }
        budget_.spend(now);
        scheduler_.attempted(*k, now);
        try {
            co_await store_.save_call_times(budget_.history());
        } catch (const std::exception& e) {
            log_.warning("Failed to save the budget's call history: ", e.what());
        }
        poll_outcome out;
        try {
            out = co_await poll_once(*k);
        } catch (const std::exception& e) {
            out.target = *k;
            out.result = std::string("internal error: ") + e.what();
            scheduler_.failed(*k, clock::now(), failure_backoff(1, 0.5), out.result);
        }
        ++polls_;
        log_.info("poll ", k->str(), ": ", out.result, ", http ", out.status, ", ", out.bytes, " bytes, ", out.sessions,
                  " sessions, ", out.transitions, " transitions, ", out.alerts, " alerts, ", out.took.count(), " ms; budget ",
                  budget_.used(clock::now()), "/", budget_.calls());
        if (on_poll) on_poll(out);
    }
}

net::awaitable<poll_outcome> poller::poll_once(const target_key& k) {
    const auto started = std::chrono::steady_clock::now();
    poll_outcome out;
    out.target = k;
    const auto now = clock::now();
    const std::string url = api::calendar_url(cowin_.base_url, k, api::india_date(now));
    // The stored snapshot is read while CoWIN answers: its round trip to Redis (and its decoding)
    // leaves the path from the answer to the alerts.
    auto both = co_await (fetch(url, &out) && load_previous(k.store_key()));
    http::response r = std::move(std::get<0>(both));
    loaded_snapshot loaded = std::move(std::get<1>(both));
    auto finish = [&] {
        out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        return out;
    };
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    if (!r.ok()) {
        out.result = std::string(http::to_string(r.error)) + ": " + r.error_text;
        const target_state* t = scheduler_.find(k);
        scheduler_.failed(k, now, failure_backoff(t ? t->failures + 1 : 1, jitter(rng_)), out.result);
        co_return finish();
    }
    out.status = r.status;
    out.bytes = r.wire_bytes;
    const api::answer_class c = api::classify(r.status, r.body, r.header("retry-after"));
    switch (c.what) {
        case api::answer_class::kind::blocked: {
            // Every call pauses: block_backoff doubling to its max, or what Retry-After says.
            auto pause = block_backoff_;
            for (int i = 0; i < blocks_in_a_row_ && pause < cowin_.block_backoff_max; ++i) pause *= 2;
            pause = std::min(pause, cowin_.block_backoff_max);
            if (c.retry_after) pause = std::max<std::chrono::milliseconds>(pause, *c.retry_after);
            ++blocks_in_a_row_;
            budget_.block_until(now + pause);
            out.paused = pause;
            scheduler_.failed(k, now, 0ms, "blocked");
            out.result = "blocked (" + c.reason + "); every call paused for " + config::format_duration(pause);
            const api::block_context why{budget_.used(now), budget_.calls(), cowin_.user_agent, ever_succeeded_};
            log_.warning("CoWIN blocked the poll of ", k.str(), ": ", c.reason, "; ", api::likely_block_cause(c, why),
                         "; pausing every call for ", config::format_duration(pause));
            co_return finish();
        }
        case api::answer_class::kind::misconfigured:
            scheduler_.park(k, c.reason);
            out.result = "refused by CoWIN (" + c.reason + "); target parked";
            log_.error("CoWIN refused the poll of ", k.str(), ": ", c.reason, "; not polling it again until the config changes");
            co_return finish();
        case api::answer_class::kind::transient: {
            const target_state* t = scheduler_.find(k);
            scheduler_.failed(k, now, failure_backoff(t ? t->failures + 1 : 1, jitter(rng_)), c.reason);
            out.result = c.reason;
            co_return finish();
        }
        case api::answer_class::kind::ok: break;
    }
    blocks_in_a_row_ = 0;
    ever_succeeded_ = true;

    const std::string key = k.store_key();
    if (!loaded.failure.empty()) throw std::runtime_error(loaded.failure);
    std::optional<state::stored_snapshot>& previous = loaded.snap;
    const std::uint64_t fp = api::fingerprint(r.body);
    const std::uint64_t expected = previous ? previous->snap.fingerprint : 0;
    if (previous && previous->snap.fingerprint == fp) {
        // The CDN's cached copy: nothing can have changed; no parse.
        scheduler_.succeeded(k, now);
        out.result = "unchanged";
        out.sessions = previous->snap.sessions.size();
        co_return finish();
    }
    if (auto err = parser_.parse_padded(endpoint_of(k), r.body)) {
        // Dropped whole: a broken response must never read as "every session closed".
        const target_state* t = scheduler_.find(k);
        scheduler_.failed(k, now, failure_backoff(t ? t->failures + 1 : 1, jitter(rng_)), "parse error " + err->str());
        out.result = "unparsable response dropped: " + err->str();
        co_return finish();
    }
    state::stored_snapshot next;
    next.polled_at = now;
    api::make_snapshot(parser_.view(), fp, next.snap);
    transitions_.clear();
    static const api::snapshot empty;
    api::diff(previous ? previous->snap : empty, next.snap, transitions_, scratch_);
    out.sessions = next.snap.sessions.size();
    out.transitions = transitions_.size();
    for (const auto& t : transitions_) {
        ++(t.what == api::transition::kind::appeared      ? out.appeared
           : t.what == api::transition::kind::disappeared ? out.disappeared
                                                          : out.changed);
    }
    std::vector<subs::alert_draft> alerts;
    if (match && !transitions_.empty()) {
        subs::poll_result p;
        p.type = k.type == target_key::kind::district ? subs::poll_result::kind::district : subs::poll_result::kind::pincode;
        p.id = k.id;
        p.before = previous ? &previous->snap : nullptr;
        p.after = &next.snap;
        p.transitions = transitions_;
        p.today = api::india_date(now);
        p.covered = [this](std::int64_t pin) { return covered(pin); };
        match(p, now, alerts);
    }
    if (log_.enabled(log::level::debug)) log_transitions(k, previous ? previous->snap : empty, next.snap, transitions_);
    if (learn_locations(k)) {
        try {
            co_await store_.save_value("locations", encode_locations(pin_districts_, district_ids_));
        } catch (const std::exception& e) {
            log_.warning("Failed to save what was learned about pincodes: ", e.what());
        }
    }
    std::vector<std::string> entries;
    if (to_outbox && !alerts.empty()) entries = to_outbox(alerts);
    state::outbox_claim claim_now;
    if (on_claimed && !entries.empty()) claim_now = claim;
    if (before_commit && !alerts.empty()) before_commit(alerts);
    state::commit_outcome committed =
        co_await store_.commit_with_alerts(key, expected, std::move(next), std::move(entries), std::move(claim_now));
    if (!committed.stored) {
        out.result = "superseded by another writer; will poll again";
        co_return finish();
    }
    scheduler_.succeeded(k, now);
    out.result = "ok";
    out.alerts = alerts.size();
    // Delivery first: everything else here can wait the few microseconds it takes to start.
    if (!committed.claimed.empty()) on_claimed(std::move(committed.claimed));
    if (!alerts.empty() && on_alerts) on_alerts(std::move(alerts));
    co_return finish();
}

net::awaitable<http::response> poller::fetch(std::string url, poll_outcome* out) {
    http::response r = co_await client_.get(std::move(url), api::request_headers(cowin_));
    if (r.ok()) out->answered = r.received;
    co_return r;
}

net::awaitable<poller::loaded_snapshot> poller::load_previous(std::string key) {
    loaded_snapshot out;
    try {
        out.snap = co_await store_.load_for_commit(std::move(key));
    } catch (const std::exception& e) {
        out.failure = e.what();
    }
    co_return out;
}

void poller::set_targets(const std::vector<std::pair<target_key, int>>& targets) {
    scheduler_.set_targets(targets);
    update_coverage();
    if (wake_) wake_->cancel();
}

// Called per transition while matching: covered_ is sorted (covered_pincodes() walks a std::map).
bool poller::covered(std::int64_t pincode) const {
    return std::binary_search(covered_.begin(), covered_.end(), pincode);
}

std::vector<std::string> poller::sources_of(const config::subscription& s) const {
    std::vector<target_key> bases;
    if (s.district_id) {
        bases.push_back({target_key::kind::district, *s.district_id, 0});
    } else {
        const std::int64_t pin = std::stoll(*s.pincode);
        auto names = pin_districts_.find(pin);
        if (covered(pin) && names != pin_districts_.end()) {
            for (const auto& name : names->second) bases.push_back({target_key::kind::district, district_ids_.at(name), 0});
        } else {
            bases.push_back({target_key::kind::pincode, pin, 0});
        }
    }
    std::vector<std::string> out;
    for (auto b : bases) {
        for (int week = 0; week < cowin_.weeks_ahead; ++week) {
            b.week = week;
            out.push_back(b.store_key());
        }
    }
    return out;
}

bool poller::learn_locations(const target_key& k) {
    const api::response_view& v = parser_.view();
    bool changed = false;
    if (k.type == target_key::kind::district) {
        for (const auto& c : v.centers) {
            std::string name(util::trim_spaces(c.district_name));
            if (name.empty()) continue;
            auto [it, inserted] = district_ids_.try_emplace(name, k.id);
            changed = changed || inserted || it->second != k.id;
            it->second = k.id;
        }
    } else if (k.week == 0) {
        std::vector<std::string> names;
        for (const auto& c : v.centers) {
            std::string name(util::trim_spaces(c.district_name));
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
        changed = pin_districts_[k.id] != names;
        pin_districts_[k.id] = names;
    }
    update_coverage();
    return changed;
}

void poller::update_coverage() {
    std::vector<std::int64_t> polled;
    for (const auto& [key, t] : scheduler_.targets()) {
        if (key.type == target_key::kind::district) polled.push_back(key.id);
    }
    const auto covered = covered_pincodes(pin_districts_, district_ids_, polled);
    for (auto pin : covered) {
        if (std::find(covered_.begin(), covered_.end(), pin) == covered_.end()) {
            log_.info("pincode ", pin, ": every centre lies in a polled district; its own calendar is now fetched hourly");
        }
    }
    for (auto pin : covered_) {
        if (std::find(covered.begin(), covered.end(), pin) == covered.end()) {
            log_.info("pincode ", pin, ": has a centre outside the polled districts; polled on its own again");
            scheduler_.set_covered(pin, false);
        }
    }
    for (auto pin : covered) scheduler_.set_covered(pin, true, clock::now());
    covered_ = covered;
}

void poller::log_transitions(const target_key& k, const api::snapshot& before, const api::snapshot& after,
                             const std::vector<api::transition>& ts) const {
    auto caps = [](const api::capacities& c) {
        auto v = [](std::int32_t n) { return n == api::capacities::unknown ? std::string("?") : std::to_string(n); };
        return v(c.total) + " (dose1 " + v(c.dose1) + ", dose2 " + v(c.dose2) + ")";
    };
    for (const auto& t : ts) {
        const api::session_state& s = t.after != api::transition::none ? after.sessions[t.after] : before.sessions[t.before];
        const std::string what = t.what == api::transition::kind::appeared      ? "appeared"
                                 : t.what == api::transition::kind::disappeared ? "disappeared"
                                                                                : "changed";
        std::string line = k.str() + ": session " + std::to_string(s.key) + " at centre " + std::to_string(s.center_id) +
                           " on " + api::to_iso(s.date) + " " + what;
        if (s.detail != api::session_state::no_detail && t.after != api::transition::none) {
            line += " [" + after.details[s.detail].session_id + "]";
        }
        if (t.before != api::transition::none) line += ", was " + caps(before.sessions[t.before].cap);
        if (t.after != api::transition::none) line += ", now " + caps(after.sessions[t.after].cap);
        log_.debug(line);
    }
}

}  // namespace cowin::poll
