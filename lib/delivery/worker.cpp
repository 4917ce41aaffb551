#include "delivery/worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <signal.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <iterator>
#include <set>
#include <utility>

#include "subs/record.hpp"

namespace cowin::delivery {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {
std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Each channel's label set, made once: the counters are touched for every delivery.
const std::string& labels_of(channel c) {
    static_assert(static_cast<int>(channel::log) == 3, "one label set per channel: a new channel needs its own here");
    static const std::array<std::string, 4> made = [] {
        std::array<std::string, 4> out;
        for (auto ch : {channel::webhook, channel::telegram, channel::sms, channel::log}) {
            out[static_cast<std::size_t>(ch)] = metrics::labels({{"channel", to_string(ch)}});
        }
        return out;
    }();
    return made[static_cast<std::size_t>(c)];
}
}  // namespace

worker::worker(outbox& box, subs::service& subscriptions, senders& send, worker_settings s, const log::logger& log,
               metrics::registry& metrics)
    : box_(box), subs_(subscriptions), send_(send), settings_(std::move(s)), log_(log), metrics_(metrics) {}

std::optional<std::chrono::milliseconds> worker::next_delay(const std::vector<std::chrono::milliseconds>& schedule,
                                                            int attempts_made,
                                                            std::optional<std::chrono::milliseconds> retry_after,
                                                            double unit_random) {
    if (attempts_made < 1 || attempts_made > static_cast<int>(schedule.size())) return std::nullopt;
    const auto step = schedule[static_cast<std::size_t>(attempts_made - 1)];
    auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(step.count()) * (0.9 + 0.2 * unit_random)));
    if (retry_after) delay = std::max(delay, *retry_after);
    return delay;
}

// A consumer of this pid table (everything before the pid as in our own name: see consumer_name), of
// another pid, and no such process: it crashed or was restarted, and its alerts need not wait
// reclaim_after. Any other consumer is judged by idle time alone.
bool worker::gone_locally(const std::string& name) const {
    const auto colon = name.rfind(':');
    const auto own = settings_.consumer.rfind(':');
    if (colon == std::string::npos || own == std::string::npos || name == settings_.consumer) return false;
    if (name.compare(0, colon, settings_.consumer, 0, own) != 0 || colon != own) return false;
    long pid = 0;
    const char* first = name.data() + colon + 1;
    auto [end, ec] = std::from_chars(first, name.data() + name.size(), pid);
    if (ec != std::errc{} || end != name.data() + name.size() || pid <= 0) return false;
    return ::kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH;
}

void worker::stop() {
    stopping_ = true;
    if (tick_) tick_->cancel();
    // Attempts still waiting for a slot at their host have sent nothing: they end now, unacknowledged,
    // and the next start delivers them.
    for (auto& [host, h] : hosts_) {
        auto waiting = std::move(h.waiting);
        h.waiting.clear();
        for (auto* w : waiting) w->cancel();
    }
}

void worker::wake() {
    woken_ = true;
    if (tick_) tick_->cancel();
}

struct worker::prefetched {
    explicit prefetched(net::any_io_executor ex) : done(std::move(ex), std::chrono::steady_clock::time_point::max()) {}
    std::vector<std::string> ids;
    std::vector<std::optional<subs::record>> records;  ///< empty when the read failed
    std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
    bool ready = false;
    net::steady_timer done;  ///< cancelled when ready
};

void worker::prefetch(std::vector<std::string> subscription_ids) {
    if (!tick_ || stopping_ || subscription_ids.empty()) return;
    auto ex = tick_->get_executor();
    prefetched_ = std::make_shared<prefetched>(ex);
    prefetched_->ids = std::move(subscription_ids);
    net::co_spawn(ex, read_ahead(prefetched_), net::detached);
}

net::awaitable<void> worker::read_ahead(std::shared_ptr<prefetched> p) {
    try {
        p->records = co_await subs_.get_many(p->ids);
    } catch (const std::exception&) {
        p->records.clear();  // read again when needed, with the error reported then
    }
    p->ready = true;
    p->done.cancel();
}

