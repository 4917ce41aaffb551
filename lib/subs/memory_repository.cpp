#include "subs/repository.hpp"

namespace cowin::subs {

namespace net = boost::asio;

net::awaitable<void> memory_repository::put(record r) {
    const std::string id = r.sub.id;
    records_[id] = std::move(r);
    co_return;
}

net::awaitable<std::optional<record>> memory_repository::get(std::string id) {
    auto it = records_.find(id);
    if (it == records_.end()) co_return std::nullopt;
    co_return it->second;
}

net::awaitable<std::vector<std::optional<record>>> memory_repository::get_many(std::vector<std::string> ids) {
    std::vector<std::optional<record>> out;
    for (const auto& id : ids) {
        auto it = records_.find(id);
        out.push_back(it == records_.end() ? std::nullopt : std::optional<record>(it->second));
    }
    co_return out;
}

net::awaitable<bool> memory_repository::remove(std::string id) { co_return records_.erase(id) > 0; }

net::awaitable<void> memory_repository::load_all(std::function<void(index_entry&&)> each, std::size_t& skipped) {
    skipped = 0;
    for (const auto& [id, r] : records_) each(entry_of(r));
    co_return;
}

}  // namespace cowin::subs
