// The retention purges: plain set-based statements in sql/queries/retention.sql, in batches
// so that no transaction holds many locks for long.
#include "burgernet/privacy/retention.hpp"

#include "burgernet/sql/query.hpp"

namespace burgernet::privacy {
namespace {

// Runs `name` until a batch comes back short; each statement commits on its own.
template <typename... Args>
std::int64_t purge_all(db::Connection& connection, const char* name, int batch, const Args&... args) {
  std::int64_t total = 0;
  for (;;) {
    const auto purged = connection.exec(sql::query(name), db::Params(args..., batch)).int64(0, 0);
    total += purged;
    if (purged < batch) return total;
  }
}

int seconds(std::chrono::seconds s) { return static_cast<int>(s.count()); }

}  // namespace

Purged purge_expired(db::Connection& connection, const config::Config& config, int batch) {
  Purged purged;
  purged.device_locations =
      purge_all(connection, "RetentionPurgeDeviceLocations", batch, seconds(config.location_ttl));
  purged.pending_sign_ups =
      purge_all(connection, "RetentionPurgePendingSignUps", batch, seconds(kPendingSignUpRetention));
  purged.verification_codes = purge_all(connection, "RetentionPurgeVerificationCodes", batch);
  purged.idempotency_keys =
      purge_all(connection, "RetentionPurgeIdempotencyKeys", batch, seconds(kIdempotencyRetention));
  return purged;
}

}  // namespace burgernet::privacy
