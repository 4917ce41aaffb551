// An outbox entry's alerts after its first, written as their differences from it: exactly what was
// given comes back, whatever the bytes; alerts of one opening shrink to a fraction; and a delta that
// does not fit its base is refused, never read as some other alert.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "state/entry_delta.hpp"

namespace cowin::state {
namespace {

// What an outbox alert looks like (delivery::encode): a head, then the webhook body.
std::string outbox_alert(const std::string& id, const std::string& sub) {
    std::string sessions;
    for (int i = 0; i < 3; ++i) {
        sessions += std::string(i ? "," : "") + R"({"center_id":36300)" + std::to_string(i) +
                    R"(,"center_name":"UPHC Haveli","pincode":413131,"date":"2026-11-30","vaccine":"COVISHIELD",)"
                    R"("min_age_limit":18,"available_capacity":29,"slots":["09:00AM-11:00AM","11:00AM-01:00PM"]})";
    }
    return R"({"id":")" + id + R"(","channel":"webhook","sub":")" + sub +
           R"(","fetched_ms":1795874733397,"detected_ms":1795874733403,"attempt":0,"summary":"district 363"})" + "\n" +
           R"({"type":"slots.opened","timestamp":"2026-11-28T14:05:33Z","data":{"subscription_id":")" + sub +
           R"(","district_id":363,"sessions":[)" + sessions + "]}}";
}

TEST(entry_delta, alerts_of_one_opening_shrink_to_their_ids_and_come_back_whole) {
    const std::string base = outbox_alert("alt_b356b0312eb4def6c02b7098", "sub_10025500");
    for (const std::string sub : {"sub_10063750", "sub_7", "a-much-longer-subscription-name-chosen-by-its-owner"}) {
        const std::string other = outbox_alert("alt_29ac6cf6ba4d522432e2a7f5", sub);
        const std::string d = delta_of(base, other);
        EXPECT_LT(d.size() * 5, other.size()) << d;
        EXPECT_EQ(apply_delta(base, d), other);
    }
    // The same alert: one copy.
    EXPECT_EQ(delta_of(base, base), "C" + std::to_string(base.size()) + ";");
}

TEST(entry_delta, the_edges_round_trip) {
    const std::string bytes("a;C3;L\0\r\n9", 11);
    for (const auto& [base, target] : std::vector<std::pair<std::string, std::string>>{
             {"", ""}, {"", "x"}, {"x", ""}, {"abc", "abc"}, {bytes, bytes + bytes}, {bytes + bytes, bytes},
             {"0123456789abcdef", "ABCDEFGHIJ"}, {std::string(1000, 'x'), std::string(999, 'x') + "y"},
             {std::string(1000, 'x'), "y" + std::string(1000, 'x')}}) {
        const std::string d = delta_of(base, target);
        EXPECT_EQ(apply_delta(base, d), target) << d;
        EXPECT_LE(d.size(), target.size() + 8) << d;
    }
}

// Random bases and targets made from them by substitutions, insertions and deletions of every length
// (longer than the search window too), over a small alphabet (many coincidences) and over all bytes.
TEST(entry_delta, whatever_the_edits_apply_gives_back_the_target) {
    std::mt19937 rng(20261128);
    for (const int alphabet : {4, 256}) {
        std::uniform_int_distribution<int> byte(0, alphabet - 1);
        auto random_bytes = [&](std::size_t n) {
            std::string s(n, '\0');
            for (auto& c : s) c = static_cast<char>(byte(rng));
            return s;
        };
        for (int round = 0; round < 3000; ++round) {
            const std::string base = random_bytes(std::uniform_int_distribution<std::size_t>(0, 2000)(rng));
            std::string target = base;
            const int edits = std::uniform_int_distribution<int>(0, 12)(rng);
            for (int e = 0; e < edits; ++e) {
                const std::size_t at = std::uniform_int_distribution<std::size_t>(0, target.size())(rng);
                const std::size_t n = std::uniform_int_distribution<std::size_t>(0, round % 7 == 0 ? 300 : 30)(rng);
                switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
                    case 0: target.replace(at, n, random_bytes(n)); break;
                    case 1: target.insert(at, random_bytes(n)); break;
                    default: target.erase(at, n); break;
                }
            }
            const std::string d = delta_of(base, target);
            ASSERT_EQ(apply_delta(base, d), target) << "round " << round << ", alphabet " << alphabet;
            ASSERT_LE(d.size(), target.size() + 8) << "round " << round;
        }
    }
}

TEST(entry_delta, a_delta_that_does_not_fit_its_base_is_refused) {
    const std::string base = "0123456789";
    EXPECT_EQ(apply_delta(base, ""), "");
    EXPECT_EQ(apply_delta(base, "C4;L2;xyS2;C4;"), "0123xy6789");
    for (const std::string bad : {"C11;", "S11;", "C5;S6;", "L3;xy", "L;", "C4", "C;", "X1;", "C-1;", "C+1;", "c1;",
                                  "C99999999999999999999999;", "L18446744073709551615;x", "C4;;"}) {
        EXPECT_EQ(apply_delta(base, bad), std::nullopt) << bad;
    }
}

}  // namespace
}  // namespace cowin::state
