// How many rows a worker claims at once: what it can send in a short window, so that a batch
// never outlives its lease and a new action waits for no more than one window of an old one.
#pragma once

#include <chrono>
#include <optional>

namespace burgernet::queue {

struct ClaimSizeInputs {
  int batch_size = 200;                   // queue.batch_size: the most a claim may take
  std::chrono::seconds lease{60};         // queue.lease_s
  double rate_per_s = 0;                  // the channel's rate limit, 0 = none
  int workers = 1;                        // the channel's workers in this daemon
  std::optional<double> seconds_per_row;  // measured per worker; none before the first batch
};

// The window a claim should take to send: a second, or a quarter of the lease if that is
// shorter. A second is what an action raised while a large one is being sent may wait for the
// workers to come back to the queue, where its first rows come first (their wave is 0).
std::chrono::milliseconds claim_window(std::chrono::seconds lease);

// At least 1, at most batch_size.
int claim_size(const ClaimSizeInputs& in);

// The running estimate of seconds per row: an exponentially weighted mean, so one slow batch
// (a provider's hiccup) moves it a third of the way.
double updated_seconds_per_row(std::optional<double> previous, double batch_seconds, int rows_offered);

}  // namespace burgernet::queue
