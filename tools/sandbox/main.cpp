// cowin-sandbox: parse the flags, load the data, serve until SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app.hpp"
#include "data.hpp"
#include "options.hpp"
#include "server.hpp"

namespace net = boost::asio;

int main(int argc, char** argv) try {
    auto parsed = cowin::sandbox::parse_options(argc, argv);
    if (parsed.help) {
        std::printf("%s", cowin::sandbox::help_text().c_str());
        return 0;
    }
    if (!parsed.opts) {
        std::fprintf(stderr, "cowin-sandbox: %s (see --help)\n", parsed.error.c_str());
        return 2;
    }
    const auto& o = *parsed.opts;
    auto data = cowin::sandbox::load_data(o.data_dir);
    if (!data.error.empty()) {
        std::fprintf(stderr, "cowin-sandbox: %s\n", data.error.c_str());
        return 2;
    }
    cowin::sandbox::world w({o.seed, o.centres_per_district, 14}, std::move(data.districts), std::move(data.states_json));
    cowin::sandbox::app_settings s{o.rate_calls, o.rate_period, o.blocked_status, o.require_user_agent, o.cache_ttl,
                                   std::move(data.blocked_page)};
    cowin::sandbox::app a(std::move(s), std::move(w));
    for (const auto& file : o.data_files) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) {
            std::fprintf(stderr, "cowin-sandbox: --data: cannot read %s\n", file.c_str());
            return 2;
        }
        if (auto e = a.load_calendar(text.str()); !e.empty()) {
            std::fprintf(stderr, "cowin-sandbox: --data %s: %s\n", file.c_str(), e.c_str());
            return 2;
        }
    }
    for (auto d : o.districts) {
        if (!a.prepare(d)) {
            std::fprintf(stderr, "cowin-sandbox: --districts: no district %lld\n", static_cast<long long>(d));
            return 2;
        }
    }

    net::io_context ioc(1);
    std::unique_ptr<net::ssl::context> tls;
    if (!o.tls_cert.empty()) {
        tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
        tls->use_certificate_chain_file(o.tls_cert);
        tls->use_private_key_file(o.tls_key, net::ssl::context::pem);
    }
    net::ip::tcp::endpoint ep(net::ip::make_address(o.host), o.port);
    net::ip::tcp::acceptor acceptor(ioc);
    acceptor.open(ep.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(net::socket_base::max_listen_connections);
    cowin::sandbox::start_server(ioc, acceptor, a, tls.get());
    if (o.churn > 0) cowin::sandbox::start_churn(ioc, a, o.churn, std::chrono::seconds(1));

    net::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code&, int) {
        boost::system::error_code ec;
        acceptor.close(ec);
        ioc.stop();
    });
    std::printf("cowin-sandbox listening on %s://%s:%u\n", tls ? "https" : "http", o.host.c_str(),
                static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    ioc.run();
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "cowin-sandbox: %s\n", e.what());
    return 1;
}
