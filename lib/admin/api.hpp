#pragma once
// The admin API's routes (DESIGN.md §6): health, readiness and metrics open; /v1/* behind the bearer
// token. Request bodies go through the config's own subscription reader.

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>

#include "admin/server.hpp"
#include "delivery/outbox.hpp"
#include "metrics/registry.hpp"
#include "subs/service.hpp"

namespace cowin::admin {

struct api_context {
    subs::service& subscriptions;
    metrics::registry& metrics;
    /// The token; empty when none is configured (then /v1 refuses everyone).
    std::string token;
    /// Config loaded and Redis reachable.
    std::function<bool()> ready;
    /// Channels' credentials: a subscription may only use channels this process can deliver to.
    config::delivery_settings delivery;
    /// The JSON of GET /v1/status.
    std::function<std::string()> status;
    /// The delivery outbox, for GET /v1/audit (null: not served).
    delivery::outbox* outbox = nullptr;
};

boost::asio::awaitable<response> handle(api_context& ctx, request& req);

/// Compares a presented bearer token with the configured one in time independent of where they differ.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace cowin::admin
