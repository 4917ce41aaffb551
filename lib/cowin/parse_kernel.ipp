// The on-demand parsing code, included once per kernel by parse_kernel_*.cpp inside a namespace of its
// own, with `sj` naming simdjson's on-demand front end for that kernel. See parse_kernel.hpp for what
// this code may and may not call.

using simdjson::error_code;
using simdjson::SUCCESS;
using raw_key = sj::raw_json_string;

constexpr auto missing_field = static_cast<int>(kernel_errc::missing_field);
constexpr auto bad_value = static_cast<int>(kernel_errc::bad_value);
constexpr auto too_deep = static_cast<int>(kernel_errc::too_deep);
constexpr auto trailing = static_cast<int>(kernel_errc::trailing);
constexpr auto root_shape = static_cast<int>(kernel_errc::root_shape);

// Errors travel as int: simdjson's codes and ours.
#define COWIN_TRY(expr)                                                  \
    do {                                                                 \
        if (int cowin_e_ = static_cast<int>(expr); cowin_e_ != SUCCESS) \
            return cowin_e_;                                             \
    } while (0)

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

// CoWIN served negative capacities at times; nobody can book them.
inline std::int32_t clamp_capacity(std::int64_t v) {
    return v < 0 ? 0 : v > INT32_MAX ? INT32_MAX : static_cast<std::int32_t>(v);
}

// Raw keys are compared without unescaping (CoWIN's keys are plain ASCII), as a fixed-length memcmp
// plus the closing quote. Reading up to N bytes past a shorter key stays inside the padded buffer.
template <std::size_t N>
inline bool is(raw_key key, const char (&literal)[N]) {
    const char* raw = key.raw();
    return std::memcmp(raw, literal, N - 1) == 0 && raw[N - 1] == '"';
}
inline bool is(raw_key key, const char* literal) { return key.unsafe_is_equal(literal); }

class kernel final : public parse_kernel {
public:
    explicit kernel(std::size_t max_bytes) : parser_(max_bytes) {}
    const char* name() const override { return kernel_name; }

    bool parse(endpoint e, const char* json, std::size_t size, int max_depth, view_builder& out,
               kernel_failure& why) override {
        out_ = &out;
        endpoint_ = e;
        max_depth_ = max_depth;
        begin_ = json;
        where_ = kernel_failure{};
        doc_ = nullptr;
        out.reset(e);
        sj::document doc;
        int err = static_cast<int>(
            parser_.iterate(simdjson::padded_string_view(json, size, size + simdjson::SIMDJSON_PADDING)).get(doc));
        if (err == SUCCESS) {
            doc_ = &doc;
            err = parse_root(doc);
        }
        if (err == SUCCESS) return true;
        where_.code = err;
        const char* at = nullptr;
        if (doc_ != nullptr && doc_->current_location().get(at) == SUCCESS && at != nullptr) {
            where_.offset = static_cast<std::size_t>(at - begin_);
        }
        why = where_;
        return false;
    }

private:
    void field(const char* name) { where_.field = name; }

    int parse_root(sj::document& doc) {
        sj::object root;
        if (auto e = doc.get_object().get(root); e != SUCCESS) {
            if (e != simdjson::INCORRECT_TYPE) return e;  // e.g. truncated
            // Valid JSON of another shape, or not JSON at all (an HTML error page, say)?
            const char* p = begin_;
            while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
            if (*p != '[' && *p != '"' && *p != '-' && (*p < '0' || *p > '9') && *p != 't' && *p != 'f' && *p != 'n') {
                return simdjson::TAPE_ERROR;
            }
            where_.detail = "expected a JSON object at the root";
            return root_shape;
        }
        const char* wanted = endpoint_ == endpoint::find ? "sessions" : "centers";
        bool found = false;
        for (auto f : root) {
            sj::field kv;
            COWIN_TRY(std::move(f).get(kv));
            if (!is(kv.key(), wanted)) {
                field(nullptr);
                COWIN_TRY(skip_unknown(kv.value(), 1));
                continue;
            }
            found = true;
            field(wanted);
            if (endpoint_ == endpoint::calendar_by_center) {
                // calendarByCenter serves one centre object, not an array.
                sj::object center;
                COWIN_TRY(kv.value().get_object().get(center));
                where_.center_at = 0;
                field(nullptr);
                COWIN_TRY(parse_center(center));
                continue;
            }
            sj::array items;
            COWIN_TRY(kv.value().get_array().get(items));
            for (auto item : items) {
                field(nullptr);
                if (endpoint_ == endpoint::find) {
                    ++where_.session_at;
                } else {
                    ++where_.center_at;
                    where_.session_at = -1;
                }
                sj::object obj;
                COWIN_TRY(item.get_object().get(obj));
                COWIN_TRY(endpoint_ == endpoint::find ? parse_flat_record(obj) : parse_center(obj));
            }
        }
        where_.center_at = where_.session_at = -1;
        if (!found) {
            field(wanted);
            return missing_field;
        }
        field(nullptr);
        // simdjson 3.0 has no document::at_end(); a location after the root means bytes follow it.
        const char* rest = nullptr;
        if (doc.current_location().get(rest) == SUCCESS) return trailing;
        return SUCCESS;
    }

