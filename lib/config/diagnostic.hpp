#pragma once
#include <string>
#include <vector>

namespace cowin::config {

/// One finding about a config file: "FILE:LINE:COL: key.path: message" (1-based line and column).
struct diagnostic {
    std::string file;
    int line = 0;
    int column = 0;
    std::string path;
    std::string message;

    std::string str() const;
};

struct diagnostics {
    std::vector<diagnostic> errors;
    std::vector<diagnostic> warnings;
};

}  // namespace cowin::config
