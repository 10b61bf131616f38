// Histogram construction and snapshots; the default latency buckets.
#include "burgernet/metrics/registry.hpp"
#include "metrics/exposition.hpp"

namespace burgernet::metrics {

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1) {
  detail::check_upper_bounds(upper_bounds_);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulative_counts.reserve(counts_.size());
  for (const auto& count : counts_) {
    snapshot.count += count.load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(snapshot.count);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> default_latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace burgernet::metrics
