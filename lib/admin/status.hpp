#pragma once
// GET /v1/status: what the poller knows, as JSON.
#include <string>

#include "delivery/depth.hpp"
#include "poll/poller.hpp"

namespace cowin::admin {

/// Per target: last attempt and success, result, next due, coverage; the budget; subscriptions; the outbox.
std::string status_json(const poll::poller& p, std::size_t subscriptions, bool store_ready,
                        delivery::outbox_depth outbox = {});

}  // namespace cowin::admin
