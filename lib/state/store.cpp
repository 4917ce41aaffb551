#include "state/store.hpp"

namespace cowin::state {

boost::asio::awaitable<bool> store::commit(std::string target, std::uint64_t expected, stored_snapshot next) {
    std::vector<std::string> none;
    outbox_claim nothing;
    const commit_outcome out = co_await commit_with_alerts(std::move(target), expected, std::move(next), std::move(none),
                                                           std::move(nothing));
    co_return out.stored;
}

}  // namespace cowin::state
