#include <xxhash.h>

#include <algorithm>
#include <stdexcept>

#include "state/redis_store.hpp"
#include "subs/repository.hpp"

namespace cowin::subs {

namespace net = boost::asio;

namespace {
std::string bucket_of(const std::string& id) {
    return std::to_string(XXH3_64bits(id.data(), id.size()) % redis_repository::buckets);
}
}  // namespace

std::string redis_repository::key_of(const std::string& id) const { return store_.prefix() + "subs:" + bucket_of(id); }
std::string redis_repository::entry_key_of(const std::string& id) const {
    return store_.prefix() + "subx:" + bucket_of(id);
}

// Built outside the coroutines: GCC 12 mishandles braced lists of strings inside them.
std::vector<std::vector<std::string>> redis_repository::put_commands(const record& r) const {
    std::vector<std::vector<std::string>> out(4);
    out[0].push_back("MULTI");
    out[1] = {std::string("HSET"), key_of(r.sub.id), r.sub.id, to_json(r, secrets::reveal)};
    out[2] = {std::string("HSET"), entry_key_of(r.sub.id), r.sub.id, encode(entry_of(r))};
    out[3].push_back("EXEC");
    return out;
}

// Written straight as RESP: a batch of deliveries looks up one record per alert.
state::resp_commands redis_repository::get_commands(const std::vector<std::string>& ids) const {
    state::resp_commands out;
    for (const auto& id : ids) {
        out.begin(3);
        out.arg("HGET");
        out.arg_joined({store_.prefix(), "subs:", bucket_of(id)});
        out.arg(id);
    }
    return out;
}

std::vector<std::vector<std::string>> redis_repository::remove_commands(const std::string& id) const {
    std::vector<std::vector<std::string>> out(4);
    out[0].push_back("MULTI");
    out[1] = {std::string("HDEL"), key_of(id), id};
    out[2] = {std::string("HDEL"), entry_key_of(id), id};
    out[3].push_back("EXEC");
    return out;
}

// Record and entry together or neither: a pipelined MULTI/EXEC is one atomic step in Redis.
net::awaitable<void> redis_repository::put(record r) {
    auto replies = co_await store_.run_pipeline(put_commands(r), "HSET subscription");
    if (replies.back().kind != state::redis_reply::type::array) throw std::runtime_error("Redis did not store the subscription");
}

net::awaitable<std::optional<record>> redis_repository::get(std::string id) {
    std::vector<std::string> cmd{"HGET", key_of(id), id};
    auto reply = co_await store_.run(std::move(cmd), "HGET subscription");
    if (reply.kind != state::redis_reply::type::string) co_return std::nullopt;
    co_return from_json(reply.str);
}

net::awaitable<std::vector<std::optional<record>>> redis_repository::get_many(std::vector<std::string> ids) {
    auto commands = get_commands(ids);  // named: GCC 12 and temporaries in co_await
    auto replies = co_await store_.run_reads(std::move(commands), "HGET subscriptions");
    std::vector<std::optional<record>> out;
    out.reserve(replies.size());
    for (const auto& r : replies) {
        out.push_back(r.kind == state::redis_reply::type::string ? from_json(r.str) : std::nullopt);
    }
    co_return out;
}

net::awaitable<bool> redis_repository::remove(std::string id) {
    auto replies = co_await store_.run_pipeline(remove_commands(id), "HDEL subscription");
    const auto& exec = replies.back();
    co_return exec.kind == state::redis_reply::type::array && !exec.elements.empty() && exec.elements[0].integer > 0;
}

net::awaitable<std::size_t> redis_repository::count() {
    std::vector<std::vector<std::string>> cmds(buckets);
    for (int b = 0; b < buckets; ++b) {
        cmds[static_cast<std::size_t>(b)].push_back("HLEN");
        cmds[static_cast<std::size_t>(b)].push_back(store_.prefix() + "subx:" + std::to_string(b));
    }
    std::size_t n = 0;
    for (const auto& r : co_await store_.run_pipeline(std::move(cmds), "HLEN subscriptions")) {
        n += static_cast<std::size_t>(std::max<std::int64_t>(r.integer, 0));
    }
    co_return n;
}

// 16 buckets per round trip: pipelined, yet never more than about 1/16 of the entries in memory twice.
net::awaitable<void> redis_repository::load_all(std::function<void(index_entry&&)> each, std::size_t& skipped) {
    skipped = 0;
    constexpr int window = 16;
    for (int first = 0; first < buckets; first += window) {
        std::vector<std::vector<std::string>> cmds;
        for (int b = first; b < first + window && b < buckets; ++b) {
            cmds.push_back({"HGETALL", store_.prefix() + "subx:" + std::to_string(b)});
        }
        auto replies = co_await store_.run_pipeline(std::move(cmds), "HGETALL subscriptions");
        for (auto& reply : replies) {
            for (std::size_t i = 1; i < reply.elements.size(); i += 2) {
                auto e = decode_entry(reply.elements[i - 1].str, reply.elements[i].str);
                if (!e) {
                    ++skipped;
                    continue;
                }
                each(std::move(*e));
            }
        }
    }
}

}  // namespace cowin::subs
