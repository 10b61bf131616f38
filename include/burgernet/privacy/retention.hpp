// How long personal data is kept (docs/privacy.md, "How long"): the janitor's purges.
#pragma once

#include <chrono>
#include <cstdint>

#include "burgernet/config/config.hpp"
#include "burgernet/db/connection.hpp"

namespace burgernet::privacy {

// A sign-up nobody verifies within this time is erased; answers kept for Idempotency-Key
// replays are deleted after this time (SPEC.md: "within 24 h").
inline constexpr std::chrono::hours kPendingSignUpRetention{24};
inline constexpr std::chrono::hours kIdempotencyRetention{24};

// Rows purged by one pass, by what they held.
struct Purged {
  std::int64_t device_locations = 0;
  std::int64_t pending_sign_ups = 0;
  std::int64_t verification_codes = 0;
  std::int64_t idempotency_keys = 0;
  std::int64_t total() const {
    return device_locations + pending_sign_ups + verification_codes + idempotency_keys;
  }
};

// One pass over everything that has outlived its use, each kind in its own short statement of
// at most `batch` rows, repeated until a kind has no more. Safe to run on several daemons at
// once (sql/queries/retention.sql).
Purged purge_expired(db::Connection& connection, const config::Config& config, int batch = 5000);

}  // namespace burgernet::privacy
