#pragma once
// A throwaway test CA and server certificates made with the openssl command, in a temporary folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace cowin::test {

class tls_files {
public:
    tls_files() : dir_(std::filesystem::temp_directory_path() / ("cowin-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
        std::filesystem::create_directories(dir_);
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=cowin-test-ca -keyout " + path("ca.key") +
            " -out " + path("ca.pem"));
        issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        issue("wrong-name", "subjectAltName=DNS:not-this-host.example");
    }
    ~tls_files() { std::filesystem::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    void issue(const std::string& name, const std::string& san) {
        std::ofstream(dir_ / (name + ".cnf")) << san << "\n";
        run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + name + " -keyout " + path(name + ".key") + " -out " +
            path(name + ".csr"));
        run("openssl x509 -req -in " + path(name + ".csr") + " -CA " + path("ca.pem") + " -CAkey " + path("ca.key") +
            " -CAcreateserial -days 2 -extfile " + path(name + ".cnf") + " -out " + path(name + ".pem"));
    }
    static void run(const std::string& cmd) { ASSERT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << cmd; }
    static inline int counter_ = 0;
    std::filesystem::path dir_;
};

}  // namespace cowin::test
