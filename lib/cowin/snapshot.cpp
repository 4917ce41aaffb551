#include "cowin/snapshot.hpp"

#include <xxhash.h>

#include "cowin/parse_kernel.hpp"

namespace cowin::api {

std::uint64_t fingerprint(std::string_view bytes) {
    // The same XXH3 value either way; the AVX2 build is about twice as fast.
    static const bool avx2 = haswell_supported();
    return avx2 ? fingerprint_avx2(bytes) : XXH3_64bits(bytes.data(), bytes.size());
}

void make_snapshot(const response_view& r, std::uint64_t fp, snapshot& out) {
    out.fingerprint = fp;
    out.sessions.resize(r.sessions.size());
    std::uint32_t details = 0;
    for (std::size_t i = 0; i < r.sessions.size(); ++i) {
        const session_view& s = r.sessions[i];
        const center_view& c = r.centers[s.center];
        session_state& st = out.sessions[i];
        st.key = s.key;
        st.center_id = c.center_id;
        st.cap = s.cap;
        st.date = s.date;
        st.pincode = c.pincode;
        st.min_age = s.min_age;
        st.max_age = s.max_age;
        st.allow_all_age = s.allow_all_age;
        st.vaccine_id = s.vaccine_id;
        st.fee = c.fee;
        st.detail = session_state::no_detail;
        if (st.has_capacity()) {
            // Reuses the strings of the previous poll's records: no allocation once warm.
            if (out.details.size() <= details) out.details.emplace_back();
            materialize_into(r, static_cast<std::uint32_t>(i), out.details[details]);
            st.detail = details++;
        }
    }
    out.details.resize(details);
}

}  // namespace cowin::api
