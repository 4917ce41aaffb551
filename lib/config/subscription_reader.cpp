#include "config/subscription_reader.hpp"

#include "config/validators.hpp"
#include "util/edit_distance.hpp"

namespace cowin::config {

namespace {

// Applies a check::* verdict to a value read from `key` of `m`.
bool accept(map_reader& m, std::string_view key, const YAML::Node& n, const check::verdict& v) {
    if (!v) return true;
    m.reader().expected(n, m.mark_of(key), m.path_of(key), *v);
    return false;
}

void read_ints(map_reader& m, std::string_view key, std::vector<std::int64_t>& out, std::int64_t lo, std::int64_t hi) {
    YAML::Node n = m.take(key);
    if (!n) return;
    if (!n.IsSequence()) {
        m.reader().expected(n, m.mark_of(key), m.path_of(key), "a list of integers");
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        std::string path = m.path_of(key) + "[" + std::to_string(i) + "]";
        if (auto v = m.reader().to_int(n[i], mark_or(n, m.mark()), path, lo, hi)) out.push_back(*v);
    }
}

void read_vaccines(map_reader& m, std::vector<std::string>& out) {
    YAML::Node n = m.take("vaccines");
    if (!n) return;
    if (!n.IsSequence()) {
        m.reader().expected(n, m.mark_of("vaccines"), m.path_of("vaccines"), "a list of vaccine names");
        return;
    }
    auto known = check::known_vaccines();
    std::string allowed;
    for (const auto& k : known) allowed += (allowed.empty() ? "" : ", ") + k;
    for (std::size_t i = 0; i < n.size(); ++i) {
        std::string path = m.path_of("vaccines") + "[" + std::to_string(i) + "]";
        auto name = m.reader().to_string(n[i], mark_or(n, m.mark()), path);
        if (!name) continue;
        if (auto v = check::normalise_vaccine(*name)) {
            out.push_back(*v);
            continue;
        }
        std::string what = "one of " + allowed;
        if (auto near = util::nearest(*name, known); !near.empty()) what += " (did you mean '" + near + "'?)";
        m.reader().expected(n[i], mark_or(n, m.mark()), path, what);
    }
}

void read_notify(map_reader& parent, notify_settings& out) {
    map_reader m(parent.reader(), parent.take("notify"), parent.path_of("notify"), parent.mark());
    if (YAML::Node hook = m.take("webhook")) {
        map_reader w(m.reader(), hook, m.path_of("webhook"), m.mark());
        webhook_target t;
        w.get("url", t.url);
        w.get("secret", t.secret);
        if (!w.has("url")) {
            w.reader().error(w.mark(), w.path_of("url"), "expected an http:// or https:// URL, got nothing");
        } else {
            accept(w, "url", w.take("url"), check::http_url(t.url));
        }
        if (!w.has("secret")) {
            w.reader().error(w.mark(), w.path_of("secret"), "expected \"whsec_\" + base64 of 24 to 64 bytes, got nothing");
        } else {
            accept(w, "secret", w.take("secret"), check::webhook_secret(t.secret));
        }
        out.webhook = std::move(t);
    }
    if (YAML::Node tg = m.take("telegram")) {
        map_reader t(m.reader(), tg, m.path_of("telegram"), m.mark());
        telegram_target target;
        if (YAML::Node id = t.take("chat_id")) {
            if (auto v = t.reader().to_int(id, t.mark_of("chat_id"), t.path_of("chat_id"), INT64_MIN, INT64_MAX)) {
                target.chat_id = *v;
            }
        } else {
            t.reader().error(t.mark(), t.path_of("chat_id"), "expected an integer chat id, got nothing");
        }
        out.telegram = target;
    }
    if (YAML::Node sms = m.take("sms")) {
        map_reader s(m.reader(), sms, m.path_of("sms"), m.mark());
        sms_target target;
        s.get("to", target.to);
        accept(s, "to", s.take("to"), check::e164(target.to));
        out.sms = std::move(target);
    }
    m.get("log", out.log);
    if (!out.any()) {
        m.reader().error(m.mark(), parent.path_of("notify"), "expected at least one channel (webhook, telegram, sms or log)");
    }
}

}  // namespace

subscription read_subscription(yaml_reader& r, const YAML::Node& node, const std::string& path,
                               const YAML::Mark& fallback, bool id_required) {
    subscription s;
    map_reader m(r, node, path, fallback);
    if (!node.IsMap()) return s;

    m.get("id", s.id);
    if (!m.has("id")) {
        if (id_required) r.error(m.mark(), m.path_of("id"), "expected an id, got nothing");
    } else {
        accept(m, "id", m.take("id"), check::subscription_id(s.id));
    }

    const bool has_district = m.has("district_id");
    const bool has_pincode = m.has("pincode");
    if (has_district == has_pincode) {
        r.error(m.mark(), path, "expected exactly one of district_id and pincode, got " +
                                    std::string(has_district ? "both" : "neither"));
    }
    if (YAML::Node d = m.take("district_id")) {
        if (auto v = r.to_int(d, m.mark_of("district_id"), m.path_of("district_id"), 1, 99999)) s.district_id = *v;
    }
    if (YAML::Node p = m.take("pincode")) {
        if (p.IsScalar() && p.Tag() != json_bool_tag && !check::pincode(p.Scalar())) {
            s.pincode = p.Scalar();
        } else {
            r.expected(p, m.mark_of("pincode"), m.path_of("pincode"), *check::pincode(""));
        }
    }
    if (YAML::Node a = m.take("age")) {
        if (auto v = r.to_int(a, m.mark_of("age"), m.path_of("age"), 0, 130)) s.age = static_cast<int>(*v);
    }
    if (YAML::Node d = m.take("dose")) {
        if (d.IsScalar() && d.Tag() != json_string_tag && (d.Scalar() == "1" || d.Scalar() == "2")) {
            s.dose = d.Scalar() == "1" ? 1 : 2;
        } else {
            r.expected(d, m.mark_of("dose"), m.path_of("dose"), *check::dose(0));
        }
    }
    read_vaccines(m, s.vaccines);
    m.get_enum("fee_type", s.fee_type, {{"any", fee_filter::any}, {"free", fee_filter::free}, {"paid", fee_filter::paid}});
    m.get("min_capacity", s.min_capacity, 1, 100000);
    if (YAML::Node d = m.take("days")) {
        if (auto v = r.to_int(d, m.mark_of("days"), m.path_of("days"), 1, 14)) s.days = static_cast<int>(*v);
    }
    read_ints(m, "center_ids", s.center_ids, 1, 999999999);
    read_notify(m, s.notify);
    return s;
}

}  // namespace cowin::config