net::awaitable<std::vector<std::optional<subs::record>>> worker::records_of(std::vector<std::string> ids) {
    std::vector<std::optional<subs::record>> out(ids.size());
    std::vector<bool> found(ids.size(), false);
    // A prefetch is for the batch claimed by the commit it came before: another batch (the loop's own)
    // leaves it alone unless it can use it, and one older than a second (its commit failed) is dropped.
    if (prefetched_ && std::chrono::steady_clock::now() - prefetched_->at >= 1s) prefetched_.reset();
    std::map<std::string_view, std::size_t> at;  // id -> its place in the prefetch
    if (prefetched_) {
        for (std::size_t i = 0; i < prefetched_->ids.size(); ++i) at.emplace(prefetched_->ids[i], i);
    }
    if (std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return at.count(id) > 0; })) {
        auto p = std::move(prefetched_);
        prefetched_.reset();
        if (!p->ready) co_await p->done.async_wait(net::as_tuple(net::use_awaitable));
        for (std::size_t i = 0; i < ids.size(); ++i) {
            auto it = at.find(ids[i]);
            if (it == at.end() || it->second >= p->records.size()) continue;  // none when the read failed
            out[i] = p->records[it->second];
            found[i] = true;
        }
    }
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!found[i]) missing.push_back(std::move(ids[i]));  // ids is not read again
    }
    if (missing.empty()) co_return out;
    auto read = co_await subs_.get_many(std::move(missing));
    std::size_t next = 0;
    for (std::size_t i = 0; i < ids.size() && next < read.size(); ++i) {
        if (!found[i]) out[i] = std::move(read[next++]);
    }
    co_return out;
}

void worker::deliver_claimed(std::vector<taken> entries) {
    if (!tick_ || stopping_) {
        // Not running (yet, or any more): held, so the loop starts them, or a restart takes them over.
        for (auto& t : entries) held_.push_back(std::move(t));
        return;
    }
    hold_beyond_room(entries);
    if (entries.empty()) return;
    spawn_start(std::move(entries), tick_->get_executor());
}

// Whatever would take the attempts in flight past max_in_flight waits in held_ (still this
// consumer's, kept fresh against reclaims) until settled attempts make room.
void worker::hold_beyond_room(std::vector<taken>& batch) {
    const auto room = static_cast<std::size_t>(std::max<std::int64_t>(0, room_left()));
    if (batch.size() <= room) return;
    for (auto it = batch.begin() + static_cast<std::ptrdiff_t>(room); it != batch.end(); ++it) held_.push_back(std::move(*it));
    batch.resize(room);
    starved_ = true;  // the next settled attempt wakes the loop
}

std::int64_t worker::room_left() const {
    return static_cast<std::int64_t>(settings_.max_in_flight) - static_cast<std::int64_t>(holding_.size()) -
           static_cast<std::int64_t>(starting_);
}

void worker::spawn_start(std::vector<taken> batch, net::any_io_executor ex) {
    starting_ += batch.size();
    net::co_spawn(ex, start_claimed(std::move(batch), ex), net::detached);
}

// Started on its own, so that the loop goes on taking while this batch's subscriptions are read.
// A batch that could not start (Redis away) is held for the loop, which waits a tick first.
net::awaitable<void> worker::start_claimed(std::vector<taken> batch, net::any_io_executor ex) {
    const std::size_t n = batch.size();
    auto back = co_await start(std::move(batch), ex);
    starting_ -= n;
    if (back.empty()) co_return;
    for (auto& t : back) held_.push_back(std::move(t));
    stalled_ = true;
    wake();
}

