#include "config/subscription_json.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstdio>

#include "config/subscription_reader.hpp"
#include "config/yaml_reader.hpp"

namespace cowin::config {

namespace {

YAML::Node tagged(std::string text, const char* tag) {
    YAML::Node n(std::move(text));
    n.SetTag(tag);
    return n;
}

YAML::Node to_node(simdjson::dom::element e) {
    switch (e.type()) {
        case simdjson::dom::element_type::OBJECT: {
            YAML::Node n(YAML::NodeType::Map);
            // Named: iterating a temporary simdjson_result's value dangles.
            const simdjson::dom::object o = e.get_object().value_unsafe();
            // force_insert keeps a repeated key, so the reader reports it as a duplicate.
            for (auto field : o) n.force_insert(std::string(field.key), to_node(field.value));
            return n;
        }
        case simdjson::dom::element_type::ARRAY: {
            YAML::Node n(YAML::NodeType::Sequence);
            const simdjson::dom::array a = e.get_array().value_unsafe();
            for (auto item : a) n.push_back(to_node(item));
            return n;
        }
        case simdjson::dom::element_type::STRING: return tagged(std::string(e.get_string().value_unsafe()), json_string_tag);
        case simdjson::dom::element_type::INT64: return tagged(std::to_string(e.get_int64().value_unsafe()), json_number_tag);
        case simdjson::dom::element_type::UINT64: return tagged(std::to_string(e.get_uint64().value_unsafe()), json_number_tag);
        case simdjson::dom::element_type::DOUBLE: {
            char buf[32];
            auto r = std::to_chars(buf, buf + sizeof buf, e.get_double().value_unsafe());
            return tagged(std::string(buf, r.ptr), json_number_tag);
        }
        case simdjson::dom::element_type::BOOL: return tagged(e.get_bool().value_unsafe() ? "true" : "false", json_bool_tag);
        case simdjson::dom::element_type::NULL_VALUE: return YAML::Node(YAML::NodeType::Null);
    }
    return YAML::Node(YAML::NodeType::Null);
}

}  // namespace

json_subscription read_subscription_json(std::string_view body, bool id_required) {
    json_subscription out;
    simdjson::dom::parser parser;
    if (auto err = parser.allocate(body.size() + 1, json_max_depth); err != simdjson::SUCCESS) {
        out.errors.push_back({"body", 1, 1, "", "cannot allocate a parser for the body"});
        return out;
    }
    simdjson::dom::element root;
    if (auto err = parser.parse(body.data(), body.size()).get(root); err != simdjson::SUCCESS) {
        std::string why = err == simdjson::DEPTH_ERROR ? "nested deeper than " + std::to_string(json_max_depth) + " levels"
                                                       : simdjson::error_message(err);
        out.errors.push_back({"body", 1, 1, "", "the body is not valid JSON: " + why});
        return out;
    }
    if (!root.is_object()) {
        out.errors.push_back({"body", 1, 1, "", "expected a JSON object (one subscription)"});
        return out;
    }
    diagnostics diag;
    subscription s;
    {
        yaml_reader reader("body", diag);
        s = read_subscription(reader, to_node(root), "", YAML::Mark::null_mark(), id_required);
    }  // map readers report unknown keys as they close
    if (!diag.errors.empty()) {
        out.errors = std::move(diag.errors);
        return out;
    }
    out.sub = std::move(s);
    return out;
}

}  // namespace cowin::config
