// Redis replies built by hiredis's parser straight into redis_reply (reply_builder): every RESP
// shape the daemon meets, fed whole and byte by byte, and broken input refused with what was built
// so far freed (ASan would report a leak or a double free).
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <memory>
#include <string>
#include <vector>

#include "state/reply_builder.hpp"

namespace cowin::state {
namespace {

struct reader_free {
    void operator()(redisReader* r) const { redisReaderFree(r); }
};
using reader_ptr = std::unique_ptr<redisReader, reader_free>;

reader_ptr make_reader() { return reader_ptr(redisReaderCreateWithFunctions(reply_functions())); }

// Every reply in `bytes`, fed `step` bytes at a time.
std::vector<redis_reply> read_all(const std::string& bytes, std::size_t step) {
    auto r = make_reader();
    std::vector<redis_reply> out;
    for (std::size_t at = 0; at < bytes.size(); at += step) {
        EXPECT_EQ(redisReaderFeed(r.get(), bytes.data() + at, std::min(step, bytes.size() - at)), REDIS_OK);
        for (;;) {
            void* reply = nullptr;
            EXPECT_EQ(redisReaderGetReply(r.get(), &reply), REDIS_OK) << r->errstr;
            if (reply == nullptr) break;
            out.push_back(take_reply(reply));
            reply_functions()->freeObject(reply);
        }
    }
    return out;
}

TEST(redis_reply, every_shape_reads_back_whole_or_byte_by_byte) {
    // An XREADGROUP answer (four levels), then the scalars, then an EXEC answer holding a nil and an
    // error, then the empty and nil arrays.
    const std::string bytes =
        "*1\r\n*2\r\n$6\r\noutbox\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$4\r\nblob\r\n*2\r\n$3\r\n2-0\r\n*0\r\n"
        "+OK\r\n-ERR wrong\r\n:-5\r\n$-1\r\n$0\r\n\r\n"
        "*3\r\n$-1\r\n-EXECABORT no\r\n+QUEUED\r\n"
        "*0\r\n*-1\r\n";
    for (std::size_t step : {bytes.size(), std::size_t{1}, std::size_t{7}}) {
        const auto got = read_all(bytes, step);
        ASSERT_EQ(got.size(), 9u) << "step " << step;
        const redis_reply& read = got[0];
        ASSERT_EQ(read.kind, redis_reply::type::array);
        ASSERT_EQ(read.elements.size(), 1u);
        const redis_reply& stream = read.elements[0];
        ASSERT_EQ(stream.elements.size(), 2u);
        EXPECT_EQ(stream.elements[0].str, "outbox");
        const redis_reply& entries = stream.elements[1];
        ASSERT_EQ(entries.elements.size(), 2u);
        EXPECT_EQ(entries.elements[0].elements[0].str, "1-0");
        ASSERT_EQ(entries.elements[0].elements[1].elements.size(), 2u);
        EXPECT_EQ(entries.elements[0].elements[1].elements[1].str, "blob");
        EXPECT_EQ(entries.elements[0].elements[1].elements[1].kind, redis_reply::type::string);
        EXPECT_EQ(entries.elements[1].elements[1].kind, redis_reply::type::array);
        EXPECT_TRUE(entries.elements[1].elements[1].elements.empty());

        EXPECT_EQ(got[1].kind, redis_reply::type::status);
        EXPECT_EQ(got[1].str, "OK");
        EXPECT_EQ(got[2].kind, redis_reply::type::error);
        EXPECT_EQ(got[2].str, "ERR wrong");
        EXPECT_EQ(got[3].kind, redis_reply::type::integer);
        EXPECT_EQ(got[3].integer, -5);
        EXPECT_EQ(got[4].kind, redis_reply::type::nil);
        EXPECT_EQ(got[5].kind, redis_reply::type::string);
        EXPECT_EQ(got[5].str, "");

        ASSERT_EQ(got[6].elements.size(), 3u);
        EXPECT_EQ(got[6].elements[0].kind, redis_reply::type::nil);
        EXPECT_EQ(got[6].elements[1].kind, redis_reply::type::error);
        EXPECT_EQ(got[6].elements[1].str, "EXECABORT no");
        EXPECT_EQ(got[6].elements[2].kind, redis_reply::type::status);

        EXPECT_EQ(got[7].kind, redis_reply::type::array);
        EXPECT_TRUE(got[7].elements.empty());
        EXPECT_EQ(got[8].kind, redis_reply::type::nil);  // a nil array
    }
}

// hiredis reads a reply no command waited for (Redis's error before it closes a connection) as its
// own redisReply: the type and the message must be where that struct has them.
TEST(redis_reply, a_top_level_reply_reads_as_hiredis_own_too) {
    auto r = make_reader();
    const std::string bytes = "-ERR max number of clients reached\r\n:7\r\n";
    ASSERT_EQ(redisReaderFeed(r.get(), bytes.data(), bytes.size()), REDIS_OK);
    void* reply = nullptr;
    ASSERT_EQ(redisReaderGetReply(r.get(), &reply), REDIS_OK);
    ASSERT_NE(reply, nullptr);
    const auto* as_hiredis = static_cast<const redisReply*>(reply);
    EXPECT_EQ(as_hiredis->type, REDIS_REPLY_ERROR);
    EXPECT_EQ(std::string(as_hiredis->str, as_hiredis->len), "ERR max number of clients reached");
    reply_functions()->freeObject(reply);
    ASSERT_EQ(redisReaderGetReply(r.get(), &reply), REDIS_OK);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(static_cast<const redisReply*>(reply)->type, REDIS_REPLY_INTEGER);
    EXPECT_EQ(static_cast<const redisReply*>(reply)->integer, 7);
    reply_functions()->freeObject(reply);
}

// A transaction's "OK" and "QUEUED" answers are shared objects, not built each time: taking one
// must leave it whole for the next, freeing one must not free it, and hiredis's own view of it
// must say what it is. Other status answers are built as before.
TEST(redis_reply, shared_status_answers_stay_whole_however_often_they_are_taken) {
    const std::string bytes = "+OK\r\n+QUEUED\r\n+QUEUED\r\n+OK\r\n+PONG\r\n+QUEUED\r\n";
    for (int pass = 0; pass < 2; ++pass) {
        const auto got = read_all(bytes, 1);
        ASSERT_EQ(got.size(), 6u);
        const char* want[] = {"OK", "QUEUED", "QUEUED", "OK", "PONG", "QUEUED"};
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].kind, redis_reply::type::status) << i;
            EXPECT_EQ(got[i].str, want[i]) << i;
        }
    }
    auto r = make_reader();
    ASSERT_EQ(redisReaderFeed(r.get(), bytes.data(), 14), REDIS_OK);  // "+OK" and "+QUEUED"
    for (const char* want : {"OK", "QUEUED"}) {
        void* reply = nullptr;
        ASSERT_EQ(redisReaderGetReply(r.get(), &reply), REDIS_OK);
        ASSERT_NE(reply, nullptr);
        const auto* as_hiredis = static_cast<const redisReply*>(reply);
        EXPECT_EQ(as_hiredis->type, REDIS_REPLY_STATUS);
        EXPECT_EQ(std::string(as_hiredis->str, as_hiredis->len), want);
        reply_functions()->freeObject(reply);
    }
}

TEST(redis_reply, bytes_that_are_not_resp_are_refused_and_what_was_built_is_freed) {
    // An array cut short by garbage, two levels down.
    for (const std::string& bytes : {std::string("*2\r\n*2\r\n$3\r\nabc\r\n!bad\r\n"), std::string("*1\r\n$x\r\n"),
                                    std::string("?\r\n")}) {
        auto r = make_reader();
        ASSERT_EQ(redisReaderFeed(r.get(), bytes.data(), bytes.size()), REDIS_OK);
        void* reply = nullptr;
        EXPECT_EQ(redisReaderGetReply(r.get(), &reply), REDIS_ERR) << bytes;
        EXPECT_EQ(reply, nullptr);
        EXPECT_EQ(r->err, REDIS_ERR_PROTOCOL) << r->errstr;
    }
}

}  // namespace
}  // namespace cowin::state
