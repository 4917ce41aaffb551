#include "subs/index_entry.hpp"

#include <bit>
#include <cstring>

#include "subs/index.hpp"

namespace cowin::subs {

namespace {
constexpr std::uint8_t version = 1;
constexpr std::size_t fixed_size = 24;

template <class T>
void put(std::string& out, T v) {
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof v);  // the x86-64 and arm64 we build for are little-endian
    out.append(buf, sizeof buf);
}
template <class T>
T get(const char*& p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
}
static_assert(std::endian::native == std::endian::little, "the stored index entries are little-endian");
}  // namespace

index_entry entry_of(const config::subscription& s, bool active, origin from) {
    index_entry e;
    e.id = s.id;
    e.by_pincode = !s.district_id.has_value();
    e.target = s.district_id ? *s.district_id : std::stoll(s.pincode.value_or("0"));
    e.f = make_filter(s, 0);
    e.f.active = active;
    e.channels = channels_of(s.notify);
    e.from = from;
    e.centers = s.center_ids;
    return e;
}

std::string encode(const index_entry& e) {
    std::string out;
    out.reserve(fixed_size + 8 * e.centers.size());
    put<std::uint8_t>(out, version);
    const std::uint8_t flags = static_cast<std::uint8_t>((e.by_pincode ? 1 : 0) | (e.f.active ? 2 : 0) |
                                                         (e.from == origin::config ? 4 : 0));
    put<std::uint8_t>(out, flags);
    put<std::int64_t>(out, e.target);
    put<std::uint8_t>(out, e.f.dose);
    put<std::uint8_t>(out, e.f.age);
    put<std::uint8_t>(out, static_cast<std::uint8_t>(e.f.fee));
    put<std::uint8_t>(out, e.f.days);
    put<std::uint8_t>(out, e.channels);
    put<std::uint8_t>(out, 0);
    put<std::uint16_t>(out, e.f.vaccines);
    put<std::uint32_t>(out, e.f.min_capacity);
    put<std::uint16_t>(out, static_cast<std::uint16_t>(e.centers.size()));
    for (auto c : e.centers) put<std::int64_t>(out, c);
    return out;
}

std::optional<index_entry> decode_entry(std::string_view id, std::string_view bytes) {
    if (bytes.size() < fixed_size || static_cast<std::uint8_t>(bytes[0]) != version || id.empty()) return std::nullopt;
    const char* p = bytes.data() + 1;
    index_entry e;
    e.id = id;
    const auto flags = get<std::uint8_t>(p);
    e.by_pincode = (flags & 1) != 0;
    e.f.active = (flags & 2) != 0;
    e.from = (flags & 4) != 0 ? origin::config : origin::api;
    e.target = get<std::int64_t>(p);
    e.f.dose = get<std::uint8_t>(p);
    e.f.age = get<std::uint8_t>(p);
    const auto fee = get<std::uint8_t>(p);
    e.f.days = get<std::uint8_t>(p);
    e.channels = get<std::uint8_t>(p);
    get<std::uint8_t>(p);
    e.f.vaccines = get<std::uint16_t>(p);
    e.f.min_capacity = get<std::uint32_t>(p);
    const auto centers = get<std::uint16_t>(p);
    if (e.f.dose > 2 || fee > 2 || e.f.min_capacity == 0 || bytes.size() != fixed_size + 8u * centers) return std::nullopt;
    e.f.fee = static_cast<config::fee_filter>(fee);
    e.f.has_centers = centers > 0;
    for (std::uint16_t i = 0; i < centers; ++i) e.centers.push_back(get<std::int64_t>(p));
    return e;
}

}  // namespace cowin::subs
