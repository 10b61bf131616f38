// A token bucket for a driver's rate_per_s: pure, with the time passed in, so tests need no clock.
#pragma once

#include <chrono>

namespace burgernet::net {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate_per_s` <= 0: unlimited. `burst`: tokens that may be spent at once after a quiet spell
  // (1 keeps the sending evenly spaced, which providers' per-second limits expect).
  explicit TokenBucket(double rate_per_s, double burst = 1.0, Clock::time_point now = Clock::now());

  // Takes one token and returns how long the caller must wait before using it (zero when one
  // was available). Reservations queue up: n callers at once wait 0, 1/r, 2/r, ...
  Clock::duration reserve(Clock::time_point now);

  bool unlimited() const { return rate_ <= 0; }

 private:
  double rate_;
  double burst_;
  double tokens_;  // may go negative: tokens promised to callers that are still waiting
  Clock::time_point updated_;
};

}  // namespace burgernet::net