// Duties, each turn: move due retries back into the outbox (every second), take over alerts a dead
// process held (every 5 s), take new ones and start delivering each; sleep until woken or 250 ms.
net::awaitable<void> worker::run() {
    tick_ = std::make_unique<net::steady_timer>(co_await net::this_coro::executor);
    auto ex = co_await net::this_coro::executor;
    bool prepared = false;
    auto last_promote = std::chrono::steady_clock::time_point{};
    auto last_reclaim = std::chrono::steady_clock::time_point{};
    while (!stopping_) {
        // Held alerts first, as many as there is room for; the rest stay held, in order. (Moving all
        // of them out and the excess back each turn cost the fan-out a tenth of the worker's time when
        // a take of entries of 32 alerts held thousands.)
        std::vector<taken> batch;
        for (auto room = room_left(); !held_.empty() && static_cast<std::int64_t>(batch.size()) < room;) {
            batch.push_back(std::move(held_.front()));
            held_.pop_front();
        }
        try {
            if (!prepared) {
                co_await box_.prepare();
                prepared = true;
            }
            const auto now = std::chrono::steady_clock::now();
            if (now - last_promote >= 1s) {
                co_await box_.promote(now_ms());
                depth_ = co_await box_.depth();
                last_promote = now;
            }
            if (now - last_reclaim >= 5s) {
                last_reclaim = now;
                if (!holding_.empty() || !batch.empty() || !held_.empty()) {
                    std::set<std::string> ids;  // an entry of several alerts once
                    for (const auto& h : holding_) ids.insert(h.first);
                    for (const auto& t : batch) ids.insert(t.entry_id);
                    for (const auto& t : held_) ids.insert(t.entry_id);  // held for want of room
                    std::vector<std::string> mine(ids.begin(), ids.end());  // named: GCC 12 and temporaries in co_await
                    co_await box_.keep(settings_.consumer, std::move(mine));
                }
                for (const auto& c : co_await box_.consumers()) {
                    if (!gone_locally(c.name)) {
                        // Another boot's or container's, long gone and holding nothing: its name
                        // would stay listed for ever (a new one comes with every restart).
                        if (c.name != settings_.consumer && c.pending == 0 && c.idle_ms >= settings_.forget_after.count()) {
                            co_await box_.forget_if_idle(c.name, settings_.forget_after);
                        }
                        continue;
                    }
                    if (c.pending > 0) log_.notice("delivery: taking over ", c.pending, " alerts from ", c.name, ", which has stopped");
                    for (auto& t : co_await box_.take_over(c.name, settings_.consumer, 256)) batch.push_back(std::move(t));
                }
                for (auto& t : co_await box_.reclaim(settings_.consumer, settings_.reclaim_after, 256)) batch.push_back(std::move(t));
            }
            woken_ = false;
            const auto room = room_left() - static_cast<std::int64_t>(batch.size());
            starved_ = room <= 0;
            // Nothing more is taken while alerts wait held: they go first, and what this process
            // cannot start yet stays in the stream for another to take.
            if (room > 0 && held_.empty()) {
                // Counted in entries, which hold up to alerts_per_entry alerts each: as many as the
                // room takes at the last take's alerts per entry, so that what comes back is about
                // what can start, not thousands held from the other processes sharing the outbox.
                const auto fits = std::max<std::int64_t>(1, room * entries_seen_ / std::max<std::int64_t>(1, alerts_seen_));
                const int count = static_cast<int>(std::min<std::int64_t>(fits, take_size));
                auto got = co_await box_.take(settings_.consumer, count);
                if (!got.empty()) {  // new entries, each with its first alert
                    entries_seen_ = std::count_if(got.begin(), got.end(), [](const taken& t) { return t.part == 0; });
                    alerts_seen_ = static_cast<std::int64_t>(got.size());
                }
                for (auto& t : got) batch.push_back(std::move(t));
            }
        } catch (const std::exception& e) {
            log_.warning("delivery: the outbox is unavailable (", e.what(), "); retrying");
            prepared = false;
        }
        hold_beyond_room(batch);
        const bool got = !batch.empty();
        // Started batch_size at a time, each on its own: the first are on their way once their own
        // subscriptions are read, and the loop takes more meanwhile. Waiting for each batch to start
        // before taking the next held the fan-out to batch_size alerts per two round trips to Redis:
        // 20,000 a second, with the receiver's slots mostly idle.
        for (std::size_t i = 0; i < batch.size(); i += batch_size) {
            const auto end = std::min(batch.size(), i + batch_size);
            std::vector<taken> part(std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(i)),
                                    std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(end)));
            spawn_start(std::move(part), ex);
        }
        if (stalled_) {
            stalled_ = false;  // Redis is failing under a batch being started: a tick before trying again
            woken_ = false;
        } else if (got || woken_) {
            continue;
        }
        tick_->expires_after(250ms);
        co_await tick_->async_wait(net::as_tuple(net::use_awaitable));
    }
}

bool worker::acquire(const std::string& host, net::steady_timer& wait) {
    host_slots& h = hosts_[host];
    if (h.busy < settings_.max_in_flight_per_host) {
        ++h.busy;
        return true;
    }
    h.waiting.push_back(&wait);
    return false;
}

void worker::release(const std::string& host) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return;
    host_slots& h = it->second;
    if (!h.waiting.empty()) {
        net::steady_timer* next = h.waiting.front();
        h.waiting.pop_front();
        next->cancel();
        return;
    }
    if (--h.busy == 0) hosts_.erase(it);
}

void worker::report(const alert& a, const outcome& o, std::string_view settled) {
    if (!on_attempt) return;
    const attempt_report r{a, o, settled, std::chrono::milliseconds(now_ms() - a.detected_ms)};
    on_attempt(r);
}

