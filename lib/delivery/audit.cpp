#include <simdjson.h>

#include "delivery/outbox.hpp"
#include "util/json_writer.hpp"

namespace cowin::delivery {

std::string to_json(const audit_record& r) {
    util::json_writer w;
    w.begin_object().key("alert_id").value(r.alert_id).key("subscription_id").value(r.subscription_id);
    w.key("channel").value(r.channel).key("status").value(r.status).key("detail").value(r.detail);
    w.key("at_ms").value(r.at_ms).end_object();
    return w.take();
}

std::optional<audit_record> audit_from_json(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) return std::nullopt;
    audit_record r;
    std::string_view s;
    if (o["alert_id"].get(s) != simdjson::SUCCESS) return std::nullopt;
    r.alert_id = s;
    if (o["subscription_id"].get(s) == simdjson::SUCCESS) r.subscription_id = s;
    if (o["channel"].get(s) == simdjson::SUCCESS) r.channel = s;
    if (o["status"].get(s) == simdjson::SUCCESS) r.status = s;
    if (o["detail"].get(s) == simdjson::SUCCESS) r.detail = s;
    if (o["at_ms"].get(r.at_ms) != simdjson::SUCCESS) r.at_ms = 0;
    return r;
}

}  // namespace cowin::delivery