    static session_view blank_session() {
        // Required fields start at values no response produces, so a missing one is noticed.
        session_view s;
        s.min_age = -1;
        s.cap.total = capacities::unknown;
        return s;
    }

    int parse_center(sj::object obj) {
        const std::uint32_t index = out_->add_center();
        bool has_id = false;
        for (auto f : obj) {
            sj::field kv;
            COWIN_TRY(std::move(f).get(kv));
            raw_key key = kv.key();
            if (is(key, "sessions")) {
                COWIN_TRY(parse_sessions(kv.value(), index));
                continue;
            }
            bool handled = false;
            COWIN_TRY(center_field(key, kv.value(), out_->center(index), handled));
            if (handled) {
                has_id = has_id || is(key, "center_id");
            } else {
                field(nullptr);
                COWIN_TRY(skip_unknown(kv.value(), 3));
            }
        }
        if (!has_id) {
            field("center_id");
            return missing_field;
        }
        // Sessions of calendarByCenter carry no session_id; the centre id is known only now.
        const std::int64_t center_id = out_->center(index).center_id;
        for (std::uint32_t i = out_->session_count(); i-- > 0;) {
            session_view& s = out_->session(i);
            if (s.center != index) break;
            if (s.key == 0) s.key = derived_session_key(s, center_id);
        }
        return SUCCESS;
    }

    int parse_sessions(sj::value v, std::uint32_t center) {
        field("sessions");
        sj::array sessions;
        COWIN_TRY(v.get_array().get(sessions));
        where_.session_at = -1;
        for (auto item : sessions) {
            ++where_.session_at;
            field(nullptr);
            sj::object obj;
            COWIN_TRY(item.get_object().get(obj));
            session_view s = blank_session();
            s.center = center;
            for (auto f : obj) {
                sj::field kv;
                COWIN_TRY(std::move(f).get(kv));
                bool handled = false;
                COWIN_TRY(session_field(kv.key(), kv.value(), s, handled));
                if (!handled) {
                    field(nullptr);
                    COWIN_TRY(skip_unknown(kv.value(), 5));
                }
            }
            COWIN_TRY(finish_session(s));
        }
        where_.session_at = -1;
        return SUCCESS;
    }

    int parse_flat_record(sj::object obj) {
        center_view c;
        session_view s = blank_session();
        bool has_id = false;
        for (auto f : obj) {
            sj::field kv;
            COWIN_TRY(std::move(f).get(kv));
            raw_key key = kv.key();
            bool handled = false;
            COWIN_TRY(center_field(key, kv.value(), c, handled));
            if (handled) {
                has_id = has_id || is(key, "center_id");
                continue;
            }
            COWIN_TRY(session_field(key, kv.value(), s, handled));
            if (!handled) {
                field(nullptr);
                COWIN_TRY(skip_unknown(kv.value(), 3));
            }
        }
        if (!has_id) {
            field("center_id");
            return missing_field;
        }
        s.center = out_->find_or_add_center(c);
        if (s.session_id.empty()) s.key = derived_session_key(s, c.center_id);
        return finish_session(s);
    }

    int center_field(raw_key key, sj::value v, center_view& c, bool& handled) {
        handled = true;
        switch (key.raw()[0]) {
            case 'c':
                if (is(key, "center_id")) return field("center_id"), read_int(v, c.center_id);
                break;
            case 'n':
                if (is(key, "name")) return field("name"), read_string(v, c.name);
                break;
            case 'a':
                if (is(key, "address")) return field("address"), read_string(v, c.address);
                break;
            case 's':
                if (is(key, "state_name")) return field("state_name"), read_string(v, c.state_name);
                break;
            case 'd':
                if (is(key, "district_name")) return field("district_name"), read_string(v, c.district_name);
                break;
            case 'b':
                if (is(key, "block_name")) return field("block_name"), read_string(v, c.block_name);
                break;
            case 'f':
                if (is(key, "fee_type")) {
                    field("fee_type");
                    std::string_view fee;
                    COWIN_TRY(read_string(v, fee));
                    c.fee = fee == "Free" || fee == "free"   ? fee_kind::free
                            : fee == "Paid" || fee == "paid" ? fee_kind::paid
                                                             : fee_kind::unknown;
                    return SUCCESS;
                }
                if (is(key, "from")) return field("from"), read_string(v, c.from);
                break;
            case 't':
                if (is(key, "to")) return field("to"), read_string(v, c.to);
                break;
            case 'p':
                if (is(key, "pincode")) return field("pincode"), read_pincode(v, c.pincode);
                break;
            case 'v':
                if (is(key, "vaccine_fees")) return field("vaccine_fees"), read_fees(v, c);
                break;
            default: break;
        }
        handled = false;
        return SUCCESS;
    }

