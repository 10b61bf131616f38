// Full jitter spreads the retries of a failed batch, so a recovering provider is not hit at once.
#include "burgernet/queue/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace burgernet::queue {

std::chrono::milliseconds retry_delay(int attempt, const RetryPolicy& policy, const RandomSource& random,
                                      std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) return std::clamp(*retry_after, std::chrono::milliseconds(0), policy.max);
  const int exponent = std::clamp(attempt - 1, 0, 40);  // 2^40 * base overflows nothing in double
  const double ceiling =
      std::min(static_cast<double>(policy.max.count()), static_cast<double>(policy.base.count()) * std::ldexp(1.0, exponent));
  const double r = std::clamp(random(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling * r));
}

}  // namespace burgernet::queue
