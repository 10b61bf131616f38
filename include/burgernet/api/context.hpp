// What request handlers need from the application, handed to each group of routes.
#pragma once

#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>

#include "burgernet/api/short_cache.hpp"
#include "burgernet/config/live_config.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/http/message.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/ratelimit/rate_limiter.hpp"

namespace burgernet::event {
class ActionEventHub;
}

namespace burgernet::api {

// Whether the database answers and its schema matches this binary; kept fresh by the
// application's schema watch, read by /readyz and by every /v1 request.
struct DatabaseState {
  std::atomic<bool> reachable{false};
  std::atomic<int> schema_version{0};
  bool ready() const;
};

// What the API remembers for a moment (docs/architecture.md, "Reading progress"): a token's
// caller for a second (a revoked token stops working within that second on every daemon), and
// an action's GET answer per token for a quarter of a second (what this daemon changes of an
// action drops them at once).
struct Caches {
  ShortCache<std::optional<http::Caller>> tokens{std::chrono::seconds(1), 10000};
  ShortCache<nlohmann::json> actions{std::chrono::milliseconds(250), 10000};
};

struct Context {
  config::LiveConfig& config;  // limits and channel settings, reloaded on SIGHUP
  db::Pool& pool;
  metrics::Registry& metrics;
  DatabaseState& database;
  const privacy::PersonalDataKeys& keys;  // personal data at rest
  ratelimit::Limiters& limiters;  // per token, client IP, phone number, number prefix
  Caches& caches;
  event::ActionEventHub* events = nullptr;  // GET /v1/actions/{id}/events; set once the hub exists
};

}  // namespace burgernet::api
