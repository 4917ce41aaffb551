#pragma once
// Where subscriptions are kept between restarts. Redis: per subscription its JSON record in
// "<prefix>subs:<bucket>" and its 24-byte index entry in "<prefix>subx:<bucket>" (bucket from the id's
// hash, 256 of each), written and removed together in one MULTI/EXEC. A start loads only the entries,
// with pipelined HGETALLs and no giant reply; records are read when used. Memory: a map in process.

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/resp_commands.hpp"

#include "subs/index_entry.hpp"
#include "subs/record.hpp"

namespace cowin::state {
class redis_store;
}

namespace cowin::subs {

class repository {
public:
    virtual ~repository() = default;
    virtual boost::asio::awaitable<void> put(record r) = 0;
    virtual boost::asio::awaitable<std::optional<record>> get(std::string id) = 0;
    /// In the order asked; nullopt for ids not kept.
    virtual boost::asio::awaitable<std::vector<std::optional<record>>> get_many(std::vector<std::string> ids) = 0;
    /// True when it existed.
    virtual boost::asio::awaitable<bool> remove(std::string id) = 0;
    /// Calls `each` with the index entry of every subscription kept; `skipped` counts stored values
    /// that do not decode.
    virtual boost::asio::awaitable<void> load_all(std::function<void(index_entry&&)> each, std::size_t& skipped) = 0;
    /// How many are kept (to size the index before loading).
    virtual boost::asio::awaitable<std::size_t> count() = 0;
};

class memory_repository final : public repository {
public:
    boost::asio::awaitable<void> put(record r) override;
    boost::asio::awaitable<std::optional<record>> get(std::string id) override;
    boost::asio::awaitable<std::vector<std::optional<record>>> get_many(std::vector<std::string> ids) override;
    boost::asio::awaitable<bool> remove(std::string id) override;
    boost::asio::awaitable<void> load_all(std::function<void(index_entry&&)> each, std::size_t& skipped) override;
    boost::asio::awaitable<std::size_t> count() override { co_return records_.size(); }

private:
    std::map<std::string, record> records_;
};

class redis_repository final : public repository {
public:
    static constexpr int buckets = 256;
    explicit redis_repository(state::redis_store& store) : store_(store) {}

    boost::asio::awaitable<void> put(record r) override;
    boost::asio::awaitable<std::optional<record>> get(std::string id) override;
    boost::asio::awaitable<std::vector<std::optional<record>>> get_many(std::vector<std::string> ids) override;
    boost::asio::awaitable<bool> remove(std::string id) override;
    boost::asio::awaitable<void> load_all(std::function<void(index_entry&&)> each, std::size_t& skipped) override;
    boost::asio::awaitable<std::size_t> count() override;

    /// "<prefix>subs:<bucket>" (records) and "<prefix>subx:<bucket>" (index entries) for `id`.
    std::string key_of(const std::string& id) const;
    std::string entry_key_of(const std::string& id) const;

private:
    std::vector<std::vector<std::string>> put_commands(const record& r) const;
    std::vector<std::vector<std::string>> remove_commands(const std::string& id) const;
    state::resp_commands get_commands(const std::vector<std::string>& ids) const;
    state::redis_store& store_;
};

}  // namespace cowin::subs
