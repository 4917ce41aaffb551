#include "subs/index.hpp"

#include <xxhash.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace cowin::subs {

namespace {
constexpr std::uint32_t empty_cell = 0;
constexpr std::uint32_t tombstone = UINT32_MAX;

std::uint64_t hash_id(std::string_view id) { return XXH3_64bits(id.data(), id.size()); }

bool by_capacity(const filter& a, const filter& b) { return a.min_capacity < b.min_capacity; }
}  // namespace

std::uint8_t channels_of(const config::notify_settings& n) {
    return static_cast<std::uint8_t>((n.webhook ? webhook : 0) | (n.telegram ? telegram : 0) | (n.sms ? sms : 0) |
                                     (n.log ? log : 0));
}

std::size_t index::probe(std::string_view id) const {
    // Returns the cell holding `id`, or the first empty cell of its chain.
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        const std::uint32_t c = table_[i];
        if (c == empty_cell) return i;
        if (c != tombstone && id_of(c - 1) == id) return i;
    }
}

void index::grow_table() {
    std::size_t want = 64;
    while (want < (live_ + 1) * 2) want *= 2;
    table_.assign(want, empty_cell);
    table_used_ = 0;
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        if (slots_[s].live) table_insert(s);
    }
}

void index::table_insert(std::uint32_t slot) {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = hash_id(id_of(slot)) & mask;; i = (i + 1) & mask) {
        if (table_[i] == empty_cell || table_[i] == tombstone) {
            if (table_[i] == empty_cell) ++table_used_;
            table_[i] = slot + 1;
            return;
        }
    }
}

std::optional<std::uint32_t> index::find(std::string_view id) const {
    if (table_.empty()) return std::nullopt;
    const std::uint32_t c = table_[probe(id)];
    if (c == empty_cell) return std::nullopt;
    return c - 1;
}

std::string_view index::id_of(std::uint32_t slot) const {
    const slot_info& s = slots_[slot];
    return std::string_view(ids_).substr(s.id_offset, s.id_length);
}

void index::begin_bulk(std::size_t expected) {
    bulk_ = true;
    slots_.reserve(expected);
    ids_.reserve(expected * 24);
    if (table_.size() < expected * 2) {
        std::size_t want = 64;
        while (want < expected * 2) want *= 2;
        table_.assign(want, empty_cell);
        table_used_ = 0;
        for (std::uint32_t s = 0; s < slots_.size(); ++s) {
            if (slots_[s].live) table_insert(s);
        }
    }
}

void index::finish_bulk() {
    bulk_ = false;
    for (auto& [key, b] : buckets_) {
        for (auto& v : b.by_dose) std::stable_sort(v.begin(), v.end(), by_capacity);
    }
}

void index::unlink(std::uint32_t slot) {
    slot_info& s = slots_[slot];
    auto it = buckets_.find(s.target);
    if (it != buckets_.end()) {
        auto& v = it->second.by_dose[s.dose];
        v.erase(std::find_if(v.begin(), v.end(), [&](const filter& f) { return f.slot == slot; }));
        auto& b = it->second;
        if (b.by_dose[0].empty() && b.by_dose[1].empty() && b.by_dose[2].empty()) buckets_.erase(it);
    }
    centers_.erase(slot);
}

std::uint32_t index::upsert(const index_entry& e) {
    if (e.id.size() > UINT16_MAX) throw std::invalid_argument("subscription id too long");
    std::uint32_t slot = 0;
    if (auto existing = find(e.id)) {
        slot = *existing;
        unlink(slot);
    } else {
        if ((table_used_ + 1) * 2 > table_.size()) grow_table();
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            slot = static_cast<std::uint32_t>(slots_.size());
            slots_.emplace_back();
        }
        // Ids of removed subscriptions stay in the arena until restart: removals are rare.
        slots_[slot].id_offset = static_cast<std::uint32_t>(ids_.size());
        slots_[slot].id_length = static_cast<std::uint16_t>(e.id.size());
        ids_ += e.id;
        slots_[slot].live = true;
        table_insert(slot);
        ++live_;
    }
    slot_info& info = slots_[slot];
    info.target = e.by_pincode ? pincode_key(e.target) : district_key(e.target);
    info.dose = e.f.dose;
    info.channels = e.channels;
    filter f = e.f;
    f.slot = slot;
    f.has_centers = !e.centers.empty();
    if (f.has_centers) centers_[slot] = e.centers;
    auto& v = buckets_[info.target].by_dose[info.dose];
    if (bulk_) {
        v.push_back(f);
    } else {
        v.insert(std::upper_bound(v.begin(), v.end(), f, by_capacity), f);
    }
    return slot;
}

bool index::remove(std::string_view id) {
    if (table_.empty()) return false;
    const std::size_t cell = probe(id);
    if (table_[cell] == empty_cell) return false;
    const std::uint32_t slot = table_[cell] - 1;
    unlink(slot);
    table_[cell] = tombstone;
    slots_[slot].live = false;
    free_.push_back(slot);
    --live_;
    return true;
}

void index::set_active(std::uint32_t slot, bool active) {
    const slot_info& s = slots_[slot];
    auto it = buckets_.find(s.target);
    if (it == buckets_.end()) return;
    for (auto& f : it->second.by_dose[s.dose]) {
        if (f.slot == slot) f.active = active;
    }
}

std::span<const std::int64_t> index::centers_of(std::uint32_t slot) const {
    auto it = centers_.find(slot);
    if (it == centers_.end()) return {};
    return it->second;
}

