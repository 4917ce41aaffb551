#pragma once
// A server process for the length of a test: started with its stdout on a pipe, ready once it prints
// its "listening on" line, stopped with SIGTERM (then SIGKILL) when the object goes.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cowin::test {

class background_process {
public:
    /// Starts `argv` and waits up to 20 s for a stdout line containing `ready_marker`.
    background_process(std::vector<std::string> argv, std::string ready_marker);
    /// The same with stdout and stderr going to `log_path`, which is searched for the marker; read it
    /// with output().
    background_process(std::vector<std::string> argv, std::string ready_marker, std::string log_path);
    ~background_process();
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;

    /// The line that said it was ready.
    const std::string& ready_line() const { return ready_line_; }
    /// The port at the end of the ready line ("... http://127.0.0.1:PORT").
    std::uint16_t port() const;
    /// Sends `signal` (SIGTERM unless told) and waits, SIGKILL after 10 s; returns the exit code
    /// (128+signal when killed).
    int stop(int signal = 15);
    /// The process's id (to watch or signal it).
    pid_t pid() const { return pid_; }
    /// Everything written to the log file so far.
    std::string output() const;
    /// Waits up to `limit` for `text` to appear in the log file.
    bool wait_for_output(const std::string& text, std::chrono::seconds limit = std::chrono::seconds(30)) const;
    /// How many times `text` appears in the log file so far.
    std::size_t count_output(const std::string& text) const;
    /// Waits up to `limit` until `text` appears at least `times` times in the log file.
    bool wait_for_count(const std::string& text, std::size_t times, std::chrono::seconds limit = std::chrono::seconds(30)) const;

private:
    pid_t pid_ = -1;
    std::string log_path_;
    int out_fd_ = -1;
    std::string ready_line_;
    bool stopped_ = false;
    int exit_code_ = -1;
};

/// Polls `done` every 50 ms for up to `limit`; its last answer.
bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit);

/// The built cowin-sandbox with `extra` flags on a free port.
std::vector<std::string> sandbox_command(std::vector<std::string> extra = {});

}  // namespace cowin::test
