// Tests of the metrics Registry: exact exposition text, validation, collectors and concurrent use.
#include "burgernet/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <latch>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace burgernet::metrics {
namespace {

constexpr int kThreads = 8;
constexpr int kIncrementsPerThread = 100'000;

// What add_collector() registers; appears in every render of a Registry with collectors.
std::string collector_failures(int failures) {
  return "# HELP burgernet_metrics_collector_failures_total Collector runs left out of a scrape because "
         "they threw or wrote a clashing family.\n"
         "# TYPE burgernet_metrics_collector_failures_total counter\n"
         "burgernet_metrics_collector_failures_total " +
         std::to_string(failures) + "\n";
}

TEST(RegistryTest, EmptyRegistryRendersNothing) { EXPECT_EQ(Registry().render(), ""); }

TEST(RegistryTest, CounterRendersOneHeaderForAllLabelSets) {
  Registry registry;
  registry.counter("burgernet_deliveries_total", "Deliveries sent.", {{"channel", "sms"}}).inc();
  registry.counter("burgernet_deliveries_total", "Deliveries sent.", {{"channel", "push"}}).inc(2.5);
  registry.counter("burgernet_deliveries_total", "Deliveries sent.");

  EXPECT_EQ(registry.render(),
            "# HELP burgernet_deliveries_total Deliveries sent.\n"
            "# TYPE burgernet_deliveries_total counter\n"
            "burgernet_deliveries_total 0\n"
            "burgernet_deliveries_total{channel=\"push\"} 2.5\n"
            "burgernet_deliveries_total{channel=\"sms\"} 1\n");
}

TEST(RegistryTest, CounterRejectsDecrease) {
  Registry registry;
  Counter& counter = registry.counter("requests_total", "Requests.");
  EXPECT_THROW(counter.inc(-1), std::invalid_argument);
  EXPECT_THROW(counter.inc(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_EQ(counter.value(), 0);
}

TEST(RegistryTest, GaugeSetsAndAdds) {
  Registry registry;
  Gauge& gauge = registry.gauge("connections", "Open connections.", {{"listener", "api"}});
  gauge.set(10);
  gauge.add(-2.5);
  EXPECT_EQ(gauge.value(), 7.5);
  registry.gauge("temperature_celsius", "Below zero.").set(-3);

  EXPECT_EQ(registry.render(),
            "# HELP connections Open connections.\n"
            "# TYPE connections gauge\n"
            "connections{listener=\"api\"} 7.5\n"
            "# HELP temperature_celsius Below zero.\n"
            "# TYPE temperature_celsius gauge\n"
            "temperature_celsius -3\n");
}

TEST(RegistryTest, HistogramRendersCumulativeBucketsSumAndCount) {
  Registry registry;
  Histogram& histogram =
      registry.histogram("request_seconds", "Request time.", {{"route", "/alerts"}}, {0.1, 1, 5});
  histogram.observe(0.0625);
  histogram.observe(1);  // on a bound: le is inclusive, so it counts in le="1"
  histogram.observe(3);
  histogram.observe(7);

  EXPECT_EQ(registry.render(),
            "# HELP request_seconds Request time.\n"
            "# TYPE request_seconds histogram\n"
            "request_seconds_bucket{route=\"/alerts\",le=\"0.1\"} 1\n"
            "request_seconds_bucket{route=\"/alerts\",le=\"1\"} 2\n"
            "request_seconds_bucket{route=\"/alerts\",le=\"5\"} 3\n"
            "request_seconds_bucket{route=\"/alerts\",le=\"+Inf\"} 4\n"
            "request_seconds_sum{route=\"/alerts\"} 11.0625\n"
            "request_seconds_count{route=\"/alerts\"} 4\n");
}

TEST(RegistryTest, HistogramWithoutLabelsUsesOnlyLe) {
  Registry registry;
  registry.histogram("jobs_seconds", "Job time.", {}, {1}).observe(0.5);

  EXPECT_EQ(registry.render(),
            "# HELP jobs_seconds Job time.\n"
            "# TYPE jobs_seconds histogram\n"
            "jobs_seconds_bucket{le=\"1\"} 1\n"
            "jobs_seconds_bucket{le=\"+Inf\"} 1\n"
            "jobs_seconds_sum 0.5\n"
            "jobs_seconds_count 1\n");
}

TEST(RegistryTest, HistogramBoundaryValueLandsInItsOwnBucket) {
  Histogram histogram(default_latency_buckets());
  histogram.observe(0.005);

  const Histogram::Snapshot snapshot = histogram.snapshot();
  ASSERT_EQ(snapshot.cumulative_counts.size(), 14u);
  EXPECT_EQ(snapshot.cumulative_counts[1], 0u);   // le=0.0025
  EXPECT_EQ(snapshot.cumulative_counts[2], 1u);   // le=0.005
  EXPECT_EQ(snapshot.cumulative_counts[13], 1u);  // le=+Inf
  EXPECT_EQ(snapshot.count, 1u);
  EXPECT_EQ(snapshot.sum, 0.005);
}

TEST(RegistryTest, HistogramPutsValuesAboveAndNaNInInf) {
  Histogram histogram({1, 2});
  histogram.observe(-4);
  histogram.observe(2.0000001);
  histogram.observe(std::numeric_limits<double>::quiet_NaN());

  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<std::uint64_t>{1, 1, 3}));
  EXPECT_EQ(snapshot.count, 3u);
  EXPECT_TRUE(std::isnan(snapshot.sum));
}

TEST(RegistryTest, DefaultLatencyBucketsRenderAsPlainDecimals) {
  Registry registry;
  registry.histogram("latency_seconds", "Latency.");

  EXPECT_EQ(registry.render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.001\"} 0\n"
            "latency_seconds_bucket{le=\"0.0025\"} 0\n"
            "latency_seconds_bucket{le=\"0.005\"} 0\n"
            "latency_seconds_bucket{le=\"0.01\"} 0\n"
            "latency_seconds_bucket{le=\"0.025\"} 0\n"
            "latency_seconds_bucket{le=\"0.05\"} 0\n"
            "latency_seconds_bucket{le=\"0.1\"} 0\n"
            "latency_seconds_bucket{le=\"0.25\"} 0\n"
            "latency_seconds_bucket{le=\"0.5\"} 0\n"
            "latency_seconds_bucket{le=\"1\"} 0\n"
            "latency_seconds_bucket{le=\"2.5\"} 0\n"
            "latency_seconds_bucket{le=\"5\"} 0\n"
            "latency_seconds_bucket{le=\"10\"} 0\n"
            "latency_seconds_bucket{le=\"+Inf\"} 0\n"
            "latency_seconds_sum 0\n"
            "latency_seconds_count 0\n");
}

TEST(RegistryTest, HistogramRejectsBadBuckets) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(Histogram({1, 0.5}), std::invalid_argument);
  EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
  EXPECT_THROW(Histogram({1, inf}), std::invalid_argument);
  EXPECT_THROW(Histogram({nan}), std::invalid_argument);
  EXPECT_NO_THROW(Histogram({}));

