// What became of one claimed delivery: the one record a worker hands to the batch completer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "burgernet/channel/channel.hpp"

namespace burgernet::queue {

struct Outcome {
  // The names are DeliveriesComplete's (sql/queries/deliveries.sql), which says what each does.
  enum class Kind { kSent, kRetry, kPostpone, kWait, kRelease, kFailed, kDisable, kExpired, kCancelled };

  std::int64_t delivery_id = 0;
  std::string owner;    // the claim that held the row; the completion applies only while it still does
  std::string channel;  // for the metrics
  Kind kind = Kind::kRelease;
  std::string note;     // sent: the provider's reference; otherwise the reason, never personal data
  double delay_s = 0;   // retry, postpone, wait: seconds until it may be claimed again
};

std::string_view outcome_name(Outcome::Kind kind);

// A driver's answer as an outcome. `retry_delay_s` is the backoff for a Retry that spent an
// attempt (the caller computes it: it depends on the attempt and a random draw); a Retry that
// never reached the provider waits its `after` instead and gives the attempt back.
Outcome outcome_of(const channel::SendResult& result, std::int64_t delivery_id, const std::string& owner,
                   const std::string& channel, double retry_delay_s);

}  // namespace burgernet::queue
