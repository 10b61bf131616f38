// When to try a delivery again: capped exponential backoff with full jitter (AWS's advice).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace burgernet::queue {

struct RetryPolicy {
  std::chrono::milliseconds base{2000};
  std::chrono::milliseconds max{300000};
};

// A uniform random number in [0, 1); injected so tests are deterministic.
using RandomSource = std::function<double()>;

// The delay before attempt `attempt + 1`, `attempt` >= 1 being the attempt that just failed:
// uniform in [0, min(max, base * 2^(attempt-1))]. A provider's Retry-After wins, capped at max.
std::chrono::milliseconds retry_delay(int attempt, const RetryPolicy& policy, const RandomSource& random,
                                      std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

}  // namespace burgernet::queue
