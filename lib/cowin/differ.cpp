#include "cowin/differ.hpp"

#include <bit>

namespace cowin::api {

namespace {
constexpr std::uint8_t all_changes = transition::total | transition::dose1 | transition::dose2 | transition::attributes;

std::uint8_t compare(const session_state& a, const session_state& b) {
    std::uint8_t c = 0;
    if (a.cap.total != b.cap.total) c |= transition::total;
    if (a.cap.dose1 != b.cap.dose1) c |= transition::dose1;
    if (a.cap.dose2 != b.cap.dose2) c |= transition::dose2;
    if (!a.same_attributes(b)) c |= transition::attributes;
    return c;
}

// Keys are already hashes; a multiplicative mix spreads any structure left in their low bits.
std::uint64_t slot_of(std::uint64_t key, std::uint64_t mask) { return (key * 0x9E3779B97F4A7C15ull) >> 7 & mask; }
}  // namespace

void diff_scratch::index(const std::vector<session_state>& sessions, std::size_t from) {
    const std::size_t n = sessions.size() - from;
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, n * 2));
    slots_.assign(capacity, {0, transition::none});
    mask_ = capacity - 1;
    for (std::size_t i = from; i < sessions.size(); ++i) {
        std::uint64_t s = slot_of(sessions[i].key, mask_);
        while (slots_[s].second != transition::none) {
            if (slots_[s].first == sessions[i].key) break;  // a repeated key keeps its first place
            s = (s + 1) & mask_;
        }
        if (slots_[s].second == transition::none) slots_[s] = {sessions[i].key, static_cast<std::uint32_t>(i)};
    }
}

std::uint32_t diff_scratch::find(std::uint64_t key) const {
    for (std::uint64_t s = slot_of(key, mask_);; s = (s + 1) & mask_) {
        if (slots_[s].second == transition::none) return transition::none;
        if (slots_[s].first == key) return slots_[s].second;
    }
}

void diff(const snapshot& before, const snapshot& after, std::vector<transition>& out, diff_scratch& scratch) {
    const auto& a = before.sessions;
    const auto& b = after.sessions;
    // Fast path: the same sessions in the same order, as consecutive polls of a target mostly are.
    std::size_t i = 0;
    const std::size_t common = std::min(a.size(), b.size());
    for (; i < common && a[i].key == b[i].key; ++i) {
        if (std::uint8_t c = compare(a[i], b[i]); c != 0) {
            out.push_back({transition::kind::changed, c, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i)});
        }
    }
    if (i == a.size() && i == b.size()) return;

    // The rest by key.
    scratch.index(a, i);
    scratch.matched.assign(a.size(), false);
    for (std::size_t j = i; j < b.size(); ++j) {
        std::uint32_t k = scratch.find(b[j].key);
        if (k == transition::none || scratch.matched[k]) {
            out.push_back({transition::kind::appeared, all_changes, transition::none, static_cast<std::uint32_t>(j)});
            continue;
        }
        scratch.matched[k] = true;
        if (std::uint8_t c = compare(a[k], b[j]); c != 0) {
            out.push_back({transition::kind::changed, c, k, static_cast<std::uint32_t>(j)});
        }
    }
    for (std::size_t k = i; k < a.size(); ++k) {
        if (!scratch.matched[k]) {
            out.push_back({transition::kind::disappeared, all_changes, static_cast<std::uint32_t>(k), transition::none});
        }
    }
}

}  // namespace cowin::api
