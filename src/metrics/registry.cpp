// The Registry: finding or creating series by name and labels, and rendering a scrape.
#include "burgernet/metrics/registry.hpp"

#include <map>
#include <mutex>

#include "metrics/exposition.hpp"

namespace burgernet::metrics {
namespace {

constexpr std::string_view kCollectorFailuresName = "burgernet_metrics_collector_failures_total";
constexpr std::string_view kCollectorFailuresHelp =
    "Collector runs left out of a scrape because they threw or wrote a clashing family.";

enum class Kind { kCounter, kGauge, kHistogram };

std::string_view type_name(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

struct Family {
  Kind kind;
  std::string help;
  std::vector<double> upper_bounds;  // histograms only; every series of a family shares them
  // Only the map of the family's kind is used. std::map never moves its nodes, so the references
  // handed out stay valid.
  std::map<Labels, Counter> counters;
  std::map<Labels, Gauge> gauges;
  std::map<Labels, Histogram> histograms;
};

// One family of a scrape, from the Registry or from collectors.
struct RenderedFamily {
  std::string_view type;
  std::string help;
  std::string samples;
};

using Scrape = std::map<std::string, RenderedFamily, std::less<>>;

std::string render_samples(std::string_view name, const Family& family) {
  std::string out;
  for (const auto& [labels, counter] : family.counters) {
    detail::append_sample(out, name, "", labels, "", detail::format_value(counter.value()));
  }
  for (const auto& [labels, gauge] : family.gauges) {
    detail::append_sample(out, name, "", labels, "", detail::format_value(gauge.value()));
  }
  if (family.histograms.empty()) return out;
  std::vector<std::string> le;
  for (const double bound : family.upper_bounds) le.push_back(detail::format_value(bound));
  le.emplace_back("+Inf");
  for (const auto& [labels, histogram] : family.histograms) {
    const Histogram::Snapshot snapshot = histogram.snapshot();
    for (std::size_t i = 0; i < le.size(); ++i) {
      detail::append_sample(out, name, "_bucket", labels, le[i],
                            detail::format_value(snapshot.cumulative_counts[i]));
    }
    detail::append_sample(out, name, "_sum", labels, "", detail::format_value(snapshot.sum));
    detail::append_sample(out, name, "_count", labels, "", detail::format_value(snapshot.count));
  }
  return out;
}

}  // namespace

struct Registry::State {
  std::mutex mutex;
  std::map<std::string, Family, std::less<>> families;
  std::vector<Collector> collectors;
  Counter* collector_failures = nullptr;  // registered with the first collector

  // The family registered under name, created if new. Throws if it was registered differently:
  // two places disagreeing about a metric is a programming error, not something to merge.
  Family& family(std::string_view name, std::string_view help, Kind kind) {
    if (const auto found = families.find(name); found != families.end()) {
      if (found->second.kind != kind) {
        throw std::invalid_argument("metrics: \"" + std::string(name) + "\" is already a " +
                                    std::string(type_name(found->second.kind)));
      }
      if (found->second.help != help) {
        throw std::invalid_argument("metrics: \"" + std::string(name) +
                                    "\" is already registered with help \"" + found->second.help + '"');
      }
      return found->second;
    }
    detail::check_metric_name(name);
    return families.try_emplace(std::string(name), Family{kind, std::string(help), {}, {}, {}, {}})
        .first->second;
  }

