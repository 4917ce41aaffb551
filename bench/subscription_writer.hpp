#pragma once
// Writes subscriptions into a redis-server the way the repository stores them, streamed through
// `redis-cli --pipe`, so that the benchmark process holds none of them before the daemon's code loads
// them.
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "log/log.hpp"
#include "state/redis_store.hpp"
#include "subs/record.hpp"
#include "subs/repository.hpp"

namespace cowin::bench {

inline void append_resp(std::string& out, std::initializer_list<std::string_view> args) {
    out += "*" + std::to_string(args.size()) + "\r\n";
    for (auto a : args) {
        out += "$" + std::to_string(a.size()) + "\r\n";
        out.append(a);
        out += "\r\n";
    }
}

inline void write_subscriptions(int redis_port, int count, const std::function<config::subscription(int)>& make) {
    const std::string pipe_cmd = "redis-cli -p " + std::to_string(redis_port) + " --pipe >/dev/null";
    FILE* pipe = ::popen(pipe_cmd.c_str(), "w");
    std::string chunk;
    log::logger quiet([](log::level, std::string_view) {}, log::level::error);
    boost::asio::io_context scratch;
    config::redis_settings rs;
    state::redis_store keys(scratch.get_executor(), rs, quiet);  // for the key names only; never connects
    subs::redis_repository naming(keys);
    for (int i = 0; i < count; ++i) {
        subs::record r{make(i), subs::origin::api, 1700000000000, 1700000000000, true, {}};
        append_resp(chunk, {"HSET", naming.key_of(r.sub.id), r.sub.id, subs::to_json(r, subs::secrets::reveal)});
        append_resp(chunk, {"HSET", naming.entry_key_of(r.sub.id), r.sub.id, subs::encode(subs::entry_of(r))});
        if (chunk.size() > (1 << 20)) {
            std::fwrite(chunk.data(), 1, chunk.size(), pipe);
            chunk.clear();
        }
    }
    std::fwrite(chunk.data(), 1, chunk.size(), pipe);
    ::pclose(pipe);
}

}  // namespace cowin::bench
