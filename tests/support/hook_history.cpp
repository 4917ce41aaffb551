#include "support/hook_history.hpp"

#include <simdjson.h>

#include <algorithm>

namespace cowin::test {

std::size_t hook_history::pairs_delivered() const {
    std::size_t n = 0;
    for (const auto& [sub, sessions] : seen) n += sessions.size();
    return n;
}

std::size_t hook_history::pairs_duplicated() const {
    std::size_t n = 0;
    for (const auto& [sub, sessions] : seen) {
        for (const auto& [session, ids] : sessions) n += ids.size() > 1 ? 1 : 0;
    }
    return n;
}

std::size_t hook_history::redeliveries() const {
    std::set<std::string> ids;
    for (const auto& [sub, sessions] : seen) {
        for (const auto& [session, s] : sessions) ids.insert(s.begin(), s.end());
    }
    return deliveries - std::min(deliveries, ids.size());
}

std::string hook_history::summary(std::size_t expected) const {
    const std::size_t delivered = pairs_delivered();
    return "alerts expected " + std::to_string(expected) + ", delivered " + std::to_string(delivered) + ", lost " +
           std::to_string(expected - std::min(expected, delivered)) + ", duplicates (same webhook-id) " +
           std::to_string(redeliveries()) + ", duplicate alerts " + std::to_string(pairs_duplicated()) + ", false " +
           std::to_string(foreign);
}

hook_history read_hook_history(http_client& control, const std::string& hook, const std::set<std::string>& opened) {
    simdjson::dom::parser p;
    simdjson::dom::parser bp;
    const std::string text = control.get("/sandbox/v1/hooks/" + hook).body;
    hook_history h;
    simdjson::dom::array deliveries;
    if (p.parse(text)["deliveries"].get_array().get(deliveries)) return h;
    for (simdjson::dom::element d : deliveries) {
        ++h.deliveries;
        bool verified = false;
        if (d["verified"].get_bool().get(verified) || !verified) ++h.unverified;
        std::string_view raw, webhook_id, sub;
        if (d["body"].get_string().get(raw) || d["webhook_id"].get_string().get(webhook_id)) continue;
        const std::string body(raw);
        simdjson::dom::element doc;
        simdjson::dom::array sessions;
        if (bp.parse(body).get(doc) || doc["data"]["subscription_id"].get_string().get(sub) ||
            doc["data"]["sessions"].get_array().get(sessions)) {
            ++h.foreign;  // not an alert at all
            continue;
        }
        for (simdjson::dom::element s : sessions) {
            std::string_view session;
            if (s["session_id"].get_string().get(session) || !opened.count(std::string(session))) {
                ++h.foreign;
                continue;
            }
            h.seen[std::string(sub)][std::string(session)].insert(std::string(webhook_id));
        }
    }
    return h;
}

}  // namespace cowin::test