  // Adds what one collector wrote to the scrape, or nothing if any of its families clashes with a
  // registered family or with another collector's family of the same name.
  bool merge(std::vector<SampleWriter::Family>& written, Scrape& scrape) const {
    for (const auto& family : written) {
      if (families.contains(family.name)) return false;
      const auto found = scrape.find(family.name);
      if (found != scrape.end() && (found->second.type != family.type || found->second.help != family.help)) {
        return false;
      }
    }
    for (auto& family : written) {
      const auto found =
          scrape.try_emplace(std::move(family.name), RenderedFamily{family.type, std::move(family.help), {}})
              .first;
      found->second.samples += family.samples;
    }
    return true;
  }
};

Registry::Registry() : state_(std::make_unique<State>()) {}

Registry::~Registry() = default;

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  Labels key = detail::canonical_labels(labels);
  const std::lock_guard lock(state_->mutex);
  return state_->family(name, help, Kind::kCounter).counters.try_emplace(std::move(key)).first->second;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  Labels key = detail::canonical_labels(labels);
  const std::lock_guard lock(state_->mutex);
  return state_->family(name, help, Kind::kGauge).gauges.try_emplace(std::move(key)).first->second;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, const Labels& labels,
                               std::vector<double> buckets) {
  Labels key = detail::canonical_labels(labels);
  for (const auto& label : key) {
    if (label.first == "le") {
      throw std::invalid_argument("metrics: \"le\" is the bucket label of a histogram");
    }
  }
  // Checked before the family exists, so a bad bucket list leaves no empty family behind.
  detail::check_upper_bounds(buckets);
  const std::lock_guard lock(state_->mutex);
  Family& family = state_->family(name, help, Kind::kHistogram);
  if (family.histograms.empty()) {
    family.upper_bounds = buckets;
  } else if (family.upper_bounds != buckets) {
    throw std::invalid_argument("metrics: \"" + std::string(name) +
                                "\" is already registered with other buckets");
  }
  return family.histograms.try_emplace(std::move(key), std::move(buckets)).first->second;
}

void Registry::add_collector(Collector collector) {
  if (!collector) throw std::invalid_argument("metrics: empty collector");
  Counter& failures = counter(kCollectorFailuresName, kCollectorFailuresHelp);
  const std::lock_guard lock(state_->mutex);
  state_->collector_failures = &failures;
  state_->collectors.push_back(std::move(collector));
}

std::string Registry::render() const {
  std::vector<Collector> collectors;
  {
    const std::lock_guard lock(state_->mutex);
    collectors = state_->collectors;
  }
  std::vector<SampleWriter> written;
  written.reserve(collectors.size());
  for (const Collector& collector : collectors) {
    SampleWriter writer;
    try {
      collector(writer);
      written.push_back(std::move(writer));
    } catch (const std::exception&) {
      state_->collector_failures->inc();
    }
  }

  const std::lock_guard lock(state_->mutex);
  Scrape scrape;
  for (SampleWriter& writer : written) {
    if (!state_->merge(writer.families_, scrape)) {
      state_->collector_failures->inc();
    }
  }
  for (const auto& [name, family] : state_->families) {
    scrape.try_emplace(name,
                       RenderedFamily{type_name(family.kind), family.help, render_samples(name, family)});
  }

  std::string out;
  for (const auto& [name, family] : scrape) {
    detail::append_header(out, name, family.help, family.type);
    out += family.samples;
  }
  return out;
}

void SampleWriter::counter_family(std::string_view name, std::string_view help) {
  start_family(name, help, "counter");
}

void SampleWriter::gauge_family(std::string_view name, std::string_view help) {
  start_family(name, help, "gauge");
}

void SampleWriter::start_family(std::string_view name, std::string_view help, std::string_view type) {
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name != name) continue;
    if (families_[i].type != type || families_[i].help != help) {
      throw std::invalid_argument("metrics: collector family \"" + std::string(name) +
                                  "\" started again with another type or help");
    }
    current_ = i;
    return;
  }
  detail::check_metric_name(name);
  families_.push_back(Family{std::string(name), std::string(help), type, {}});
  current_ = families_.size() - 1;
}

void SampleWriter::sample(double value, const Labels& labels) {
  if (!current_) throw std::logic_error("metrics: sample written before its family was started");
  Family& family = families_[*current_];
  detail::append_sample(family.samples, family.name, "", detail::canonical_labels(labels), "",
                        detail::format_value(value));
}

}  // namespace burgernet::metrics
