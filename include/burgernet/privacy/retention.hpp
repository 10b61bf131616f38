// How long personal data is kept (docs/privacy.md, "How long"): the janitor's purges.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "burgernet/config/config.hpp"
#include "burgernet/db/connection.hpp"

namespace burgernet::privacy {

// A sign-up nobody verifies within this time is erased; answers kept for Idempotency-Key
// replays are deleted after this time (SPEC.md: "within 24 h").
inline constexpr std::chrono::hours kPendingSignUpRetention{24};
inline constexpr std::chrono::hours kIdempotencyRetention{24};

// Months of delivery partitions that exist ahead of the current one (migration 0009): a daemon
// that cannot reach the database for this long still finds its month's partition there.
inline constexpr int kDeliveryPartitionsAhead = 2;

// What one pass did to the monthly partitions of `deliveries`.
struct DeliveryPartitions {
  int created = 0;
  int dropped = 0;
  std::int64_t rows_dropped = 0;  // the rows the dropped partitions held
  // Old enough to go, kept because rows in them are still queued or sending: their names.
  std::vector<std::string> kept_busy;
};

// Creates the current month's partition and `ahead_months` after it where missing; returns how
// many it created. Safe to call from several daemons at once.
int ensure_delivery_partitions(db::Connection& connection, int ahead_months = kDeliveryPartitionsAhead);

// Drops every month partition whose month ended more than `retention_months` ago and that
// holds no queued or sending row (a DROP TABLE, not a DELETE). Logs a warning for each kept.
DeliveryPartitions drop_old_delivery_partitions(db::Connection& connection, int retention_months);

// Rows purged by one pass, by what they held.
struct Purged {
  std::int64_t device_locations = 0;
  std::int64_t pending_sign_ups = 0;
  std::int64_t verification_codes = 0;
  std::int64_t idempotency_keys = 0;
  std::int64_t tips = 0;  // older than retention.tips_days (sql/queries/tips.sql)
  DeliveryPartitions delivery_partitions;  // not in total(): whole months, logged on their own
  std::int64_t total() const {
    return device_locations + pending_sign_ups + verification_codes + idempotency_keys + tips;
  }
};

// One pass over everything that has outlived its use, each kind in its own short statement of
// at most `batch` rows, repeated until a kind has no more; then the delivery partitions: the
// months ahead created, the months past config.delivery_retention_months dropped. Safe to run
// on several daemons at once (sql/queries/retention.sql).
Purged purge_expired(db::Connection& connection, const config::Config& config, int batch = 5000);

}  // namespace burgernet::privacy