  Registry registry;
  EXPECT_THROW(registry.histogram("h", "H.", {}, {2, 1}), std::invalid_argument);
  EXPECT_EQ(registry.render(), "");  // the failed call left no empty family behind
}

TEST(RegistryTest, SameNameAndLabelsReturnTheSameObject) {
  Registry registry;
  Counter& first = registry.counter("c_total", "C.", {{"a", "1"}, {"b", "2"}});
  Counter& reordered = registry.counter("c_total", "C.", {{"b", "2"}, {"a", "1"}});
  Counter& other = registry.counter("c_total", "C.", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(&first, &reordered);
  EXPECT_NE(&first, &other);

  // Many more series must not move the ones handed out.
  for (int i = 0; i < 1000; ++i) registry.counter("c_total", "C.", {{"a", std::to_string(i)}});
  EXPECT_EQ(&first, &registry.counter("c_total", "C.", {{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(&registry.gauge("g", "G."), &registry.gauge("g", "G."));
  EXPECT_EQ(&registry.histogram("h", "H."), &registry.histogram("h", "H."));
}

TEST(RegistryTest, LabelsRenderSortedByName) {
  Registry registry;
  registry.gauge("g", "G.", {{"zone", "north"}, {"area", "amsterdam"}}).set(1);

  EXPECT_EQ(registry.render(),
            "# HELP g G.\n"
            "# TYPE g gauge\n"
            "g{area=\"amsterdam\",zone=\"north\"} 1\n");
}

TEST(RegistryTest, RejectsConflictingRegistrations) {
  Registry registry;
  registry.counter("requests_total", "Requests.");
  EXPECT_THROW(registry.gauge("requests_total", "Requests."), std::invalid_argument);
  EXPECT_THROW(registry.histogram("requests_total", "Requests."), std::invalid_argument);
  EXPECT_THROW(registry.counter("requests_total", "Other help."), std::invalid_argument);

  registry.histogram("h", "H.", {{"a", "1"}}, {1, 2});
  EXPECT_NO_THROW(registry.histogram("h", "H.", {{"a", "2"}}, {1, 2}));
  EXPECT_THROW(registry.histogram("h", "H.", {{"a", "3"}}, {1, 3}), std::invalid_argument);
}

TEST(RegistryTest, RejectsInvalidNames) {
  Registry registry;
  for (const char* name : {"", "1st", "has-dash", "has space", "ünicode", "a.b"}) {
    EXPECT_THROW(registry.counter(name, "X."), std::invalid_argument) << name;
  }
  for (const char* name : {"a", "_a", "a:b", ":a", "A_1:z"}) {
    EXPECT_NO_THROW(registry.counter(name, "X.")) << name;
  }
  for (const char* label : {"", "1a", "a:b", "a-b", "__reserved"}) {
    EXPECT_THROW(registry.gauge("g", "G.", {{label, "v"}}), std::invalid_argument) << label;
  }
  EXPECT_NO_THROW(registry.gauge("g", "G.", {{"_a", "v"}, {"B9", "v"}}));
  EXPECT_THROW(registry.gauge("g", "G.", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "H.", {{"le", "1"}}), std::invalid_argument);
}

TEST(RegistryTest, EscapesHelpAndLabelValues) {
  Registry registry;
  registry.gauge("g", "Path C:\\alerts\nsecond \"line\"", {{"text", "a\\b \"quoted\"\nnext"}}).set(1);

  EXPECT_EQ(registry.render(),
            "# HELP g Path C:\\\\alerts\\nsecond \"line\"\n"
            "# TYPE g gauge\n"
            "g{text=\"a\\\\b \\\"quoted\\\"\\nnext\"} 1\n");
}

TEST(RegistryTest, FormatsNumbersSoPrometheusParsesThem) {
  Registry registry;
  const std::vector<std::pair<std::string, double>> values = {
      {"a_whole", 1'000'000},
      {"b_large_whole", 123456789012345},
      {"c_fraction", 0.1},
      {"d_small", 0.00001},
      {"e_huge", 1e300},
      {"f_negative_zero", -0.0},
      {"g_plus_inf", std::numeric_limits<double>::infinity()},
      {"h_minus_inf", -std::numeric_limits<double>::infinity()},
      {"i_nan", std::numeric_limits<double>::quiet_NaN()},
      {"j_third", 1.0 / 3},
  };
  for (const auto& [name, value] : values) registry.gauge(name, "").set(value);

  std::string expected;
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"a_whole", "1000000"},
           {"b_large_whole", "123456789012345"},
           {"c_fraction", "0.1"},
           {"d_small", "1e-05"},
           {"e_huge", "1e+300"},
           {"f_negative_zero", "0"},
           {"g_plus_inf", "+Inf"},
           {"h_minus_inf", "-Inf"},
           {"i_nan", "NaN"},
           {"j_third", "0.3333333333333333"},
       }) {
    expected += "# HELP " + name + " \n# TYPE " + name + " gauge\n" + name + " " + text + "\n";
  }
  EXPECT_EQ(registry.render(), expected);
}

TEST(RegistryTest, FamiliesRenderSortedByNameWithCollectorsAmongThem) {
  Registry registry;
  registry.gauge("zeta", "Z.").set(1);
  registry.counter("alpha_total", "A.").inc();
  registry.add_collector([](SampleWriter& out) {
    out.gauge_family("mid", "M.");
    out.sample(2);
  });

  EXPECT_EQ(registry.render(),
            "# HELP alpha_total A.\n"
            "# TYPE alpha_total counter\n"
            "alpha_total 1\n" +
                collector_failures(0) +
                "# HELP mid M.\n"
                "# TYPE mid gauge\n"
                "mid 2\n"
                "# HELP zeta Z.\n"
                "# TYPE zeta gauge\n"
                "zeta 1\n");
}

TEST(RegistryTest, CollectorsRunOnEveryRender) {
  Registry registry;
  int pending = 3;
  registry.add_collector([&pending](SampleWriter& out) {
    out.gauge_family("burgernet_queue_depth", "Deliveries waiting, by state.");
    out.sample(pending, {{"state", "pending"}});
    out.sample(1, {{"state", "retrying"}});
    out.counter_family("burgernet_queue_claims_total", "Claims.");
    out.sample(12);
  });

  const std::string expected_prefix = collector_failures(0) +
                                      "# HELP burgernet_queue_claims_total Claims.\n"
                                      "# TYPE burgernet_queue_claims_total counter\n"
                                      "burgernet_queue_claims_total 12\n"
                                      "# HELP burgernet_queue_depth Deliveries waiting, by state.\n"
                                      "# TYPE burgernet_queue_depth gauge\n";
  EXPECT_EQ(registry.render(), expected_prefix +
                                   "burgernet_queue_depth{state=\"pending\"} 3\n"
                                   "burgernet_queue_depth{state=\"retrying\"} 1\n");
  pending = 5;
  EXPECT_EQ(registry.render(), expected_prefix +
                                   "burgernet_queue_depth{state=\"pending\"} 5\n"
                                   "burgernet_queue_depth{state=\"retrying\"} 1\n");
}

TEST(RegistryTest, CollectorsSharingAFamilyGetOneHeader) {
  Registry registry;
  for (const char* channel : {"sms", "push"}) {
    registry.add_collector([channel](SampleWriter& out) {
      out.gauge_family("channel_up", "Whether the provider answers.");
      out.sample(1, {{"channel", channel}});
    });
  }

  EXPECT_EQ(registry.render(), collector_failures(0) +
                                   "# HELP channel_up Whether the provider answers.\n"
                                   "# TYPE channel_up gauge\n"
                                   "channel_up{channel=\"sms\"} 1\n"
                                   "channel_up{channel=\"push\"} 1\n");
}

TEST(RegistryTest, FailingCollectorIsLeftOutAndCounted) {
  Registry registry;
  registry.gauge("registered", "R.").set(1);
  registry.add_collector([](SampleWriter& out) {
    out.gauge_family("half_written", "H.");
    out.sample(1);
    throw std::runtime_error("database unavailable");
  });
  registry.add_collector([](SampleWriter& out) {
    out.gauge_family("registered", "R.");  // clashes with the registered family
    out.sample(2);
  });
  registry.add_collector([](SampleWriter& out) { out.sample(3); });  // no family started
  registry.add_collector([](SampleWriter& out) { out.gauge_family("bad-name", "B."); });
  registry.add_collector([](SampleWriter& out) {
    out.counter_family("healthy_total", "Still rendered.");
    out.sample(4);
  });

  EXPECT_EQ(registry.render(), collector_failures(4) +
                                   "# HELP healthy_total Still rendered.\n"
                                   "# TYPE healthy_total counter\n"
                                   "healthy_total 4\n"
                                   "# HELP registered R.\n"
                                   "# TYPE registered gauge\n"
                                   "registered 1\n");
}

TEST(RegistryTest, CollectorsWithClashingFamiliesKeepTheFirst) {
  Registry registry;
  registry.add_collector([](SampleWriter& out) {
    out.gauge_family("depth", "Depth.");
    out.sample(1);
  });
  registry.add_collector([](SampleWriter& out) {
    out.counter_family("depth", "Depth.");
    out.sample(2);
  });

  EXPECT_EQ(registry.render(), collector_failures(1) +
                                   "# HELP depth Depth.\n"
                                   "# TYPE depth gauge\n"
                                   "depth 1\n");
}

TEST(RegistryTest, CollectorMayUpdateMetricsOfItsRegistry) {
  Registry registry;
  Gauge& uptime = registry.gauge("uptime_seconds", "Uptime.");
  registry.add_collector([&registry](SampleWriter&) { registry.gauge("uptime_seconds", "Uptime.").set(42); });

  EXPECT_EQ(registry.render(), collector_failures(0) +
                                   "# HELP uptime_seconds Uptime.\n"
                                   "# TYPE uptime_seconds gauge\n"
                                   "uptime_seconds 42\n");
  EXPECT_EQ(uptime.value(), 42);
}

TEST(RegistryTest, RejectsEmptyCollector) {
  Registry registry;
  EXPECT_THROW(registry.add_collector(Registry::Collector()), std::invalid_argument);
}

// Runs body(thread index) on kThreads threads released together, so they overlap instead of each
// finishing before the next one starts.
template <typename Body>
void run_concurrently(Body body) {
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&start, &body, t] {
      start.arrive_and_wait();
      body(t);
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST(RegistryTest, ConcurrentCounterIncrementsAreNotLost) {
  Registry registry;
  Counter& counter = registry.counter("c_total", "C.");
  run_concurrently([&counter](int) {
    for (int i = 0; i < kIncrementsPerThread; ++i) counter.inc();
  });

  EXPECT_EQ(counter.value(), kThreads * kIncrementsPerThread);
}

TEST(RegistryTest, ConcurrentGaugeAndHistogramUpdatesAreNotLost) {
  Registry registry;
  Gauge& gauge = registry.gauge("g", "G.");
  Histogram& histogram = registry.histogram("h", "H.", {}, {0.5});
  run_concurrently([&](int t) {
    for (int i = 0; i < kIncrementsPerThread; ++i) {
      gauge.add(t % 2 == 0 ? 1 : -1);
      histogram.observe(i % 2 == 0 ? 0.25 : 1);
    }
  });

  EXPECT_EQ(gauge.value(), 0);
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count, static_cast<std::uint64_t>(kThreads) * kIncrementsPerThread);
  EXPECT_EQ(snapshot.cumulative_counts[0], snapshot.count / 2);
  EXPECT_EQ(snapshot.sum, 0.625 * kThreads * kIncrementsPerThread);
}

TEST(RegistryTest, ConcurrentLookupsAndRendersAgree) {
  Registry registry;
  registry.add_collector([](SampleWriter& out) {
    out.gauge_family("collected", "C.");
    out.sample(1);
  });
  run_concurrently([&registry](int t) {
    for (int i = 0; i < 1000; ++i) {
      // Every thread asks for the same ten series, so creating one races with looking it up.
      registry.counter("lookups_total", "Lookups.", {{"series", std::to_string(i % 10)}}).inc();
      registry.histogram("h", "H.", {{"thread", std::to_string(t)}}, {1}).observe(t);
      if (i % 100 == 0) {
        EXPECT_FALSE(registry.render().empty());
      }
    }
  });

  for (int series = 0; series < 10; ++series) {
    EXPECT_EQ(registry.counter("lookups_total", "Lookups.", {{"series", std::to_string(series)}}).value(),
              kThreads * 100);
  }
}

}  // namespace
}  // namespace burgernet::metrics
