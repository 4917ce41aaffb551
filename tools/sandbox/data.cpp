#include "data.hpp"

#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cowin::sandbox {

namespace {
bool slurp(const std::filesystem::path& p, std::string& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    out = s.str();
    return true;
}
}  // namespace

data load_data(std::string dir) {
    data d;
    if (dir.empty()) {
        dir = COWIN_SANDBOX_DATA_DIR;
        if (!std::filesystem::exists(dir)) dir = "/usr/share/cowin-notifier/sandbox";
    }
    const std::filesystem::path base(dir);
    std::string districts;
    if (!slurp(base / "districts_all_india_2021-05-19.json", districts) || !slurp(base / "states_2021-07.json", d.states_json) ||
        !slurp(base / "error_403_cloudfront_blocked.html", d.blocked_page)) {
        d.error = "cannot read the sandbox data in " + dir + " (see --data)";
        return d;
    }
    simdjson::dom::parser parser;
    simdjson::dom::array list;
    if (parser.parse(districts).get_array().get(list) != simdjson::SUCCESS) {
        d.error = "district list in " + dir + " is not a JSON array";
        return d;
    }
    for (auto item : list) {
        district_info di;
        std::string_view name, state;
        if (item["district_id"].get_int64().get(di.district_id) || item["district_name"].get_string().get(name) ||
            item["state_id"].get_int64().get(di.state_id) || item["state_name"].get_string().get(state)) {
            d.error = "district list in " + dir + " has an entry without district_id, district_name, state_id or state_name";
            return d;
        }
        di.district_name = std::string(name);
        di.state_name = std::string(state);
        d.districts.push_back(std::move(di));
    }
    return d;
}

}  // namespace cowin::sandbox
