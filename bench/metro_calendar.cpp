#include "metro_calendar.hpp"

#include <cstdio>
#include <random>

namespace cowin::bench {

std::string metro_calendar(std::uint32_t seed, int centres, int days, int generation) {
    std::mt19937 rng(seed);
    std::mt19937 change(seed + 1000u * static_cast<std::uint32_t>(generation));
    static const char* vaccines[] = {"COVISHIELD", "COVISHIELD", "COVISHIELD", "COVAXIN", "SPUTNIK V"};
    // Real sessions list 2 to 4 slots.
    static const char* slots[] = {"\"09:00AM-01:00PM\",\"01:00PM-05:00PM\"",
                                  "\"09:00AM-11:00AM\",\"11:00AM-01:00PM\",\"01:00PM-05:00PM\"",
                                  "\"09:00AM-11:00AM\",\"11:00AM-01:00PM\",\"01:00PM-03:00PM\",\"03:00PM-05:00PM\""};
    static const char* blocks[] = {"Haveli", "Pune City", "Mulshi", "Maval", "Khed"};
    std::string out = "{\"centers\":[";
    char buf[512];
    for (int c = 0; c < centres; ++c) {
        const bool paid = rng() % 10 == 0;
        const int center_id = 500000 + static_cast<int>(rng() % 300000);
        std::snprintf(buf, sizeof buf,
                      "%s{\"center_id\":%d,\"name\":\"Urban PHC %d Ward %u\",\"address\":\"Near Municipal School "
                      "No %u, Main Road\",\"state_name\":\"Maharashtra\",\"district_name\":\"Pune\",\"block_name\":"
                      "\"%s\",\"pincode\":%u,\"lat\":18,\"long\":73,\"from\":\"09:00:00\",\"to\":\"17:00:00\","
                      "\"fee_type\":\"%s\",\"sessions\":[",
                      c == 0 ? "" : ",", center_id, c, rng() % 100, rng() % 500, blocks[rng() % 5],
                      411001 + rng() % 60, paid ? "Paid" : "Free");
        out += buf;
        const char* vaccine = vaccines[rng() % 5];
        for (int d = 0; d < days; ++d) {
            int d1 = rng() % 5 == 0 ? static_cast<int>(rng() % 50) : 0;
            int d2 = rng() % 6 == 0 ? static_cast<int>(rng() % 30) : 0;
            if (change() % 50 == 0) d1 = static_cast<int>(change() % 20);  // the next poll's news
            const int age = rng() % 3 == 0 ? 45 : 18;
            char extra[64] = "";
            if (rng() % 2 == 0) std::snprintf(extra, sizeof extra, "\"max_age_limit\":%d,", age == 18 ? 44 : 60);
            if (rng() % 8 == 0) std::snprintf(extra, sizeof extra, "\"allow_all_age\":true,");
            std::snprintf(buf, sizeof buf,
                          "%s{\"session_id\":\"%08x-%04x-4%03x-a%03x-%012x\",\"date\":\"%02d-06-2021\","
                          "\"available_capacity\":%d,\"min_age_limit\":%d,%s\"vaccine\":\"%s\",\"slots\":[%s],"
                          "\"available_capacity_dose1\":%d,\"available_capacity_dose2\":%d}",
                          d == 0 ? "" : ",", static_cast<unsigned>(center_id), static_cast<unsigned>(d),
                          static_cast<unsigned>(rng() % 4096), static_cast<unsigned>(rng() % 4096),
                          static_cast<unsigned>(rng()), 10 + d, d1 + d2, age, extra, vaccine, slots[rng() % 3], d1, d2);
            out += buf;
        }
        out += "]";
        if (paid) {
            std::snprintf(buf, sizeof buf, ",\"vaccine_fees\":[{\"vaccine\":\"%s\",\"fee\":\"%s\"}]", vaccine,
                          rng() % 2 ? "780" : "1410");
            out += buf;
        }
        out += "}";
    }
    out += "]}";
    return out;
}

}  // namespace cowin::bench