    int session_field(raw_key key, sj::value v, session_view& s, bool& handled) {
        handled = true;
        switch (key.raw()[0]) {
            case 's':
                if (is(key, "session_id")) return field("session_id"), read_string(v, s.session_id);
                if (is(key, "slots")) return field("slots"), read_slots(v, s);
                break;
            case 'd':
                if (is(key, "date")) return field("date"), read_date(v, s.date);
                break;
            case 'a':
                if (is(key, "available_capacity")) return field("available_capacity"), read_capacity(v, s.cap.total);
                if (is(key, "available_capacity_dose1")) {
                    return field("available_capacity_dose1"), read_capacity(v, s.cap.dose1);
                }
                if (is(key, "available_capacity_dose2")) {
                    return field("available_capacity_dose2"), read_capacity(v, s.cap.dose2);
                }
                if (is(key, "allow_all_age")) return field("allow_all_age"), read_tristate(v, s.allow_all_age);
                break;
            case 'm':
                if (is(key, "min_age_limit")) return field("min_age_limit"), read_age(v, s.min_age, true);
                if (is(key, "max_age_limit")) return field("max_age_limit"), read_age(v, s.max_age, false);
                break;
            case 'v':
                if (is(key, "vaccine")) {
                    field("vaccine");
                    std::string_view name;
                    COWIN_TRY(read_string(v, name));
                    s.vaccine_name = trim(name);
                    s.vaccine_id = parse_vaccine(s.vaccine_name);
                    return SUCCESS;
                }
                break;
            case 'f':
                // A string ("0", "386.25") in real responses; a number is taken as written.
                if (is(key, "fee")) return field("fee"), read_amount(v, s.fee);
                break;
            default: break;
        }
        handled = false;
        return SUCCESS;
    }

    int finish_session(session_view& s) {
        // available_capacity, date and min_age_limit are in every session CoWIN ever served; without
        // them nothing about the session can be decided.
        if (!s.date.valid()) return field("date"), missing_field;
        if (s.min_age < 0) return field("min_age_limit"), missing_field;
        if (s.cap.total == capacities::unknown) return field("available_capacity"), missing_field;
        if (!s.session_id.empty()) s.key = session_id_key(s.session_id);
        out_->add_session(s);
        return SUCCESS;
    }

    int read_slots(sj::value v, session_view& s) {
        sj::array arr;
        COWIN_TRY(v.get_array().get(arr));
        s.first_slot = out_->slot_count();
        for (auto item : arr) {
            sj::value slot;
            COWIN_TRY(std::move(item).get(slot));
            sj::json_type t;
            COWIN_TRY(slot.type().get(t));
            slot_view sv;
            if (t == sj::json_type::string) {
                COWIN_TRY(slot.get_string().get(sv.time));
            } else {
                // From April 2022: {"time":"09:00AM-11:00AM","seats":0}.
                sj::object obj;
                COWIN_TRY(slot.get_object().get(obj));
                for (auto f : obj) {
                    sj::field kv;
                    COWIN_TRY(std::move(f).get(kv));
                    if (is(kv.key(), "time")) {
                        COWIN_TRY(read_string(kv.value(), sv.time));
                    } else if (is(kv.key(), "seats")) {
                        COWIN_TRY(read_capacity(kv.value(), sv.seats));
                    } else {
                        COWIN_TRY(skip_unknown(kv.value(), 7));
                    }
                }
            }
            out_->add_slot(sv);
        }
        s.slot_count = out_->slot_count() - s.first_slot;
        return SUCCESS;
    }

    int read_fees(sj::value v, center_view& c) {
        sj::array arr;
        COWIN_TRY(v.get_array().get(arr));
        c.first_fee = out_->fee_count();
        for (auto item : arr) {
            sj::object obj;
            COWIN_TRY(item.get_object().get(obj));
            vaccine_fee_view fv;
            for (auto f : obj) {
                sj::field kv;
                COWIN_TRY(std::move(f).get(kv));
                if (is(kv.key(), "vaccine")) {
                    COWIN_TRY(read_string(kv.value(), fv.vaccine));
                } else if (is(kv.key(), "fee")) {
                    COWIN_TRY(read_amount(kv.value(), fv.fee));
                } else {
                    COWIN_TRY(skip_unknown(kv.value(), 5));
                }
            }
            out_->add_fee(fv);
        }
        c.fee_count = out_->fee_count() - c.first_fee;
        return SUCCESS;
    }

