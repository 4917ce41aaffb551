#pragma once
// Where subscriptions are kept between restarts. Redis: JSON records in 256 hashes
// "<prefix>subs:<bucket>" (bucket from the id's hash), so that a start loads them all with pipelined
// HGETALLs without one giant reply; memory: a map in process. The matcher's index is rebuilt from
// here at start and follows every change.

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
    /// Calls `each` for every record; `skipped` counts stored values that do not decode.
    virtual boost::asio::awaitable<void> load_all(std::function<void(record&&)> each, std::size_t& skipped) = 0;
};

class memory_repository final : public repository {
public:
    boost::asio::awaitable<void> put(record r) override;
    boost::asio::awaitable<std::optional<record>> get(std::string id) override;
    boost::asio::awaitable<std::vector<std::optional<record>>> get_many(std::vector<std::string> ids) override;
    boost::asio::awaitable<bool> remove(std::string id) override;
    boost::asio::awaitable<void> load_all(std::function<void(record&&)> each, std::size_t& skipped) override;

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
    boost::asio::awaitable<void> load_all(std::function<void(record&&)> each, std::size_t& skipped) override;

    /// "<prefix>subs:<bucket>" for `id`.
    std::string key_of(const std::string& id) const;

private:
    state::redis_store& store_;
};

}  // namespace cowin::subs
