-- What burgernetctl reads for daily work (actions list/show, stats, queue); counts and the
-- actions' own texts only, never a participant's number, address or token.

-- name: CtlActionList :many
-- $1: 'open' (not closed: active or past its expiry, it can still be closed), 'closed', or NULL
-- for both; $2: created at or after (NULL: any time); $3: at most this many, newest first.
SELECT a.id, a.kind::text, a.category, a.title,
       CASE WHEN a.status = 'active' AND a.expires_at <= now() THEN 'expired' ELSE a.status::text END AS status,
       a.outcome::text,
       to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
       a.recipients
FROM actions a
WHERE ($1::text IS NULL OR (a.status = 'closed') = ($1::text = 'closed'))
  AND ($2::timestamptz IS NULL OR a.created_at >= $2::timestamptz)
ORDER BY a.created_at DESC, a.id DESC
LIMIT $3::int;

-- name: CtlActionMessages :many
-- The texts of an action in the order they were written: the action, its updates, its closing.
SELECT m.id, m.kind::text, m.text,
       to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
FROM action_messages m
WHERE m.action_id = $1::uuid
ORDER BY m.id;

-- name: CtlQueueDepth :many
-- What waits or is being sent, per channel and status, and how long the oldest has waited
-- since it was written (seconds).
SELECT d.channel, d.status::text, count(*),
       floor(extract(epoch FROM now() - min(d.created_at)))::bigint AS oldest_s
FROM deliveries d
WHERE d.status IN ('queued', 'sending')
GROUP BY 1, 2
ORDER BY 1, 2;