// Decodes a batch and reads its subscriptions in one pipelined round trip, then delivers each alert
// on its own coroutine. When the subscriptions cannot be read (Redis away) nothing is settled and the
// batch comes back, to be started on a later turn; empty when it was started.
net::awaitable<std::vector<taken>> worker::start(std::vector<taken> batch, net::any_io_executor ex) {
    std::vector<std::optional<alert>> decoded;
    decoded.reserve(batch.size());
    std::vector<std::string> ids;
    for (const auto& t : batch) {
        decoded.push_back(decode(t.blob));
        if (decoded.back()) ids.push_back(decoded.back()->subscription_id);
    }
    std::vector<std::optional<subs::record>> records;
    try {
        records = co_await records_of(std::move(ids));
    } catch (const std::exception& e) {
        log_.warning("delivery: could not start ", batch.size(), " alerts (", e.what(), "); trying again");
        co_return batch;
    }
    std::size_t next_record = 0, started = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!decoded[i]) {
            audit_record note{std::string(), std::string(), std::string("unknown"), std::string("dead"),
                              std::string("undecodable outbox entry"), now_ms(), std::string()};
            try {
                co_await box_.dead(batch[i].where(), batch[i].blob, "undecodable outbox entry", std::move(note));
                metrics_.add("alerts_dead_lettered_total", metrics::labels({{"channel", "unknown"}}));
            } catch (const std::exception& e) {
                // Left unacknowledged: taken over after reclaim_after and tried again.
                log_.warning("delivery: could not dead-letter an undecodable entry: ", e.what());
            }
            continue;
        }
        std::optional<subs::record> rec = std::move(records[next_record++]);
        std::pair<std::string, int> entry(batch[i].entry_id, batch[i].part);
        if (!holding_.insert(entry).second) continue;  // handed back by a reclaim while being delivered here
        net::co_spawn(ex, deliver(std::move(batch[i]), std::move(*decoded[i]), std::move(rec)),
                      [this, entry = std::move(entry)](std::exception_ptr e) {
                          holding_.erase(entry);
                          // The loop stopped taking for want of room: there is some again.
                          if (starved_) {
                              starved_ = false;
                              wake();
                          }
                          if (e) {
                              try {
                                  std::rethrow_exception(e);
                              } catch (const std::exception& ex2) {
                                  // Left unacknowledged: reclaimed and tried again later.
                                  log_.warning("delivery: an attempt could not be settled: ", ex2.what());
                              }
                          }
                      });
        // Each attempt spends tens of microseconds before its first wait (signing, a socket, a
        // connect). Yielding after the first ones lets the event loop complete their connects and
        // send their requests while the rest start, instead of after all 32 have started. Only the
        // first few: a yield per attempt costs a turn of the loop each (fan-out fell about 20 %).
        if (++started <= 2) co_await net::post(ex, net::use_awaitable);
    }
    co_return std::vector<taken>{};
}

bool worker::expired(const alert& a) const { return now_ms() - a.detected_ms > settings_.alert_ttl.count(); }

// Slots vanish in minutes: a late alert misleads more than it helps.
net::awaitable<void> worker::expire(const taken& t, const alert& a) {
    auto note = attempt_note(a, "expired", std::string());
    co_await box_.dead(t.where(), t.blob, "expired", std::move(note));
    metrics_.add("alerts_expired_total", labels_of(a.via));
    metrics_.add("alerts_dead_lettered_total", labels_of(a.via));
    report(a, {}, "expired");
}

