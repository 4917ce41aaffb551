#include "state/snapshot_codec.hpp"

#include <cstring>
#include <type_traits>

namespace cowin::state {

namespace {

constexpr std::string_view magic = "CWS1";

class writer {
public:
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(const std::string& s) {
        pod(static_cast<std::uint32_t>(s.size()));
        out_ += s;
    }
    std::string take() { return std::move(out_); }
    std::string out_;
};

class reader {
public:
    explicit reader(std::string_view in) : in_(in) {}
    template <class T>
    bool pod(T& v) {
        if (in_.size() < sizeof v) return false;
        std::memcpy(&v, in_.data(), sizeof v);
        in_.remove_prefix(sizeof v);
        return true;
    }
    bool str(std::string& s) {
        std::uint32_t n = 0;
        if (!pod(n) || in_.size() < n) return false;
        s.assign(in_.data(), n);
        in_.remove_prefix(n);
        return true;
    }
    bool done() const { return in_.empty(); }
    std::string_view in_;
};

}  // namespace

std::string encode(const stored_snapshot& s) {
    writer w;
    w.out_ += magic;
    w.pod(s.snap.fingerprint);
    w.pod(static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(s.polled_at.time_since_epoch()).count()));
    w.pod(static_cast<std::uint32_t>(s.snap.sessions.size()));
    // session_state has no padding (48 bytes of fields, checked in snapshot.hpp): copied as it is.
    if (!s.snap.sessions.empty()) {
        w.out_.append(reinterpret_cast<const char*>(s.snap.sessions.data()), s.snap.sessions.size() * sizeof(api::session_state));
    }
    w.pod(static_cast<std::uint32_t>(s.snap.details.size()));
    for (const auto& d : s.snap.details) {
        w.pod(d.center_id);
        for (const std::string* f : {&d.center_name, &d.address, &d.block_name, &d.district_name, &d.state_name,
                                     &d.fee_amount, &d.session_id, &d.vaccine}) {
            w.str(*f);
        }
        w.pod(d.pincode);
        w.pod(d.fee);
        w.pod(d.date);
        w.pod(d.min_age);
        w.pod(d.max_age);
        w.pod(d.allow_all_age);
        w.pod(d.cap);
        w.pod(static_cast<std::uint32_t>(d.slots.size()));
        for (const auto& slot : d.slots) w.str(slot);
    }
    return w.take();
}

std::optional<stored_snapshot> decode(std::string_view bytes) {
    if (!bytes.starts_with(magic)) return std::nullopt;
    reader r(bytes.substr(magic.size()));
    stored_snapshot s;
    std::int64_t polled_ms = 0;
    std::uint32_t n = 0;
    if (!r.pod(s.snap.fingerprint) || !r.pod(polled_ms) || !r.pod(n)) return std::nullopt;
    if (r.in_.size() < static_cast<std::size_t>(n) * sizeof(api::session_state)) return std::nullopt;
    s.polled_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(polled_ms));
    s.snap.sessions.resize(n);
    if (n > 0) std::memcpy(s.snap.sessions.data(), r.in_.data(), n * sizeof(api::session_state));
    r.in_.remove_prefix(n * sizeof(api::session_state));
    std::uint32_t details = 0;
    if (!r.pod(details) || details > n) return std::nullopt;
    s.snap.details.resize(details);
    for (auto& d : s.snap.details) {
        if (!r.pod(d.center_id)) return std::nullopt;
        for (std::string* f : {&d.center_name, &d.address, &d.block_name, &d.district_name, &d.state_name, &d.fee_amount,
                               &d.session_id, &d.vaccine}) {
            if (!r.str(*f)) return std::nullopt;
        }
        std::uint32_t slots = 0;
        if (!r.pod(d.pincode) || !r.pod(d.fee) || !r.pod(d.date) || !r.pod(d.min_age) || !r.pod(d.max_age) ||
            !r.pod(d.allow_all_age) || !r.pod(d.cap) || !r.pod(slots) || slots > 64) {
            return std::nullopt;
        }
        d.slots.resize(slots);
        for (auto& slot : d.slots) {
            if (!r.str(slot)) return std::nullopt;
        }
    }
    for (const auto& st : s.snap.sessions) {
        if (st.detail != api::session_state::no_detail && st.detail >= details) return std::nullopt;
    }
    if (!r.done()) return std::nullopt;
    return s;
}

}  // namespace cowin::state
