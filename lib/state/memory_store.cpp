#include "state/store.hpp"

namespace cowin::state {

boost::asio::awaitable<std::optional<stored_snapshot>> memory_store::load(std::string target) {
    auto it = snapshots_.find(target);
    if (it == snapshots_.end()) co_return std::nullopt;
    co_return it->second;
}

boost::asio::awaitable<commit_outcome> memory_store::commit_with_alerts(std::string target, std::uint64_t expected,
                                                                        stored_snapshot next,
                                                                        std::vector<std::string> alerts, outbox_claim) {
    commit_outcome out;
    auto it = snapshots_.find(target);
    const std::uint64_t current = it == snapshots_.end() ? 0 : it->second.snap.fingerprint;
    if (current != expected) co_return out;
    snapshots_[target] = std::move(next);
    for (auto& a : alerts) outbox_.add(std::move(a));
    out.stored = true;
    co_return out;
}

}  // namespace cowin::state