void index::scan_bucket(const bucket& b, const api::session_state& now, const api::session_state* before,
                        bool attributes_changed, std::uint32_t session, api::civil_date today,
                        std::vector<match>& out) const {
    for (std::uint8_t dose = 0; dose < 3; ++dose) {
        const auto& v = b.by_dose[dose];
        if (v.empty()) continue;
        const std::int64_t a = watched_capacity(dose, now.cap);
        const std::int64_t was = before ? watched_capacity(dose, before->cap) : 0;
        if (attributes_changed) {
            // Rare (CoWIN edited a session's age limit or vaccine): judge both sides in full.
            for (const filter& f : v) {
                const auto centers = f.has_centers ? centers_of(f.slot) : std::span<const std::int64_t>{};
                if (open(f, now, today, centers) && !open(f, *before, today, centers)) out.push_back({f.slot, session});
            }
            continue;
        }
        // Same session, same attributes: it opens for exactly the filters with was < min_capacity <= a.
        if (a <= was) continue;
        auto first = std::upper_bound(v.begin(), v.end(), static_cast<std::uint32_t>(std::max<std::int64_t>(was, 0)),
                                      [](std::uint32_t c, const filter& f) { return c < f.min_capacity; });
        for (auto it = first; it != v.end() && it->min_capacity <= a; ++it) {
            if (!it->active) continue;
            const auto centers = it->has_centers ? centers_of(it->slot) : std::span<const std::int64_t>{};
            if (passes(*it, now, today, centers)) out.push_back({it->slot, session});
        }
    }
}

void index::match_poll(const poll_result& p, std::vector<match>& out) const {
    const std::size_t first_new = out.size();
    const bucket* own = nullptr;
    if (p.type == poll_result::kind::district) {
        auto it = buckets_.find(district_key(p.id));
        if (it != buckets_.end()) own = &it->second;
    } else if (!(p.covered && p.covered(p.id))) {
        auto it = buckets_.find(pincode_key(p.id));
        if (it != buckets_.end()) own = &it->second;
    }
    const bool pincode_subs = p.type == poll_result::kind::district && p.covered;
    for (const api::transition& t : p.transitions) {
        if (t.after == api::transition::none) continue;
        const api::session_state& now = p.after->sessions[t.after];
        const api::session_state* before =
            t.before != api::transition::none && p.before != nullptr ? &p.before->sessions[t.before] : nullptr;
        const bool attributes_changed = before != nullptr && !before->same_attributes(now);
        if (own != nullptr) scan_bucket(*own, now, before, attributes_changed, t.after, p.today, out);
        if (pincode_subs && now.pincode > 0 && p.covered(now.pincode)) {
            auto it = buckets_.find(pincode_key(now.pincode));
            if (it != buckets_.end()) scan_bucket(it->second, now, before, attributes_changed, t.after, p.today, out);
        }
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first_new), out.end());
}

void index::open_sessions(std::uint32_t slot, const api::snapshot& snap, api::civil_date today,
                          std::vector<std::uint32_t>& out) const {
    const slot_info& s = slots_[slot];
    auto it = buckets_.find(s.target);
    if (it == buckets_.end()) return;
    const auto& v = it->second.by_dose[s.dose];
    auto f = std::find_if(v.begin(), v.end(), [&](const filter& x) { return x.slot == slot; });
    if (f == v.end()) return;
    const auto centers = centers_of(slot);
    const bool is_pincode = (s.target >> 40) != 0;
    const auto pin = static_cast<std::int32_t>(s.target & ((1ull << 40) - 1));
    for (std::uint32_t i = 0; i < snap.sessions.size(); ++i) {
        const auto& session = snap.sessions[i];
        // A district's snapshot also holds other pincodes' centres.
        if (is_pincode && session.pincode != pin) continue;
        if (open(*f, session, today, centers)) out.push_back(i);
    }
}

std::vector<std::pair<std::int64_t, int>> index::district_counts() const {
    std::map<std::int64_t, int> m;
    for (const auto& s : slots_) {
        if (s.live && (s.target >> 40) == 0) ++m[static_cast<std::int64_t>(s.target)];
    }
    return {m.begin(), m.end()};
}

std::vector<std::pair<std::int64_t, int>> index::pincode_counts() const {
    std::map<std::int64_t, int> m;
    for (const auto& s : slots_) {
        if (s.live && (s.target >> 40) != 0) ++m[static_cast<std::int64_t>(s.target & ((1ull << 40) - 1))];
    }
    return {m.begin(), m.end()};
}

std::size_t index::count_with(channel_bit c) const {
    std::size_t n = 0;
    for (const auto& s : slots_) n += (s.live && (s.channels & c)) ? 1 : 0;
    return n;
}

std::vector<std::uint32_t> index::list(std::optional<std::int64_t> district, std::optional<std::int64_t> pincode,
                                       std::uint32_t cursor, std::size_t limit, std::uint32_t& next) const {
    std::vector<std::uint32_t> out;
    next = 0;
    std::optional<std::uint64_t> want;
    if (district) want = district_key(*district);
    if (pincode) want = pincode_key(*pincode);
    if (district && pincode) return out;  // a subscription has one or the other
    for (std::uint32_t s = cursor; s < slots_.size(); ++s) {
        if (!slots_[s].live || (want && slots_[s].target != *want)) continue;
        if (out.size() == limit) {
            next = s;
            break;
        }
        out.push_back(s);
    }
    return out;
}

std::size_t index::memory_bytes() const {
    std::size_t n = slots_.capacity() * sizeof(slot_info) + free_.capacity() * 4 + ids_.capacity() +
                    table_.capacity() * 4;
    for (const auto& [k, b] : buckets_) {
        n += sizeof(b) + 32;
        for (const auto& v : b.by_dose) n += v.capacity() * sizeof(filter);
    }
    for (const auto& [k, v] : centers_) n += 48 + v.capacity() * 8;
    return n;
}

}  // namespace cowin::subs
