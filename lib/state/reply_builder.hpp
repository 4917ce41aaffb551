#pragma once
// hiredis builds each reply with these functions straight into our redis_reply tree. Its own tree
// would be built, copied into ours and freed: every string allocated and copied twice, for every
// reply (a claimed batch of alerts is a few hundred of them).
#include <hiredis/read.h>

#include "state/redis_connection.hpp"

namespace cowin::state {

/// For a reader's `fn` (a redisAsyncContext's `c.reader->fn`).
redisReplyObjectFunctions* reply_functions();

/// Moves the value out of a top-level object the functions built; hiredis still frees the object.
redis_reply take_reply(void* built);

}  // namespace cowin::state
