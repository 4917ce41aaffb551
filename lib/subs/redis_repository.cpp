#include <xxhash.h>

#include "state/redis_store.hpp"
#include "subs/repository.hpp"

namespace cowin::subs {

namespace net = boost::asio;

std::string redis_repository::key_of(const std::string& id) const {
    return store_.prefix() + "subs:" + std::to_string(XXH3_64bits(id.data(), id.size()) % buckets);
}

net::awaitable<void> redis_repository::put(record r) {
    std::vector<std::string> cmd{"HSET", key_of(r.sub.id), r.sub.id, to_json(r, secrets::reveal)};
    co_await store_.run(std::move(cmd), "HSET subscription");
}

net::awaitable<std::optional<record>> redis_repository::get(std::string id) {
    std::vector<std::string> cmd{"HGET", key_of(id), id};
    auto reply = co_await store_.run(std::move(cmd), "HGET subscription");
    if (reply.kind != state::redis_reply::type::string) co_return std::nullopt;
    co_return from_json(reply.str);
}

net::awaitable<std::vector<std::optional<record>>> redis_repository::get_many(std::vector<std::string> ids) {
    std::vector<std::vector<std::string>> cmds;
    cmds.reserve(ids.size());
    for (const auto& id : ids) cmds.push_back({"HGET", key_of(id), id});
    auto replies = co_await store_.run_pipeline(std::move(cmds), "HGET subscriptions");
    std::vector<std::optional<record>> out;
    out.reserve(replies.size());
    for (const auto& r : replies) {
        out.push_back(r.kind == state::redis_reply::type::string ? from_json(r.str) : std::nullopt);
    }
    co_return out;
}

net::awaitable<bool> redis_repository::remove(std::string id) {
    std::vector<std::string> cmd{"HDEL", key_of(id), id};
    auto reply = co_await store_.run(std::move(cmd), "HDEL subscription");
    co_return reply.integer > 0;
}

// 16 buckets per round trip: pipelined, yet never more than about 1/16 of every record in memory twice.
net::awaitable<void> redis_repository::load_all(std::function<void(record&&)> each, std::size_t& skipped) {
    skipped = 0;
    constexpr int window = 16;
    for (int first = 0; first < buckets; first += window) {
        std::vector<std::vector<std::string>> cmds;
        for (int b = first; b < first + window && b < buckets; ++b) {
            cmds.push_back({"HGETALL", store_.prefix() + "subs:" + std::to_string(b)});
        }
        auto replies = co_await store_.run_pipeline(std::move(cmds), "HGETALL subscriptions");
        for (auto& reply : replies) {
            for (std::size_t i = 1; i < reply.elements.size(); i += 2) {
                auto r = from_json(reply.elements[i].str);
                if (!r) {
                    ++skipped;
                    continue;
                }
                each(std::move(*r));
            }
        }
    }
}

}  // namespace cowin::subs
