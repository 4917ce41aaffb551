#include "state/reply_builder.hpp"

#include <hiredis/hiredis.h>

#include <new>
#include <string_view>

namespace cowin::state {

namespace {

// A top-level reply. It starts as a redisReply does, because hiredis reads `type` and `str` of a
// reply that came with no command waiting for it (an error before closing, say) as a redisReply.
struct top_level {
    redisReply head{};
    redis_reply value;
};

// The two answers a transaction gets for every command it queues ("OK" to MULTI, then "QUEUED"),
// shared rather than built each time: nobody waits for them (hiredis frees them unread), and a settle
// of a few hundred alerts got a thousand of them. Never written after they are made.
top_level* make_shared_status(const char* text) {
    auto* t = new top_level;
    t->value.kind = redis_reply::type::status;
    t->value.str = text;
    t->head.type = REDIS_REPLY_STATUS;
    t->head.str = const_cast<char*>(t->value.str.c_str());
    t->head.len = t->value.str.size();
    return t;
}
top_level* const queued_reply = make_shared_status("QUEUED");
top_level* const ok_reply = make_shared_status("OK");

bool is_shared(const void* object) { return object == queued_reply || object == ok_reply; }

// Where a task's value goes: a new top-level object, or its place in the parent array (sized when
// the array was created, so the place does not move).
redis_reply* place(const redisReadTask* task, void*& object) {
    if (task->parent == nullptr) {
        auto* t = new (std::nothrow) top_level;
        object = t;
        return t == nullptr ? nullptr : &t->value;
    }
    const redisReadTask* parent = task->parent;
    redis_reply* array = parent->parent == nullptr ? &static_cast<top_level*>(parent->obj)->value
                                                   : static_cast<redis_reply*>(parent->obj);
    if (task->idx < 0 || static_cast<std::size_t>(task->idx) >= array->elements.size()) {
        object = nullptr;
        return nullptr;
    }
    redis_reply* r = &array->elements[static_cast<std::size_t>(task->idx)];
    object = r;
    return r;
}

void mark(const redisReadTask* task, void* object, const redis_reply& r) {
    if (task->parent != nullptr) return;
    auto* t = static_cast<top_level*>(object);
    t->head.type = task->type;
    t->head.integer = r.integer;
    t->head.str = const_cast<char*>(r.str.c_str());
    t->head.len = r.str.size();
}

// A null answer is hiredis's out-of-memory: nothing may throw into C.
void* create_string(const redisReadTask* task, char* s, size_t len) {
    if (task->parent == nullptr && task->type == REDIS_REPLY_STATUS) {
        const std::string_view text(s, len);
        if (text == "QUEUED") return queued_reply;
        if (text == "OK") return ok_reply;
    }
    void* object = nullptr;
    redis_reply* r = place(task, object);
    if (r == nullptr) return nullptr;
    try {
        r->kind = task->type == REDIS_REPLY_ERROR    ? redis_reply::type::error
                  : task->type == REDIS_REPLY_STATUS ? redis_reply::type::status
                                                     : redis_reply::type::string;
        r->str.assign(s, len);
    } catch (const std::bad_alloc&) {
        if (task->parent == nullptr) delete static_cast<top_level*>(object);
        return nullptr;
    }
    mark(task, object, *r);
    return object;
}

void* create_array(const redisReadTask* task, int elements) {
    void* object = nullptr;
    redis_reply* r = place(task, object);
    if (r == nullptr) return nullptr;
    try {
        r->kind = redis_reply::type::array;
        r->elements.resize(elements > 0 ? static_cast<std::size_t>(elements) : 0);
    } catch (const std::bad_alloc&) {
        if (task->parent == nullptr) delete static_cast<top_level*>(object);
        return nullptr;
    }
    mark(task, object, *r);
    return object;
}

void* create_integer(const redisReadTask* task, long long value) {
    void* object = nullptr;
    redis_reply* r = place(task, object);
    if (r == nullptr) return nullptr;
    r->kind = redis_reply::type::integer;
    r->integer = value;
    mark(task, object, *r);
    return object;
}

void* create_nil(const redisReadTask* task) {
    void* object = nullptr;
    redis_reply* r = place(task, object);
    if (r == nullptr) return nullptr;
    r->kind = redis_reply::type::nil;
    mark(task, object, *r);
    return object;
}

// hiredis frees top-level objects only (a nested one lives in its parent's elements).
void free_object(void* object) {
    if (!is_shared(object)) delete static_cast<top_level*>(object);
}

redisReplyObjectFunctions functions{create_string, create_array, create_integer, create_nil, free_object};

}  // namespace

redisReplyObjectFunctions* reply_functions() { return &functions; }

redis_reply take_reply(void* built) {
    if (is_shared(built)) return static_cast<top_level*>(built)->value;  // a copy: the shared one stays
    return std::move(static_cast<top_level*>(built)->value);
}

}  // namespace cowin::state
