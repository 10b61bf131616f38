// What request handlers need from the application, handed to each group of routes.
#pragma once

#include <atomic>

#include "burgernet/config/live_config.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/ratelimit/rate_limiter.hpp"

namespace burgernet::api {

// Whether the database answers and its schema matches this binary; kept fresh by the
// application's schema watch, read by /readyz and by every /v1 request.
struct DatabaseState {
  std::atomic<bool> reachable{false};
  std::atomic<int> schema_version{0};
  bool ready() const;
};

struct Context {
  config::LiveConfig& config;  // limits and channel settings, reloaded on SIGHUP
  db::Pool& pool;
  metrics::Registry& metrics;
  DatabaseState& database;
  const privacy::PersonalDataKeys& keys;  // personal data at rest
  ratelimit::Limiters& limiters;  // per token, client IP, phone number, number prefix
};

}  // namespace burgernet::api
