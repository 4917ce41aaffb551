#pragma once
// Every subscription's filter, in memory, indexed so that a poll's transitions are matched without
// scanning every subscription: by target (district or pincode), then by the watched dose, then sorted
// by min_capacity, so that a capacity going from b to a only visits the filters with
// b < min_capacity <= a. A million subscriptions take about 70 MB here; the full records (channels,
// secrets, phone numbers) stay in the repository.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "cowin/differ.hpp"
#include "subs/filter.hpp"
#include "subs/index_entry.hpp"

namespace cowin::subs {

enum channel_bit : std::uint8_t { webhook = 1, telegram = 2, sms = 4, log = 8 };
std::uint8_t channels_of(const config::notify_settings& n);

/// One poll's result, as the matcher sees it.
struct poll_result {
    enum class kind : std::uint8_t { district, pincode };
    kind type = kind::district;
    std::int64_t id = 0;  ///< district id or pincode
    const api::snapshot* before = nullptr;  ///< null: nothing was stored before
    const api::snapshot* after = nullptr;
    std::span<const api::transition> transitions;
    api::civil_date today;
    /// True for a pincode whose centres all lie in polled districts: the district polls serve its
    /// subscribers (and its own, rarer, polls must not alert them twice).
    std::function<bool(std::int64_t)> covered;
};

/// A session (index in poll_result::after->sessions) that opened for a subscription (slot).
struct match {
    std::uint32_t slot = 0;
    std::uint32_t session = 0;
    auto operator<=>(const match&) const = default;
};

class index {
public:
    /// Adds `e` or replaces the subscription with its id; returns its slot.
    std::uint32_t upsert(const index_entry& e);
    std::uint32_t upsert(const config::subscription& s, bool active = true) {
        return upsert(entry_of(s, active, origin::api));
    }
    bool remove(std::string_view id);
    void set_active(std::uint32_t slot, bool active);
    std::optional<std::uint32_t> find(std::string_view id) const;
    std::string_view id_of(std::uint32_t slot) const;
    /// channel_bit flags of the subscription at `slot`.
    std::uint8_t channels(std::uint32_t slot) const { return slots_[slot].channels; }
    std::size_t size() const { return live_; }

    /// Bulk loading: upserts during it append unsorted; finish_bulk() sorts once.
    void begin_bulk(std::size_t expected);
    void finish_bulk();

    /// Appends (sorted by slot, then session) every session that opened for a subscription in this poll:
    /// open now, not open in the previous snapshot.
    void match_poll(const poll_result& p, std::vector<match>& out) const;
    /// Sessions of `snap` open now for the subscription at `slot` (for a new subscription).
    void open_sessions(std::uint32_t slot, const api::snapshot& snap, api::civil_date today,
                       std::vector<std::uint32_t>& out) const;

    /// Whether any subscription watches this district or pincode.
    bool watches(std::optional<std::int64_t> district, std::optional<std::int64_t> pincode) const {
        return buckets_.count(district ? district_key(*district) : pincode_key(pincode.value_or(0))) != 0;
    }
    /// Subscriber counts per district and per pincode (for the poll targets).
    std::vector<std::pair<std::int64_t, int>> district_counts() const;
    std::vector<std::pair<std::int64_t, int>> pincode_counts() const;
    /// Live subscriptions per channel bit.
    std::size_t count_with(channel_bit c) const;

    /// Live slots in slot order from `cursor`, optionally of one district or pincode, at most `limit`;
    /// `next` is the cursor of the following page, 0 when there is none.
    std::vector<std::uint32_t> list(std::optional<std::int64_t> district, std::optional<std::int64_t> pincode,
                                    std::uint32_t cursor, std::size_t limit, std::uint32_t& next) const;

    /// Bytes held, for the benchmark and /metrics.
    std::size_t memory_bytes() const;

private:
    struct slot_info {
        std::uint64_t target = 0;  ///< bucket key, see key_of()
        std::uint32_t id_offset = 0;
        std::uint16_t id_length = 0;
        std::uint8_t dose = 0;
        std::uint8_t channels = 0;
        bool live = false;
    };
    struct bucket {
        std::vector<filter> by_dose[3];  ///< each sorted by min_capacity (unless bulk loading)
    };
    static std::uint64_t district_key(std::int64_t d) { return static_cast<std::uint64_t>(d); }
    static std::uint64_t pincode_key(std::int64_t p) { return (1ull << 40) | static_cast<std::uint64_t>(p); }

    void unlink(std::uint32_t slot);
    void scan_bucket(const bucket& b, const api::session_state& now, const api::session_state* before,
                     bool attributes_changed, std::uint32_t session, api::civil_date today, std::vector<match>& out) const;
    std::span<const std::int64_t> centers_of(std::uint32_t slot) const;
    // Open addressing over slots+1 (0 empty, tombstone UINT32_MAX), keyed by the id's hash.
    std::size_t probe(std::string_view id) const;
    void table_insert(std::uint32_t slot);
    void grow_table();

    std::vector<slot_info> slots_;
    std::vector<std::uint32_t> free_;
    std::string ids_;
    std::vector<std::uint32_t> table_;
    std::size_t table_used_ = 0;  ///< live entries and tombstones
    std::size_t live_ = 0;
    std::unordered_map<std::uint64_t, bucket> buckets_;
    std::unordered_map<std::uint32_t, std::vector<std::int64_t>> centers_;
    bool bulk_ = false;
};

}  // namespace cowin::subs
