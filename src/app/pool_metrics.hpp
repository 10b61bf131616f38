// The database pools' metrics: how long work waited for a connection, how often it gave up, and
// how full each pool is, labelled pool="api" or pool="worker".
#pragma once

#include <string>

#include "burgernet/db/pool.hpp"
#include "burgernet/metrics/registry.hpp"

namespace burgernet::app {

// Sets `options`' on_waited and on_timed_out to burgernet_db_pool_wait_seconds and
// burgernet_db_pool_timeouts_total of `pool`. `metrics` must outlive the pool.
void count_pool_waits(db::PoolOptions& options, metrics::Registry& metrics, const std::string& pool);

// burgernet_db_pool_connections (the size) and burgernet_db_pool_pending (work admitted and not
// finished: running or waiting), read at scrape time. `db_pool` must outlive the scrapes.
void add_pool_gauges(metrics::Registry& metrics, const db::Pool& db_pool, const std::string& pool);

}  // namespace burgernet::app