net::awaitable<void> worker::deliver(taken t, alert a, std::optional<subs::record> rec) {
    if (expired(a)) {
        co_await expire(t, a);
        co_return;
    }
    if (!rec || !rec->active) {
        auto note = attempt_note(a, "dropped", rec ? "subscription inactive" : "subscription removed");
        co_await box_.done(t.where(), std::move(note));
        report(a, {}, "dropped");
        co_return;
    }
    // One timer per attempt, in this frame: the wait for a slot at the host, then the pauses between
    // tries to record the outcome.
    net::steady_timer pause(co_await net::this_coro::executor, std::chrono::steady_clock::time_point::max());
    std::string host;
    if (a.via == channel::webhook && rec->sub.notify.webhook) {
        host = senders::host_of(rec->sub.notify.webhook->url);
        // Unless a slot is free, release() hands this attempt one by cancelling the wait: busy stays.
        if (!acquire(host, pause)) co_await pause.async_wait(net::as_tuple(net::use_awaitable));
        if (stopping_) co_return;  // shutting down: slots no longer matter
        if (expired(a)) {  // it waited behind a slow receiver that long
            release(host);
            co_await expire(t, a);
            co_return;
        }
    }
    outcome o;
    try {
        o = co_await send_.send(a, rec->sub);
    } catch (const std::exception& e) {
        o = outcome{outcome::kind::retry, std::string("internal error: ") + e.what(), std::nullopt};
    }
    if (!host.empty()) release(host);
    // The receiver has it; only the record of it may fail (Redis gone). Sending again would alert
    // twice, so the settle is what is retried, until Redis is back or the process stops (then the
    // entry, still unacknowledged, is taken over after a restart).
    for (auto wait = 250ms;; wait = std::min<std::chrono::milliseconds>(wait * 2, 5s)) {
        std::string failure;
        try {
            // A delivery, nearly every attempt, is recorded here rather than in settle_failed's frame.
            if (o.what == outcome::kind::delivered) {
                auto note = attempt_note(a, "delivered", o.detail);
                co_await box_.done(t.where(), std::move(note));
                count_delivered(a, o);
            } else {
                co_await settle_failed(t, a, o);
            }
            co_return;
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (stopping_) throw std::runtime_error("stopping with an attempt unrecorded: " + failure);
        if (wait == 250ms) log_.warning("delivery: recording alert ", a.id, " failed (", failure, "); retrying");
        pause.expires_after(wait);
        co_await pause.async_wait(net::as_tuple(net::use_awaitable));
    }
}

// The record of the attempt after the `a.attempt` made (or of what took its place: an expiry, a drop).
audit_record worker::attempt_note(const alert& a, std::string status, std::string detail) {
    return audit_record{a.id, a.subscription_id, std::string(to_string(a.via)), std::move(status), std::move(detail), now_ms(),
                        std::string(), a.attempt + 1};
}

// Counted once recorded: a settle that fails is tried again and must not count twice.
void worker::count_delivered(const alert& a, const outcome& o) {
    const std::string& ls = labels_of(a.via);
    metrics_.add("alerts_delivered_total", ls);
    metrics_.observe("delivery_latency_seconds", ls, static_cast<double>(now_ms() - a.detected_ms) / 1000.0);
    report(a, o, "delivered");
}

// `a` is left as taken and copied here: the failed attempt's count and last error go back into the
// outbox with it, while a delivered one, nearly every one, copies nothing.
net::awaitable<void> worker::settle_failed(const taken& t, const alert& a, const outcome& o) {
    const std::string_view ch = to_string(a.via);
    const std::string& ls = labels_of(a.via);
    audit_record note = attempt_note(a, "failed", o.detail);
    alert next = a;
    ++next.attempt;
    next.last_error = o.detail;
    if (o.what == outcome::kind::gone) {
        co_await subs_.deactivate(a.subscription_id, o.detail);
        co_await box_.dead(t.where(), encode(next), "gone: " + o.detail, std::move(note));
        metrics_.add("alerts_failed_total", ls);
        metrics_.add("alerts_dead_lettered_total", ls);
        report(next, o, "gone");
        co_return;
    }
    // Counted once recorded: a settle that fails is tried again and must not count twice.
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    const auto delay = next_delay(settings_.retry_schedule, next.attempt, o.retry_after, jitter(rng_));
    if (!delay) {
        log_.warning("alert ", a.id, " for ", a.subscription_id, " by ", ch, ": giving up after ", next.attempt,
                     " attempts; last: ", o.detail);
        co_await box_.dead(t.where(), encode(next), "gave up after " + std::to_string(next.attempt) + " attempts: " + o.detail,
                           std::move(note));
        metrics_.add("alerts_failed_total", ls);
        metrics_.add("alerts_dead_lettered_total", ls);
        report(next, o, "dead");
        co_return;
    }
    log_.info("alert ", a.id, " for ", a.subscription_id, " by ", ch, ": attempt ", next.attempt, " failed (", o.detail,
              "); next in ", delay->count(), " ms");
    co_await box_.later(t.where(), encode(next), now_ms() + delay->count(), std::move(note));
    metrics_.add("alerts_failed_total", ls);
    metrics_.add("alerts_retried_total", ls);
    report(next, o, "retry");
}

}  // namespace cowin::delivery
