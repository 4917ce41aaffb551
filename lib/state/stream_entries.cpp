#include "state/stream_entries.hpp"

namespace cowin::state {

std::vector<claimed_entry> stream_entries(const redis_reply& list) {
    std::vector<claimed_entry> out;
    for (const auto& e : list.elements) {
        if (e.elements.size() < 2 || e.elements[1].kind != redis_reply::type::array) continue;
        const auto& fields = e.elements[1].elements;
        claimed_entry c{e.elements[0].str, std::string()};
        bool found = false;
        for (std::size_t i = 0; i + 1 < fields.size() && !found; i += 2) {
            if (fields[i].str == "a") {
                c.blob = fields[i + 1].str;
                found = true;
            }
        }
        for (std::size_t i = 0; i + 1 < fields.size() && !found; i += 2) {
            c.blob += fields[i].str + "=" + fields[i + 1].str + "\n";
        }
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace cowin::state
