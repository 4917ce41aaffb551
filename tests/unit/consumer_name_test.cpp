// The outbox consumer's name: host, pid table (boot and pid namespace), pid. The pid table is read
// here another way (stat of the namespace file rather than its link text) to check it.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "delivery/consumer_name.hpp"

namespace cowin::delivery {
namespace {

TEST(consumer_name, is_host_then_boot_and_pid_namespace_then_pid) {
    const std::string name = consumer_name();
    const auto first = name.find(':'), last = name.rfind(':');
    ASSERT_NE(first, last) << name;
    char host[256] = {};
    ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
    EXPECT_EQ(name.substr(0, first), host);
    EXPECT_EQ(name.substr(last + 1), std::to_string(::getpid()));

    std::string boot;
    std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot);
    struct stat ns {};
    ASSERT_EQ(::stat("/proc/self/ns/pid", &ns), 0);
    EXPECT_EQ(name.substr(first + 1, last - first - 1), boot.substr(0, 8) + "." + std::to_string(ns.st_ino));
}

TEST(consumer_name, the_boot_part_comes_from_proc_else_from_the_unit_else_is_0) {
    EXPECT_EQ(boot_part("3F2A9C1E-77d0-4b4e-9a51-0c3c2b1d9e77\n", "deadbeef-0000"), "3f2a9c1e");
    EXPECT_EQ(boot_part("", "deadbeef00004b4e9a510c3c2b1d9e77"), "deadbeef");  // systemd's %b has no dashes
    EXPECT_EQ(boot_part("", nullptr), "0");
    EXPECT_EQ(boot_part("", ""), "0");
}

TEST(consumer_name, another_process_of_the_same_pid_table_differs_only_in_its_pid) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const std::string n = consumer_name();
        const bool ok = ::write(fds[1], n.data(), n.size()) == static_cast<ssize_t>(n.size());
        ::_exit(ok ? 0 : 1);
    }
    ::close(fds[1]);
    std::string theirs;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) theirs.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    const std::string mine = consumer_name();
    EXPECT_EQ(theirs.substr(0, theirs.rfind(':')), mine.substr(0, mine.rfind(':')));
    EXPECT_EQ(theirs.substr(theirs.rfind(':') + 1), std::to_string(child));
}

}  // namespace
}  // namespace cowin::delivery