    int read_string(sj::value v, std::string_view& out) {
        auto e = v.get_string().get(out);
        if (e != simdjson::INCORRECT_TYPE) return e;
        // null reads as "": the string was not given.
        bool null = false;
        COWIN_TRY(v.is_null().get(null));
        if (!null) return e;
        out = {};
        return SUCCESS;
    }

    int read_int(sj::value v, std::int64_t& out) { return static_cast<int>(v.get_int64().get(out)); }

    int read_capacity(sj::value v, std::int32_t& out) {
        std::int64_t n = 0;
        COWIN_TRY(v.get_int64().get(n));
        out = clamp_capacity(n);
        return SUCCESS;
    }

    int read_amount(sj::value v, std::string_view& out) {
        sj::json_type t;
        COWIN_TRY(v.type().get(t));
        if (t == sj::json_type::string) return read_string(v, out);
        if (t != sj::json_type::number) return simdjson::INCORRECT_TYPE;
        out = trim(v.raw_json_token());
        return SUCCESS;
    }

    // Served as a number although the spec says string: both are read. A string that is not a pincode
    // leaves it unknown (0) rather than losing the whole response.
    int read_pincode(sj::value v, std::int32_t& out) {
        sj::json_type t;
        COWIN_TRY(v.type().get(t));
        std::int64_t n = 0;
        if (t == sj::json_type::string) {
            std::string_view pin;
            COWIN_TRY(v.get_string().get(pin));
            for (char ch : trim(pin)) {
                if (ch < '0' || ch > '9' || n > 99999) {
                    n = 0;
                    break;
                }
                n = n * 10 + (ch - '0');
            }
        } else {
            COWIN_TRY(v.get_int64().get(n));
        }
        out = n >= 100000 && n <= 999999 ? static_cast<std::int32_t>(n) : 0;
        return SUCCESS;
    }

    int read_date(sj::value v, civil_date& out) {
        std::string_view text;
        COWIN_TRY(read_string(v, text));
        auto d = parse_cowin_date(text);
        if (!d) {
            where_.detail = "expected a date DD-MM-YYYY";
            return bad_value;
        }
        out = *d;
        return SUCCESS;
    }

    int read_age(sj::value v, std::int16_t& out, bool required) {
        bool null = false;
        COWIN_TRY(v.is_null().get(null));
        if (null) return required ? missing_field : SUCCESS;
        std::int64_t age = 0;
        COWIN_TRY(v.get_int64().get(age));
        if (age < 0 || age > 200) {
            where_.detail = "expected an age between 0 and 200";
            return bad_value;
        }
        out = static_cast<std::int16_t>(age);
        return SUCCESS;
    }

    int read_tristate(sj::value v, tristate& out) {
        bool null = false;
        COWIN_TRY(v.is_null().get(null));
        if (null) return SUCCESS;
        bool b = false;
        COWIN_TRY(v.get_bool().get(b));
        out = b ? tristate::yes : tristate::no;
        return SUCCESS;
    }

    // Walks a value nobody reads, so that nesting past the bound is refused rather than skipped:
    // simdjson's on-demand front end does not bound depth by itself.
    int skip_unknown(sj::value v, int depth) {
        sj::json_type t;
        COWIN_TRY(v.type().get(t));
        if (t != sj::json_type::object && t != sj::json_type::array) return SUCCESS;  // simdjson skips scalars
        if (depth >= max_depth_) return too_deep;
        if (t == sj::json_type::array) {
            sj::array arr;
            COWIN_TRY(v.get_array().get(arr));
            for (auto item : arr) {
                sj::value child;
                COWIN_TRY(std::move(item).get(child));
                COWIN_TRY(skip_unknown(child, depth + 1));
            }
            return SUCCESS;
        }
        sj::object obj;
        COWIN_TRY(v.get_object().get(obj));
        for (auto f : obj) {
            sj::field kv;
            COWIN_TRY(std::move(f).get(kv));
            COWIN_TRY(skip_unknown(kv.value(), depth + 1));
        }
        return SUCCESS;
    }

    sj::parser parser_;
    view_builder* out_ = nullptr;
    endpoint endpoint_ = endpoint::calendar;
    int max_depth_ = 32;
    const char* begin_ = nullptr;
    sj::document* doc_ = nullptr;
    kernel_failure where_;
};

#undef COWIN_TRY
