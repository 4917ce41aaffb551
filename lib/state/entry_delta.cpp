#include "state/entry_delta.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace cowin::state {
namespace {

// A shorter agreement is cheaper written out than copied ("C6;" against 6 bytes), and resuming on
// fewer bytes would too often land on a coincidence (two hex ids sharing a few digits).
constexpr std::size_t min_run = 8;
// How far past a difference to look for where the two agree again: the ids and names that differ
// between alerts are shorter than this. A longer difference is written as the target's own bytes.
constexpr std::size_t window = 64;

std::size_t common_prefix(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t k = 0;
    if constexpr (std::endian::native == std::endian::little) {
        for (; k + 8 <= n; k += 8) {
            std::uint64_t x = 0, y = 0;
            std::memcpy(&x, a.data() + k, 8);
            std::memcpy(&y, b.data() + k, 8);
            if (x != y) return k + static_cast<std::size_t>(std::countr_zero(x ^ y)) / 8;
        }
    }
    while (k < n && a[k] == b[k]) ++k;
    return k;
}

void put_op(std::string& out, char what, std::size_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out += what;
    out.append(digits, end);
    out += ';';
}

}  // namespace

std::string delta_of(std::string_view base, std::string_view target) {
    std::string out;
    out.reserve(128);
    std::size_t i = 0, j = 0;  // where base and target are read
    std::size_t at = 0;        // how far into base the ops written so far have gone
    std::size_t own_from = 0;  // target's bytes from here to j are its own, not yet written
    while (j < target.size()) {
        const std::size_t run = common_prefix(base.substr(i), target.substr(j));
        if (run >= min_run || (run > 0 && j + run == target.size())) {
            if (j > own_from) {
                put_op(out, 'L', j - own_from);
                out.append(target.substr(own_from, j - own_from));
            }
            if (i > at) put_op(out, 'S', i - at);
            put_op(out, 'C', run);
            i += run;
            j += run;
            at = i;
            own_from = j;
            continue;
        }
        // Where they agree again. Most differences are of one length on both sides (ids, counts),
        // so that is looked for first, eight bytes at a time; then the fewest own bytes, nearest in base.
        bool found = false;
        const std::size_t left = target.size() - j;
        for (std::size_t k = 1; k <= window && i + k + min_run <= base.size() && j + k + min_run <= target.size(); ++k) {
            if (std::memcmp(base.data() + i + k, target.data() + j + k, min_run) != 0) continue;
            i += k;
            j += k;
            found = true;
            break;
        }
        for (std::size_t dt = 0; dt <= window && dt < left && !found; ++dt) {
            const std::string_view needle = target.substr(j + dt, std::min(min_run, left - dt));
            const std::string_view near = base.substr(i, window + needle.size());
            const std::size_t db = near.find(needle);
            if (db == std::string_view::npos || (dt == 0 && db == 0)) continue;
            i += db;
            j += dt;
            found = true;
        }
        if (found) continue;
        // Nothing alike nearby: take the stretch as the target's own, and base's as replaced by it.
        j += std::min(window, left);
        i += std::min(window, base.size() - i);
    }
    if (j > own_from) {
        put_op(out, 'L', j - own_from);
        out.append(target.substr(own_from, j - own_from));
    }
    // Alike in many short stretches only, each costing more to point at than it saves: the target
    // as its own bytes is shorter.
    std::string whole;
    put_op(whole, 'L', target.size());
    if (!target.empty() && out.size() > whole.size() + target.size()) {
        whole.append(target);
        return whole;
    }
    return out;
}

std::optional<std::string> apply_delta(std::string_view base, std::string_view delta) {
    std::string out;
    out.reserve(base.size() + 64);
    std::size_t at = 0, k = 0;
    while (k < delta.size()) {
        const char what = delta[k++];
        std::size_t n = 0;
        const char* const end = delta.data() + delta.size();
        const auto [stop, ec] = std::from_chars(delta.data() + k, end, n);
        if (ec != std::errc{} || stop == end || *stop != ';') return std::nullopt;
        k = static_cast<std::size_t>(stop - delta.data()) + 1;
        switch (what) {
            case 'C':
                if (n > base.size() - at) return std::nullopt;
                out.append(base.substr(at, n));
                at += n;
                break;
            case 'S':
                if (n > base.size() - at) return std::nullopt;
                at += n;
                break;
            case 'L':
                if (n > delta.size() - k) return std::nullopt;
                out.append(delta.substr(k, n));
                k += n;
                break;
            default: return std::nullopt;
        }
    }
    return out;
}

}  // namespace cowin::state
