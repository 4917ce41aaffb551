#pragma once
// GET /v1/status: what the poller knows, as JSON.
#include <string>

#include "poll/poller.hpp"

namespace cowin::admin {

/// Per target: last attempt and success, result, next due, coverage; the budget; subscriptions.
std::string status_json(const poll::poller& p, std::size_t subscriptions, bool store_ready,
                        std::pair<std::int64_t, std::int64_t> outbox_depth_and_dead = {0, 0});

}  // namespace cowin::admin
