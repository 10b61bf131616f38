-- Idempotency-Key (IETF httpapi draft): the first answer to a token's key, kept 24 hours.
-- The key's row is written in the same transaction as the request's work and its answer
-- (api/action_routes.cpp): a row exists only once its request committed, and then always with
-- its answer. There is no "running" row that could be taken over.

-- name: IdempotencyLock :one
-- Whether no other transaction is running a request with this token and key right now (then
-- the caller answers 409 at once instead of waiting for it). Held until the transaction ends.
-- Only a fast path: two keys whose hashes collide merely refuse each other for a moment, and
-- the key's primary key below keeps the answer right whatever this says.
SELECT pg_try_advisory_xact_lock(hashtext('burgernet.idempotency_keys'), hashtext($1::text || E'\n' || $2::text));

-- name: IdempotencyClaim :one
-- A row comes back when this request owns the key: new, or answered more than 24 hours ago.
-- Inside the request's transaction: a concurrent request with the same key waits here on the
-- primary key until this transaction ends, then sees the committed answer (or, after a
-- rollback, nothing, and runs itself).
INSERT INTO idempotency_keys (token_id, key, request_hash)
VALUES ($1::uuid, $2, $3::bytea)
ON CONFLICT (token_id, key) DO UPDATE
  SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL, created_at = now()
  WHERE idempotency_keys.created_at < now() - interval '24 hours'
RETURNING 1;

-- name: IdempotencyFind :one
SELECT request_hash = $3::bytea AS same_request, response_status, response_body
FROM idempotency_keys
WHERE token_id = $1::uuid AND key = $2;

-- name: IdempotencyComplete :exec
-- The answer, in the same transaction as the claim and the work.
UPDATE idempotency_keys SET response_status = $3::int, response_body = $4 WHERE token_id = $1::uuid AND key = $2;
