#pragma once
// A fresh directory under /tmp for one test's files (configs, logs), removed with the object.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cowin::test {

class temp_dir {
public:
    temp_dir()
        : path_(std::filesystem::temp_directory_path() /
                ("cowin-test-" + std::to_string(::getpid()) + "-" + std::to_string(n_++))) {
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() { std::filesystem::remove_all(path_); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string path() const { return path_.string(); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name) << text;
        return file(name);
    }

private:
    static inline int n_ = 0;
    std::filesystem::path path_;
};

}  // namespace cowin::test
