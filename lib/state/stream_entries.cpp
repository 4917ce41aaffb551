#include "state/stream_entries.hpp"

namespace cowin::state {

std::vector<claimed_entry> stream_entries(const redis_reply& list) {
    std::vector<claimed_entry> out;
    for (const auto& e : list.elements) {
        if (e.elements.size() < 2 || e.elements[1].kind != redis_reply::type::array) continue;
        const auto& fields = e.elements[1].elements;
        const std::size_t first = out.size();
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].str != "a" && fields[i].str != "part") continue;
            claimed_entry c;
            c.entry_id = e.elements[0].str;
            c.blob = fields[i + 1].str;
            c.part = static_cast<int>(out.size() - first);
            out.push_back(std::move(c));
        }
        if (out.size() == first) {
            claimed_entry c;
            c.entry_id = e.elements[0].str;
            for (std::size_t i = 0; i + 1 < fields.size(); i += 2) c.blob += fields[i].str + "=" + fields[i + 1].str + "\n";
            out.push_back(std::move(c));
        }
        const int parts = static_cast<int>(out.size() - first);
        for (std::size_t i = first; i < out.size(); ++i) out[i].parts = parts;
    }
    return out;
}

}  // namespace cowin::state
