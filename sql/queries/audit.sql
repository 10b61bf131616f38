-- The audit log: appended by every security-relevant act, read by admins (GET /v1/audit).

-- name: AuditAppend :one
INSERT INTO audit_log (actor, operation, subject, remote, result, details)
VALUES ($1, $2, $3, $4, $5, $6::jsonb)
RETURNING id;

-- name: AuditList :many
-- Newest first; $6 is the id of the last row of the previous page (the cursor).
SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, operation, subject, remote,
       result, details::text
FROM audit_log
WHERE ($1::text IS NULL OR actor = $1)
  AND ($2::text IS NULL OR operation = $2)
  AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)
  AND ($4::timestamptz IS NULL OR at < $4::timestamptz)
  AND ($6::bigint IS NULL OR id < $6::bigint)
ORDER BY id DESC
LIMIT $5::int;
