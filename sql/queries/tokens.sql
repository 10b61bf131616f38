-- API tokens: only the SHA-256 of a token is ever stored.

-- name: TokenCreate :one
INSERT INTO api_tokens (name, role, area_code, token_hash, expires_at)
VALUES ($1, $2::api_role, $3, $4::bytea, $5::timestamptz)
RETURNING id;

-- name: TokenFindByHash :one
SELECT id, name, role::text, area_code
FROM api_tokens
WHERE token_hash = $1::bytea AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());

-- name: TokenList :many
-- Never the hash: listing tokens must not help anyone guess or replay one.
SELECT id, name, role::text, area_code,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM api_tokens
ORDER BY created_at, name;

-- name: TokenRevoke :one
-- By name or by id; a token revoked already keeps its first revocation time.
UPDATE api_tokens SET revoked_at = now()
WHERE (name = $1 OR id::text = $1) AND revoked_at IS NULL
RETURNING id, name;

-- name: TokenFind :one
SELECT id, name, revoked_at IS NOT NULL FROM api_tokens WHERE name = $1 OR id::text = $1;
