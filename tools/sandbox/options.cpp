#include "options.hpp"

#include <charconv>
#include <string_view>

#include "config/duration.hpp"

namespace cowin::sandbox {

namespace {
template <class T>
bool number(std::string_view s, T& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}
}  // namespace

std::string help_text() {
    return R"(cowin-sandbox: the outside world of cowin-notifier in one process, on one port.
Plays CoWIN's public API (/api/v2/...), Telegram's Bot API (/telegram/bot<token>/...), Twilio
(/twilio/2010-04-01/...), MSG91 (/msg91/api/v5/flow) and webhook receivers (/hooks/<name>), with a
control API under /sandbox/v1/ to open sessions, inject faults and read what the fakes received.

usage: cowin-sandbox [options]
  --listen HOST:PORT        where to listen (default 127.0.0.1:8700; port 0 picks a free one)
  --seed N                  seed of the generated data (default 1)
  --districts 363,395,...   districts generated at start (others are generated when first asked for)
  --centres-per-district N  centres per district (default: 20 to 200, drawn from the seed)
  --rate-limit CALLS/PERIOD CoWIN's per-IP limit (default 100/5m)
  --blocked-status 403|429  how the limit answers: CloudFront's 403 page (default) or 429 + Retry-After
  --require-user-agent      answer 403 to requests without a browser User-Agent, as CoWIN's CDN did
  --cache-ttl DURATION      serve identical bytes (with an Age header) for this long (default 0s)
  --data FILE               serve the centres and sessions of a recorded calendar response (a
                            {"centers":[...]} file) in the districts they name, instead of generated
                            ones; may be given more than once
  --data-dir DIR            folder with the district list, states and the 403 page (default:
                            tools/sandbox/data of the source tree, or /usr/share/cowin-notifier/sandbox)
  --tls-cert FILE --tls-key FILE   serve HTTPS instead of HTTP
  --churn RATE              dynamic mode: RATE session openings per district per minute, drained by
                            simulated bookings within seconds to minutes
  --help                    this text

example:
  cowin-sandbox --listen 127.0.0.1:8700 --districts 363,395 --churn 2
  curl 'http://127.0.0.1:8700/api/v2/appointment/sessions/public/calendarByDistrict?district_id=363&date=27-11-2026'
)";
}

parse_result parse_options(int argc, char** argv) {
    options o;
    parse_result r;
    auto fail = [&r](std::string e) {
        r.error = std::move(e);
        return r;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string_view(argv[++i]);
        };
        if (a == "--help" || a == "-h") {
            r.help = true;
            return r;
        }
        if (a == "--require-user-agent") {
            o.require_user_agent = true;
            continue;
        }
        auto v = value();
        if (!v) return fail(std::string(a) + " needs a value");
        if (a == "--listen") {
            auto colon = v->rfind(':');
            if (colon == std::string_view::npos || !number(v->substr(colon + 1), o.port)) {
                return fail("--listen takes HOST:PORT");
            }
            o.host = std::string(v->substr(0, colon));
        } else if (a == "--seed") {
            if (!number(*v, o.seed)) return fail("--seed takes a number");
        } else if (a == "--districts") {
            std::string_view list = *v;
            while (!list.empty()) {
                auto comma = list.find(',');
                std::int64_t id = 0;
                if (!number(list.substr(0, comma), id)) return fail("--districts takes ids separated by commas");
                o.districts.push_back(id);
                list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            }
        } else if (a == "--centres-per-district") {
            if (!number(*v, o.centres_per_district) || o.centres_per_district < 1 || o.centres_per_district > 5000) {
                return fail("--centres-per-district takes 1 to 5000");
            }
        } else if (a == "--rate-limit") {
            auto slash = v->find('/');
            auto period = slash == std::string_view::npos ? std::nullopt : config::parse_duration(v->substr(slash + 1));
            if (!period || !number(v->substr(0, slash), o.rate_calls) || o.rate_calls < 1 || period->count() <= 0) {
                return fail("--rate-limit takes CALLS/PERIOD, e.g. 100/5m");
            }
            o.rate_period = *period;
        } else if (a == "--blocked-status") {
            if (!number(*v, o.blocked_status) || (o.blocked_status != 403 && o.blocked_status != 429)) {
                return fail("--blocked-status takes 403 or 429");
            }
        } else if (a == "--cache-ttl") {
            auto d = config::parse_duration(*v);
            if (!d) return fail("--cache-ttl takes a duration such as 5m");
            o.cache_ttl = *d;
        } else if (a == "--data") {
            o.data_files.emplace_back(*v);
        } else if (a == "--data-dir") {
            o.data_dir = *v;
        } else if (a == "--tls-cert") {
            o.tls_cert = *v;
        } else if (a == "--tls-key") {
            o.tls_key = *v;
        } else if (a == "--churn") {
            try {
                o.churn = std::stod(std::string(*v));
            } catch (...) {
                return fail("--churn takes openings per district per minute, e.g. 2");
            }
            if (o.churn < 0) return fail("--churn takes a rate of 0 or more");
        } else {
            return fail("unknown argument '" + std::string(a) + "'");
        }
    }
    if (o.tls_cert.empty() != o.tls_key.empty()) return fail("--tls-cert and --tls-key go together");
    r.opts = std::move(o);
    return r;
}

}  // namespace cowin::sandbox
