#pragma once
// From a poll's commit straight to this process's delivery: the commit itself takes the poll's first
// alerts for this worker (as its consumer, so a crash leaves them to be taken over as usual), and the
// worker reads their subscriptions while the commit is on its way. The first webhook leaves one
// round trip after the commit is sent, instead of three (commit, read the outbox, read subscriptions).

#include "delivery/worker.hpp"
#include "poll/poller.hpp"

namespace cowin::delivery {

void hand_off(poll::poller& from, worker& to);

}  // namespace cowin::delivery
