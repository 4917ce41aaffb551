#pragma once
// An alert as the outbox keeps it: one per subscription, poll and channel, holding everything the
// channel needs to say — the webhook body (DESIGN.md §5), the Telegram and SMS texts — and nothing
// personal: where to send it (URL, chat, phone) is read from the subscription at delivery time, so
// deleting a subscription leaves no personal data in the outbox.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subs/alert.hpp"

namespace cowin::delivery {

enum class channel : std::uint8_t { webhook, telegram, sms, log };
std::string_view to_string(channel c);
std::optional<channel> channel_named(std::string_view name);

struct alert {
    std::string id;  ///< new_alert_id(): the webhook-id of every attempt
    channel via = channel::log;
    std::string subscription_id;
    std::int64_t fetched_ms = 0;
    std::int64_t detected_ms = 0;
    int attempt = 0;          ///< attempts made so far
    std::string last_error;   ///< of the last failed attempt
    std::string body;         ///< the webhook JSON (also what the log channel writes)
    std::string text;         ///< Telegram, HTML
    std::string sms;          ///< one segment where it fits
    std::string summary;      ///< one plain line for the log: where, what, how many
};

/// The alerts of one draft, one per channel in `channels` (subs::channel_bit), sharing one id.
std::vector<alert> alerts_for(const subs::alert_draft& d, std::uint8_t channels);

std::string encode(const alert& a);
std::optional<alert> decode(std::string_view blob);

/// DESIGN.md §5 body.
std::string webhook_body(const subs::alert_draft& d, std::int64_t detected_ms);
/// HTML parse mode, escaped, at most 4096 characters: as many sessions as fit, then "+N more".
std::string telegram_text(const subs::alert_draft& d);
/// Short: "CoWIN: 12 doses at Aundh District Hospital 411027 on 28-11 COVISHIELD (+2 more). cowin.gov.in".
std::string sms_text(const subs::alert_draft& d);
/// "district 363, Aundh District Hospital: 12 doses on 28-11 COVISHIELD (+2 more)".
std::string summary_text(const subs::alert_draft& d);

/// `<`, `>`, `&` (and `"`) as Telegram's HTML mode wants them.
std::string html_escape(std::string_view s);
/// Characters (UTF-8 code points), as Telegram counts its 4096.
std::size_t utf8_length(std::string_view s);

/// "alt_" + 24 hex digits: 8 of the minute (since the epoch) of `made_ms`, then 16 random ones. The
/// minute lets the alert's record of attempts be kept with the other alerts of its minute and found
/// from the id alone (redis_outbox); the random part keeps ids apart (64 bits within one minute).
std::string new_alert_id(std::int64_t made_ms);
/// The minute an id of new_alert_id() was made in; nullopt for an id of another shape (of another
/// length or prefix, or whose minute is not 8 lowercase hex digits). Ids made
/// before the minute was in them (all 24 digits random) read as some minute, which is harmless:
/// their records are not looked for there alone.
std::optional<std::int64_t> minute_of_alert_id(std::string_view id);

}  // namespace cowin::delivery
