#include "cli/options.hpp"

namespace cowin::cli {

options parse(const std::vector<std::string_view>& args) {
    options o;
    auto fail = [&o](std::string message) {
        o.what = action::usage_error;
        o.error = std::move(message);
        return o;
    };
    bool check = false, version = false, want_help = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == "--config" || a == "-c") {
            if (i + 1 >= args.size()) return fail(std::string(a) + " needs a path");
            o.config_path = args[++i];
        } else if (a.starts_with("--config=")) {
            o.config_path = a.substr(9);
        } else if (a == "--check-config") {
            check = true;
        } else if (a == "--version") {
            version = true;
        } else if (a == "--help" || a == "-h") {
            want_help = true;
        } else {
            return fail("unknown argument '" + std::string(a) + "'");
        }
    }
    if (o.config_path.empty()) return fail("--config needs a path");
    if (want_help) {
        o.what = action::help;
    } else if (version) {
        o.what = action::version;
    } else if (check) {
        o.what = action::check_config;
    }
    return o;
}

std::string usage(std::string_view program) {
    std::string p(program);
    return "usage: " + p + " [--config PATH]\n"
           "       " + p + " --check-config [--config PATH]\n"
           "       " + p + " --version | --help\n";
}

std::string help(std::string_view program) {
    std::string p(program);
    return "cowin-notifier watches CoWIN's public appointment API and alerts subscribers the moment\n"
           "vaccination slots open: by signed webhook, Telegram and SMS.\n\n" +
           usage(program) +
           "\noptions:\n"
           "  -c, --config PATH   configuration file (default /etc/cowin-notifier/config.yaml)\n"
           "      --check-config  validate the configuration, print \"config OK\" and what would be polled,\n"
           "                      or every error with its line and column; exit 0 or 2\n"
           "      --version       print the version and exit\n"
           "  -h, --help          print this help and exit\n"
           "\nexit codes: 0 clean stop, 1 runtime failure, 2 bad configuration or usage\n"
           "\nexample:\n"
           "  " + p + " --check-config --config config/demo.yaml\n";
}

}  // namespace cowin::cli
