// Claim sizing from the channel's rate limit and its measured speed.
#include "queue/claim_size.hpp"

#include <algorithm>
#include <cmath>

namespace burgernet::queue {

namespace {
// Before anything was measured: small enough that a provider as slow as Twilio (0.4 s a
// message, one in flight) sends it well within any lease, large enough that a fast channel
// reaches the full batch after one claim.
constexpr int kFirstClaim = 4;
}  // namespace

std::chrono::milliseconds claim_window(std::chrono::seconds lease) {
  return std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000),
                                             std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 4);
}

int claim_size(const ClaimSizeInputs& in) {
  const int most = std::max(1, in.batch_size);
  const double window_s = static_cast<double>(claim_window(in.lease).count()) / 1000.0;
  double size = in.seconds_per_row ? (*in.seconds_per_row > 0 ? window_s / *in.seconds_per_row : most)
                                   : std::min(most, kFirstClaim);
  if (in.rate_per_s > 0) size = std::min(size, in.rate_per_s * window_s / std::max(1, in.workers));
  if (!std::isfinite(size)) size = most;
  return std::clamp(static_cast<int>(size), 1, most);
}

double updated_seconds_per_row(std::optional<double> previous, double batch_seconds, int rows_offered) {
  const double sample = batch_seconds / std::max(1, rows_offered);
  if (!previous) return sample;
  return *previous + (sample - *previous) / 3.0;
}

}  // namespace burgernet::queue
