// The retention purges: plain set-based statements in sql/queries/retention.sql, in batches
// so that no transaction holds many locks for long.
#include "burgernet/privacy/retention.hpp"

#include <spdlog/spdlog.h>

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

int ensure_delivery_partitions(db::Connection& connection, int ahead_months) {
  return static_cast<int>(connection.exec(sql::query("DeliveryPartitionsEnsure"), ahead_months).int64(0, 0));
}

DeliveryPartitions drop_old_delivery_partitions(db::Connection& connection, int retention_months) {
  DeliveryPartitions result;
  const auto rows = connection.exec(sql::query("DeliveryPartitionsDrop"), retention_months);
  for (int i = 0; i < rows.rows(); ++i) {
    const auto name = rows.string(i, 0);
    if (rows.boolean(i, 3)) {
      ++result.dropped;
      result.rows_dropped += rows.int64(i, 1);
      spdlog::info("retention: dropped delivery partition {} ({} rows, older than {} months)", name,
                   rows.int64(i, 1), retention_months);
    } else if (rows.int64(i, 2) > 0) {
      result.kept_busy.push_back(name);
      spdlog::warn(
          "retention: delivery partition {} is past retention ({} months) but {} of its rows are still "
          "queued or sending; kept until they are done",
          name, retention_months, rows.int64(i, 2));
    }
    // Neither: the partition was locked by queries; the next pass tries again.
  }
  return result;
}

Purged purge_expired(db::Connection& connection, const config::Config& config, int batch) {
  Purged purged;
  purged.device_locations =
      purge_all(connection, "RetentionPurgeDeviceLocations", batch, seconds(config.location_ttl));
  purged.pending_sign_ups =
      purge_all(connection, "RetentionPurgePendingSignUps", batch, seconds(kPendingSignUpRetention));
  purged.verification_codes = purge_all(connection, "RetentionPurgeVerificationCodes", batch);
  purged.idempotency_keys =
      purge_all(connection, "RetentionPurgeIdempotencyKeys", batch, seconds(kIdempotencyRetention));
  purged.tips = purge_all(connection, "RetentionPurgeTips", batch, config.tips.retention_days);
  const int created = ensure_delivery_partitions(connection);
  purged.delivery_partitions = drop_old_delivery_partitions(connection, config.delivery_retention_months);
  purged.delivery_partitions.created = created;
  return purged;
}

}  // namespace burgernet::privacy
