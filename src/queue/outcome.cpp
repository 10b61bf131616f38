// A driver's SendResult turned into the completer's Outcome.
#include "burgernet/queue/outcome.hpp"

#include <variant>

namespace burgernet::queue {

std::string_view outcome_name(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::kSent: return "sent";
    case Outcome::Kind::kRetry: return "retry";
    case Outcome::Kind::kPostpone: return "postpone";
    case Outcome::Kind::kWait: return "wait";
    case Outcome::Kind::kRelease: return "release";
    case Outcome::Kind::kFailed: return "failed";
    case Outcome::Kind::kDisable: return "disable";
    case Outcome::Kind::kExpired: return "expired";
    case Outcome::Kind::kCancelled: return "cancelled";
  }
  return "release";
}

Outcome outcome_of(const channel::SendResult& result, std::int64_t delivery_id, const std::string& owner,
                   const std::string& channel, double retry_delay_s) {
  Outcome out;
  out.delivery_id = delivery_id;
  out.owner = owner;
  out.channel = channel;
  if (const auto* sent = std::get_if<channel::Sent>(&result)) {
    out.kind = Outcome::Kind::kSent;
    out.note = sent->provider_ref.value_or("");
  } else if (const auto* retry = std::get_if<channel::Retry>(&result)) {
    out.note = retry->reason;
    if (retry->counts_attempt) {
      out.kind = Outcome::Kind::kRetry;
      out.delay_s = retry_delay_s;
    } else {
      out.kind = Outcome::Kind::kPostpone;
      out.delay_s = retry->after ? static_cast<double>(retry->after->count()) / 1000.0 : retry_delay_s;
    }
  } else {
    const auto& failed = std::get<channel::Failed>(result);
    out.kind = failed.disable_recipient ? Outcome::Kind::kDisable : Outcome::Kind::kFailed;
    out.note = failed.reason;
  }
  return out;
}

}  // namespace burgernet::queue
