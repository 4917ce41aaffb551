#include "support/background.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace cowin::test {

namespace {
// Starts argv with stdin from /dev/null and stdout (and stderr, with `both`) on `out_fd`. The child
// gets SIGTERM if the test process dies first, so a killed test leaves no server behind.
pid_t spawn(std::vector<std::string>& argv, int out_fd, bool both, int close_fd) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        int in = ::open("/dev/null", O_RDONLY);
        ::dup2(in, 0);
        ::dup2(out_fd, 1);
        if (both) ::dup2(out_fd, 2);
        if (close_fd >= 0) ::close(close_fd);
        ::execve(args[0], args.data(), environ);
        ::_exit(127);
    }
    return pid;
}
}  // namespace

background_process::background_process(std::vector<std::string> argv, std::string ready_marker) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = spawn(argv, fds[1], false, fds[0]);
    ::close(fds[1]);
    out_fd_ = fds[0];

    std::string buffer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{out_fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char chunk[512];
        ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
            std::string line = buffer.substr(0, nl);
            if (line.find(ready_marker) != std::string::npos) {
                ready_line_ = line;
                return;
            }
        }
    }
    stop();
    throw std::runtime_error(argv[0] + " did not get ready");
}

background_process::background_process(std::vector<std::string> argv, std::string ready_marker, std::string log_path)
    : log_path_(std::move(log_path)) {
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log_path_);
    pid_ = spawn(argv, log_fd, true, -1);
    ::close(log_fd);
    if (!wait_for_output(ready_marker, std::chrono::seconds(20))) {
        stop();
        throw std::runtime_error(argv[0] + " did not get ready: " + output());
    }
    auto out = output();
    auto at = out.find(ready_marker);
    auto start = out.rfind('\n', at);
    ready_line_ = out.substr(start == std::string::npos ? 0 : start + 1, out.find('\n', at) - (start == std::string::npos ? 0 : start + 1));
}

std::string background_process::output() const {
    std::ifstream in(log_path_);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool background_process::wait_for_output(const std::string& text, std::chrono::seconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (output().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::size_t background_process::count_output(const std::string& text) const {
    const std::string out = output();
    std::size_t n = 0;
    for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++n;
    return n;
}

bool background_process::wait_for_count(const std::string& text, std::size_t times, std::chrono::seconds limit) const {
    return wait_until([&] { return count_output(text) >= times; }, limit);
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
}

background_process::~background_process() {
    stop();
    if (out_fd_ >= 0) ::close(out_fd_);
}

std::uint16_t background_process::port() const {
    auto colon = ready_line_.rfind(':');
    return static_cast<std::uint16_t>(std::stoi(ready_line_.substr(colon + 1)));
}

int background_process::stop(int signal) {
    if (stopped_ || pid_ <= 0) return exit_code_;
    stopped_ = true;
    ::kill(pid_, signal);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_code_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    exit_code_ = 128 + SIGKILL;
    return exit_code_;
}

std::vector<std::string> sandbox_command(std::vector<std::string> extra) {
    std::vector<std::string> argv{COWIN_SANDBOX_BIN, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

}  // namespace cowin::test
