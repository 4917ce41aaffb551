#pragma once
// What the Redis store tests build over and over: a snapshot of one session, and Redis settings under
// a key prefix of the test's own.
#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "state/store.hpp"

namespace cowin::test {

inline state::stored_snapshot one_session_snapshot(std::uint64_t fingerprint, int capacity = 5) {
    state::stored_snapshot s;
    s.snap.fingerprint = fingerprint;
    api::session_state st;
    st.key = 42;
    st.center_id = 7;
    st.cap = {capacity, capacity, 0};
    st.date = {2026, 11, 28};
    s.snap.sessions.push_back(st);
    return s;
}

inline config::redis_settings redis_under(std::uint16_t port, std::string prefix) {
    config::redis_settings r;
    r.port = port;
    r.key_prefix = std::move(prefix);
    return r;
}

}  // namespace cowin::test
