#include "state/resp_commands.hpp"

#include <charconv>
#include <stdexcept>

namespace cowin::state {

void resp_commands::header(char lead, std::size_t n) {
    char digits[24];
    wire_ += lead;
    wire_.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    wire_ += "\r\n";
}

void resp_commands::ended() {
    if (--left_ == 0) ends_.push_back(wire_.size());
}

void resp_commands::begin(std::size_t parts) {
    // A command left half written would make Redis read the next one as its arguments.
    if (left_ != 0) throw std::logic_error("resp_commands: a command begun before the last one was complete");
    if (parts == 0) throw std::logic_error("resp_commands: an empty command");
    header('*', parts);
    left_ = parts;
}

void resp_commands::arg(std::string_view part) {
    if (left_ == 0) throw std::logic_error("resp_commands: an argument beyond the command's count");
    header('$', part.size());
    wire_ += part;
    wire_ += "\r\n";
    ended();
}

void resp_commands::arg(std::int64_t number) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    arg(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void resp_commands::arg_joined(std::initializer_list<std::string_view> pieces) {
    if (left_ == 0) throw std::logic_error("resp_commands: an argument beyond the command's count");
    std::size_t size = 0;
    for (auto p : pieces) size += p.size();
    header('$', size);
    for (auto p : pieces) wire_ += p;
    wire_ += "\r\n";
    ended();
}

void resp_commands::args(std::initializer_list<std::string_view> parts) {
    for (auto p : parts) arg(p);
}

void resp_commands::add(std::initializer_list<std::string_view> parts) {
    begin(parts.size());
    args(parts);
}

void resp_commands::add(const std::vector<std::string>& parts) {
    begin(parts.size());
    for (const auto& p : parts) arg(p);
}

resp_commands resp_of(const std::vector<std::vector<std::string>>& commands) {
    resp_commands out;
    for (const auto& c : commands) out.add(c);
    return out;
}

}  // namespace cowin::state
