// Prometheus metrics: counters, gauges and histograms in a Registry rendered as text format 0.0.4.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burgernet::metrics {

// Label names and values of one series. Order does not matter: the Registry sorts by name.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A value that only goes up. Reads and writes are lock-free, so callers keep a reference and call
// inc() on the hot path.
class Counter {
 public:
  // Throws std::invalid_argument on a negative or NaN step: Prometheus treats any decrease as a
  // restart of the process, so it would corrupt rate().
  void inc(double by = 1) {
    if (!(by >= 0)) throw std::invalid_argument("metrics: counter increment must be >= 0");
    value_.fetch_add(by, std::memory_order_relaxed);
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down. Lock-free like Counter.
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets by upper bound (inclusive), plus their sum. Lock-free like Counter.
class Histogram {
 public:
  // What render() writes: cumulative counts, one per upper bound and a last one for +Inf.
  struct Snapshot {
    std::vector<std::uint64_t> cumulative_counts;
    double sum = 0;
    std::uint64_t count = 0;
  };

  // upper_bounds must be finite and strictly increasing; the +Inf bucket is implicit. Throws
  // std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> upper_bounds);

  void observe(double value) {
    // Linear search: a dozen buckets fit in a cache line or two, and `value <= bound` sends NaN to +Inf.
    auto bound = std::find_if(upper_bounds_.begin(), upper_bounds_.end(),
                              [value](double upper) { return value <= upper; });
    counts_[static_cast<std::size_t>(bound - upper_bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

  // The count is the sum of the buckets, so the +Inf bucket always equals _count even while other
  // threads observe; the sum may be a few observations ahead or behind.
  Snapshot snapshot() const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

// Seconds: .001 .0025 .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> default_latency_buckets();

// Where a collector writes the families it reads at scrape time. Start a family, then write its
// samples. Names and labels follow the same rules as the Registry's (std::invalid_argument).
class SampleWriter {
 public:
  void counter_family(std::string_view name, std::string_view help);
  void gauge_family(std::string_view name, std::string_view help);
  // Adds a sample to the family started last; std::logic_error if none was.
  void sample(double value, const Labels& labels = {});

 private:
  friend class Registry;

  struct Family {
    std::string name;
    std::string help;
    std::string_view type;  // the word on the TYPE line, compared when families are merged
    std::string samples;    // rendered sample lines
  };

  void start_family(std::string_view name, std::string_view help, std::string_view type);

  std::vector<Family> families_;
  std::optional<std::size_t> current_;  // index into families_
};

// Owns every metric of the process and renders them for a scrape. Thread-safe.
class Registry {
 public:
  // Called on every render() to write values read at scrape time, such as queue depth from the
  // database. A collector that throws (or writes a family that clashes with another) is left out of
  // that scrape and counted in burgernet_metrics_collector_failures_total, so one failing source
  // does not hide every other metric.
  using Collector = std::function<void(SampleWriter&)>;

  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // A family is created on first use; the same name and labels return the same object, valid for
  // the Registry's lifetime. These take a lock: look up once and keep the reference.
  // Throws std::invalid_argument on an invalid metric or label name, on a name already registered
  // with another type, help text or bucket list, and on a histogram label named "le".
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels = {},
                       std::vector<double> buckets = default_latency_buckets());

  void add_collector(Collector collector);

  // Prometheus text exposition format 0.0.4, families sorted by name. Collectors run first and
  // without the lock, so they may look up and set metrics of this Registry.
  std::string render() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace burgernet::metrics
