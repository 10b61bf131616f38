-- API tokens: only the SHA-256 of a token is ever stored.

-- name: TokenCreate :one
INSERT INTO api_tokens (name, role, area_code, token_hash, expires_at)
VALUES ($1, $2::api_role, $3, $4::bytea, $5::timestamptz)
RETURNING id;

-- name: TokenFindByHash :one
SELECT id, name, role::text, area_code
FROM api_tokens
WHERE token_hash = $1::bytea AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
