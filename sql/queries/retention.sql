-- Retention (docs/privacy.md, "How long"): what the janitor purges every minute. Each query
-- takes at most $2 rows, oldest first, and skips rows another daemon holds (SKIP LOCKED), so
-- several daemons can run it at once: each row is purged once, and nobody waits on anybody.

-- name: RetentionPurgeDeviceLocations :one
-- A location older than locations.ttl_s ($1 seconds) is never used again: forget it.
WITH stale AS (
  SELECT id FROM devices
  WHERE location_at < now() - make_interval(secs => $1::int)
  ORDER BY location_at
  LIMIT $2::int
  FOR UPDATE SKIP LOCKED
), purged AS (
  UPDATE devices d SET location = NULL, location_accuracy_m = NULL, location_at = NULL
  FROM stale WHERE d.id = stale.id
  RETURNING 1
)
SELECT count(*) FROM purged;

-- name: RetentionPurgePendingSignUps :one
-- Sign-ups never verified ($1 seconds after they were made, and without a code still valid):
-- the participant with its addresses, devices and code (ON DELETE CASCADE), and its queued
-- verification message (which carries the sealed number's code); a message already sent
-- stays as an anonymous row, as after an erasure. A participant who was active once and
-- changed their number is not a sign-up and is never purged here.
WITH doomed AS (
  SELECT p.id FROM participants p
  WHERE p.status = 'pending_verification' AND NOT p.was_active
    AND p.created_at < now() - make_interval(secs => $1::int)
    AND NOT EXISTS (SELECT 1 FROM verification_codes v WHERE v.participant_id = p.id AND v.expires_at > now())
  ORDER BY p.created_at
  LIMIT $2::int
  FOR UPDATE SKIP LOCKED
), unsent AS (
  DELETE FROM deliveries d USING doomed WHERE d.participant_id = doomed.id AND d.status = 'queued'
), erased AS (
  DELETE FROM participants p USING doomed WHERE p.id = doomed.id
  RETURNING 1
)
SELECT count(*) FROM erased;

-- name: RetentionPurgeVerificationCodes :one
-- A code past its expiry can only be refused; a new one is asked for anyway.
WITH expired AS (
  SELECT participant_id FROM verification_codes
  WHERE expires_at < now()
  ORDER BY expires_at
  LIMIT $1::int
  FOR UPDATE SKIP LOCKED
), purged AS (
  DELETE FROM verification_codes v USING expired WHERE v.participant_id = expired.participant_id
  RETURNING 1
)
SELECT count(*) FROM purged;

-- name: RetentionPurgeIdempotencyKeys :one
-- Answers kept for Idempotency-Key replays live 24 hours ($1 seconds); after that a repeat is
-- a new request anyway (IdempotencyClaim).
WITH expired AS (
  SELECT token_id, key FROM idempotency_keys
  WHERE created_at < now() - make_interval(secs => $1::int)
  ORDER BY created_at
  LIMIT $2::int
  FOR UPDATE SKIP LOCKED
), purged AS (
  DELETE FROM idempotency_keys i USING expired WHERE i.token_id = expired.token_id AND i.key = expired.key
  RETURNING 1
)
SELECT count(*) FROM purged;

-- name: DeliveryPartitionsEnsure :one
-- The current month's partition of deliveries and $1 months ahead (migration 0009); returns
-- how many it created. A no-op without any lock when they are all there.
SELECT burgernet_delivery_partitions_ensure($1::int);

-- name: DeliveryPartitionsDrop :many
-- Whole months of deliveries older than retention.deliveries_months ($1): DROP TABLE of the
-- month's partition, not a DELETE. One row per partition old enough, dropped or kept because
-- rows in it are still queued or sending (busy).
SELECT partition_name, row_count, busy, dropped FROM burgernet_delivery_partitions_drop($1::int);
