-- Idempotency-Key (IETF httpapi draft): the first answer to a token's key, kept 24 hours.

-- name: IdempotencyClaim :one
-- A row comes back when this request owns the key: new, older than 24 hours, or left running
-- by a daemon that died (no answer after 5 minutes, far past any statement timeout).
INSERT INTO idempotency_keys (token_id, key, request_hash)
VALUES ($1::uuid, $2, $3::bytea)
ON CONFLICT (token_id, key) DO UPDATE
  SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL, created_at = now()
  WHERE idempotency_keys.created_at < now() - interval '24 hours'
     OR (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < now() - interval '5 minutes')
RETURNING 1;

-- name: IdempotencyFind :one
SELECT request_hash = $3::bytea AS same_request, response_status, response_body
FROM idempotency_keys
WHERE token_id = $1::uuid AND key = $2;

-- name: IdempotencyComplete :exec
UPDATE idempotency_keys SET response_status = $3::int, response_body = $4 WHERE token_id = $1::uuid AND key = $2;

-- name: IdempotencyRelease :exec
DELETE FROM idempotency_keys WHERE token_id = $1::uuid AND key = $2 AND response_status IS NULL;
