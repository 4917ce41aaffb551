#pragma once
// What a sandbox webhook receiver got, as a history to check (DESIGN.md §9): per subscriber, per
// session, the webhook-ids that carried it. Expected: every (subscriber, opened session) pair exactly
// once by webhook-id. A pair under two different ids is a duplicate alert (a failure); the same id
// delivered twice is an allowed redelivery; a session that was never opened is a false alert.
#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "support/http_client.hpp"

namespace cowin::test {

struct hook_history {
    std::size_t deliveries = 0;   ///< requests the receiver got
    std::size_t unverified = 0;   ///< with a signature that did not verify
    std::size_t foreign = 0;      ///< sessions named that were never opened
    /// subscriber -> session -> webhook-ids
    std::map<std::string, std::map<std::string, std::set<std::string>>> seen;

    /// Pairs of (subscriber, opened session) that arrived at least once.
    std::size_t pairs_delivered() const;
    /// Pairs that arrived under more than one webhook-id.
    std::size_t pairs_duplicated() const;
    /// Requests beyond the first per webhook-id (redeliveries after a crash).
    std::size_t redeliveries() const;
    /// "alerts expected E, delivered D, lost L, duplicates (same webhook-id) R, duplicate alerts X,
    /// false F" for `expected` pairs.
    std::string summary(std::size_t expected) const;
};

/// Reads /sandbox/v1/hooks/<hook>; sessions outside `opened` count as foreign.
hook_history read_hook_history(http_client& control, const std::string& hook, const std::set<std::string>& opened);

}  // namespace cowin::test
