// Commands written straight into RESP (resp_commands): what Redis reads, byte for byte, and a
// command written with the wrong number of arguments refused before anything is sent.
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "state/resp_commands.hpp"

namespace cowin::state {
namespace {

TEST(resp_commands, every_way_of_writing_gives_the_same_arrays_of_bulk_strings) {
    resp_commands c;
    c.add({"SET", "k", ""});
    c.begin(5);
    c.arg("XADD");
    c.arg_joined({"cowin:", "alert:", "a1"});
    c.args({"MAXLEN", "~"});
    EXPECT_FALSE(c.complete());
    EXPECT_EQ(c.size(), 1u);
    c.arg(std::int64_t{-1000000});
    EXPECT_TRUE(c.complete());
    const std::string binary("a\r\n\0b", 5);
    c.begin(1);
    c.arg(binary);
    EXPECT_TRUE(c.complete());
    const std::string first = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
    const std::string second = "*5\r\n$4\r\nXADD\r\n$14\r\ncowin:alert:a1\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$8\r\n-1000000\r\n";
    const std::string third = "*1\r\n$5\r\n" + binary + "\r\n";
    EXPECT_EQ(c.wire(), first + second + third);
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c.ends(), (std::vector<std::size_t>{first.size(), first.size() + second.size(), c.wire().size()}));

    // The same commands from vectors of parts.
    const std::vector<std::vector<std::string>> parts{{"SET", "k", ""},
                                                      {"XADD", "cowin:alert:a1", "MAXLEN", "~", "-1000000"},
                                                      {binary}};
    EXPECT_EQ(resp_of(parts).wire(), c.wire());
}

TEST(resp_commands, redis_own_reader_reads_what_is_written_as_arrays_of_the_same_strings) {
    // hiredis parses requests and replies alike: what it reads back is what a server would.
    resp_commands c;
    c.add({"HSET", "h", "f", std::string(70000, 'x')});
    redisReader* r = redisReaderCreate();
    ASSERT_EQ(redisReaderFeed(r, c.wire().data(), c.wire().size()), REDIS_OK);
    void* reply = nullptr;
    ASSERT_EQ(redisReaderGetReply(r, &reply), REDIS_OK);
    ASSERT_NE(reply, nullptr);
    const auto* a = static_cast<const redisReply*>(reply);
    ASSERT_EQ(a->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(a->elements, 4u);
    EXPECT_EQ(std::string(a->element[0]->str, a->element[0]->len), "HSET");
    EXPECT_EQ(a->element[3]->len, 70000u);
    freeReplyObject(reply);
    redisReaderFree(r);
}

TEST(resp_commands, a_miscounted_command_is_refused_before_anything_is_sent) {
    resp_commands c;
    c.begin(2);
    c.arg("GET");
    // Begun again with an argument missing: Redis would read the next command as that argument.
    EXPECT_THROW(c.begin(1), std::logic_error);
    EXPECT_FALSE(c.complete());
    c.arg("k");
    EXPECT_TRUE(c.complete());
    EXPECT_THROW(c.arg("extra"), std::logic_error);
    EXPECT_THROW(c.arg_joined({"a", "b"}), std::logic_error);
    EXPECT_THROW(c.begin(0), std::logic_error);
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.wire(), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

}  // namespace
}  // namespace cowin::state
