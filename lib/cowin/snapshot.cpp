#include "cowin/snapshot.hpp"

#include <xxhash.h>

namespace cowin::api {

std::uint64_t fingerprint(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

void make_snapshot(const response_view& r, std::uint64_t fp, snapshot& out) {
    out.fingerprint = fp;
    out.sessions.resize(r.sessions.size());
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
    }
}

}  // namespace cowin::api
