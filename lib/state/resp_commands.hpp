#pragma once
// Commands written straight into the RESP they are sent as (each an array of bulk strings), one
// buffer for a whole pipeline or transaction. Not hiredis's formatter: that makes a string per
// command, copied again into its output buffer (a commit is over a hundred commands). And not a
// vector of strings per command where a batch is built per attempt (settles, subscription lookups):
// that cost an allocation for nearly every part (keys, ids, the audit fields).

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cowin::state {

class resp_commands {
public:
    /// A whole command.
    void add(std::initializer_list<std::string_view> parts);
    void add(const std::vector<std::string>& parts);
    /// A command of `parts` arguments, written by as many arg() calls; it ends with its last.
    void begin(std::size_t parts);
    void arg(std::string_view part);
    void arg(std::int64_t number);
    /// Several arguments of the command being written.
    void args(std::initializer_list<std::string_view> parts);
    /// One argument made of `pieces` end to end (a key: the prefix, then the name).
    void arg_joined(std::initializer_list<std::string_view> pieces);

    /// Whole commands so far.
    std::size_t size() const { return ends_.size(); }
    bool empty() const { return ends_.empty() && left_ == 0; }
    /// No command is half written (a begin() without all its arguments).
    bool complete() const { return left_ == 0; }
    const std::string& wire() const { return wire_; }
    /// Where each command ends in wire().
    const std::vector<std::size_t>& ends() const { return ends_; }
    /// wire() and ends(), moved out.
    std::pair<std::string, std::vector<std::size_t>> take() && { return {std::move(wire_), std::move(ends_)}; }

private:
    void header(char lead, std::size_t n);
    void ended();
    std::string wire_;
    std::vector<std::size_t> ends_;
    std::size_t left_ = 0;  ///< arguments the command being written still needs
};

/// `commands` written out, each a vector of its parts; none may be empty.
resp_commands resp_of(const std::vector<std::vector<std::string>>& commands);

}  // namespace cowin::state
