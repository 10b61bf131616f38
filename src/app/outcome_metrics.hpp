// The statistics' headline figures on /metrics: actions closed per outcome and kind, and the
// shares resolved and resolved thanks to participants, read from the database once a minute.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "burgernet/db/pool.hpp"
#include "burgernet/metrics/registry.hpp"

namespace burgernet::app {

// Runs until `stopping` turns true; reads only while `database_ready()` (one small GROUP BY
// over actions, action_stats.hpp). Also counts the participants of GET /v1/stats again every
// nine minutes, so that no request waits for that. `stopping`, `pool` and `metrics` must outlive it.
boost::asio::awaitable<void> refresh_outcome_gauges(db::Pool& pool, metrics::Registry& metrics, const bool& stopping,
                                                    std::function<bool()> database_ready);

}  // namespace burgernet::app
