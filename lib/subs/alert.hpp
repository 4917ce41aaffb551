#pragma once
// What the matcher hands to delivery: per subscription and poll, the sessions that opened for it.
// Session details are copied once per poll into a shared pool, so that a session opening for 10,000
// subscribers is held once.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cowin/model.hpp"

namespace cowin::subs {

struct alert_draft {
    std::string subscription_id;
    std::uint32_t slot = 0;
    /// The target the sessions were seen in (district id or pincode).
    bool by_pincode = false;
    std::int64_t target_id = 0;
    std::chrono::system_clock::time_point fetched_at{};
    std::chrono::system_clock::time_point detected_at{};
    std::shared_ptr<const std::vector<api::session_detail>> pool;
    /// Indices in *pool.
    std::vector<std::uint32_t> sessions;
};

}  // namespace cowin::subs
