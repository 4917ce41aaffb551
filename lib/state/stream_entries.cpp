#include "state/stream_entries.hpp"

#include "state/entry_delta.hpp"

namespace cowin::state {

void entry_parts(const std::string& entry_id, const std::vector<redis_reply>& fields, std::vector<claimed_entry>& out) {
    const std::size_t first = out.size();
    const std::string* base = nullptr;
    auto add = [&](std::string blob) {
        claimed_entry c;
        c.entry_id = entry_id;
        c.blob = std::move(blob);
        c.part = static_cast<int>(out.size() - first);
        out.push_back(std::move(c));
    };
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const std::string& name = fields[i].str;
        const std::string& value = fields[i + 1].str;
        if (name == single_field || name == base_field || name == "part") {
            if (name == base_field) base = &value;
            add(value);
        } else if (name == like_field) {
            std::optional<std::string> whole;
            if (base != nullptr) whole = apply_delta(*base, value);
            add(whole ? std::move(*whole) : "like=" + value + "\n");
        }
    }
    if (out.size() == first) {
        std::string held;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) held += fields[i].str + "=" + fields[i + 1].str + "\n";
        add(std::move(held));
    }
    const int parts = static_cast<int>(out.size() - first);
    for (std::size_t i = first; i < out.size(); ++i) out[i].parts = parts;
}

void to_entry_values(std::vector<std::string>& alerts) {
    for (std::size_t i = 0; i < alerts.size(); ++i) {
        const std::size_t first = i - i % alerts_per_entry;  // never rewritten itself
        if (i != first) alerts[i] = delta_of(alerts[first], alerts[i]);
    }
}

std::vector<claimed_entry> stream_entries(const redis_reply& list) {
    std::vector<claimed_entry> out;
    std::size_t alerts = 0;  // at most one per field and value, however the entry holds them
    for (const auto& e : list.elements) {
        if (e.elements.size() >= 2) alerts += e.elements[1].elements.size() / 2;
    }
    out.reserve(alerts);
    for (const auto& e : list.elements) {
        if (e.elements.size() < 2 || e.elements[1].kind != redis_reply::type::array) continue;
        entry_parts(e.elements[0].str, e.elements[1].elements, out);
    }
    return out;
}

}  // namespace cowin::state
