#pragma once
// An outbox entry holds up to alerts_per_entry alerts of one commit, and they are mostly alike: one
// opening, rendered for each subscriber, differs in the alert's id and the subscription's. So every
// alert after an entry's first is written as its differences from the first: what to copy from it,
// what to skip of it, and the bytes of its own. The 134 alerts of an opening (880 bytes each) then
// go to Redis as about 13 KB instead of 118 KB, and the claim in the commit's answer brings back as
// little.
//
// The format is bytes only, so the store need not know what an alert is: a sequence of
//   C<n>;      copy the next n bytes of the first alert
//   S<n>;      skip the next n bytes of it
//   L<n>;<n bytes>  bytes of this alert's own
// with n in decimal. Whatever the inputs, apply_delta(base, delta_of(base, target)) == target.
#include <optional>
#include <string>
#include <string_view>

namespace cowin::state {

/// `target` as differences from `base`; never longer than target by more than a few bytes.
std::string delta_of(std::string_view base, std::string_view target);

/// What delta_of was given, or nullopt when `delta` is not one of base's (malformed, or reaching past
/// base's end): the caller treats the alert as undecodable, never as some other alert.
std::optional<std::string> apply_delta(std::string_view base, std::string_view delta);

}  // namespace cowin::state
