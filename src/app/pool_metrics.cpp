// Wiring of the pools' hooks and sizes to the metrics registry.
#include "app/pool_metrics.hpp"

namespace burgernet::app {

void count_pool_waits(db::PoolOptions& options, metrics::Registry& metrics, const std::string& pool) {
  auto& waited = metrics.histogram("burgernet_db_pool_wait_seconds",
                                   "Seconds database work waited for a connection of the pool (queue and acquire).",
                                   {{"pool", pool}});
  auto& timed_out = metrics.counter("burgernet_db_pool_timeouts_total",
                                    "Database work that gave up waiting for a connection of the pool.",
                                    {{"pool", pool}});
  options.on_waited = [&waited](double seconds) { waited.observe(seconds); };
  options.on_timed_out = [&timed_out] { timed_out.inc(); };
}

void add_pool_gauges(metrics::Registry& metrics, const db::Pool& db_pool, const std::string& pool) {
  metrics.add_collector([&db_pool, pool](metrics::SampleWriter& out) {
    out.gauge_family("burgernet_db_pool_connections", "Connections (and threads) the pool may use at once.");
    out.sample(static_cast<double>(db_pool.options().size), {{"pool", pool}});
    out.gauge_family("burgernet_db_pool_pending",
                     "Database work admitted to the pool and not finished: running or waiting for a connection.");
    out.sample(static_cast<double>(db_pool.pending()), {{"pool", pool}});
  });
}

}  // namespace burgernet::app
