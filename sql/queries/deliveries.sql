-- The delivery queue: claim with SKIP LOCKED, complete only rows this worker still holds.

-- name: DeliveriesClaim :many
-- One index scan (deliveries_claim_idx): urgent first, then the actions take turns one wave
-- (block of 100 rows, migration 0008) at a time, the oldest first within a wave. The table is
-- partitioned by month (0009): a Merge Append of that index scan in every month, and the
-- picked row's created_at lets the UPDATE probe only its own month's primary key.
WITH picked AS (
  SELECT id, created_at FROM deliveries
  WHERE channel = $1 AND status = 'queued' AND run_after <= now()
  ORDER BY priority, wave, run_after, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE deliveries d
  SET status = 'sending', attempt = d.attempt + 1, lease_owner = $3,
      lease_expires_at = now() + make_interval(secs => $4::double precision)
  FROM picked WHERE d.id = picked.id AND d.created_at = picked.created_at
  RETURNING d.*
)
SELECT c.id, c.action_id::text AS action_id, c.kind::text AS kind, c.body,
       p.phone_sealed AS phone, p.email_sealed AS email, dv.push_token_sealed AS push_token, m.text AS message_text,
       a.title, a.category, a.kind::text AS action_kind,
       CASE WHEN c.expires_at < now() OR a.expires_at < now() OR a.status = 'expired' THEN 'expired'
            WHEN a.status = 'closed' AND c.kind <> 'closing' THEN 'cancelled'
            WHEN dv.disabled_at IS NOT NULL THEN 'cancelled'
            ELSE '' END AS skip,
       extract(epoch FROM a.created_at)::double precision AS action_created,
       c.attempt
FROM claimed c
LEFT JOIN participants p ON p.id = c.participant_id
LEFT JOIN devices dv ON dv.id = c.device_id
LEFT JOIN action_messages m ON m.id = c.message_id
LEFT JOIN actions a ON a.id = c.action_id
ORDER BY c.priority, c.wave, c.run_after, c.id;

-- name: DeliveriesMarkSent :many
UPDATE deliveries d
SET status = 'sent', sent_at = now(), provider_ref = NULLIF(r.ref, ''), body = NULL,
    lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
FROM unnest($2::text[]::bigint[], $3::text[]) AS r(id, ref)
WHERE d.id = r.id AND d.status = 'sending' AND d.lease_owner = $1
RETURNING d.id, d.action_id::text;

-- name: ActionsTouchSent :many
-- Never waits for a fan-out chunk: action_sends is not the actions row (migration 0008).
-- last_sent_at moves at most once a second: every worker of every channel completes a batch of
-- the same large action many times a second, and a new row version each time was WAL and
-- vacuum work for a time nobody reads more finely (only inserted or moved rows are returned).
INSERT INTO action_sends AS s (action_id, first_sent_at, last_sent_at)
SELECT id, now(), now() FROM unnest($1::text[]::uuid[]) AS id ORDER BY id
ON CONFLICT (action_id) DO UPDATE SET last_sent_at = now()
  WHERE s.last_sent_at < now() - interval '1 second'
RETURNING (s.xmax = 0) AS first,  -- inserted, not updated: this was the action's first send
          extract(epoch FROM now() - (SELECT a.created_at FROM actions a WHERE a.id = s.action_id))::double precision
            AS seconds;

-- name: DeliveriesRetry :many
UPDATE deliveries d
SET status = CASE WHEN d.attempt >= d.max_attempts THEN 'failed'::delivery_status ELSE 'queued' END,
    run_after = now() + make_interval(secs => r.delay), last_error = r.reason,
    lease_owner = NULL, lease_expires_at = NULL,
    body = CASE WHEN d.attempt >= d.max_attempts THEN NULL ELSE d.body END
FROM unnest($2::text[]::bigint[], $3::text[]::double precision[], $4::text[]) AS r(id, delay, reason)
WHERE d.id = r.id AND d.status = 'sending' AND d.lease_owner = $1
RETURNING d.id, d.status::text;

-- name: DeliveriesPostpone :exec
-- A Retry that never reached the provider (its driver's circuit is open): back to the queue
-- after the delay, the attempt given back, so an outage does not use up max_attempts.
UPDATE deliveries d
SET status = 'queued', attempt = greatest(d.attempt - 1, 0),
    run_after = now() + make_interval(secs => r.delay), last_error = r.reason,
    lease_owner = NULL, lease_expires_at = NULL
FROM unnest($2::text[]::bigint[], $3::text[]::double precision[], $4::text[]) AS r(id, delay, reason)
WHERE d.id = r.id AND d.status = 'sending' AND d.lease_owner = $1;

-- name: DeliveriesFail :exec
UPDATE deliveries d
SET status = 'failed', last_error = r.reason, lease_owner = NULL, lease_expires_at = NULL, body = NULL
FROM unnest($2::text[]::bigint[], $3::text[]) AS r(id, reason)
WHERE d.id = r.id AND d.status = 'sending' AND d.lease_owner = $1;

-- name: DeliveriesFailDisablingDevice :exec
-- The provider says the address is dead for good (FCM's UNREGISTERED): the delivery fails and
-- its device is disabled in one statement, so the selection and the claim skip it from now on.
WITH failed AS (
  UPDATE deliveries d
  SET status = 'failed', last_error = r.reason, lease_owner = NULL, lease_expires_at = NULL, body = NULL
  FROM unnest($2::text[]::bigint[], $3::text[]) AS r(id, reason)
  WHERE d.id = r.id AND d.status = 'sending' AND d.lease_owner = $1
  RETURNING d.device_id
)
UPDATE devices v SET disabled_at = now()
FROM failed WHERE v.id = failed.device_id AND v.disabled_at IS NULL;

-- name: DeliveriesSkip :exec
-- Expired or cancelled at claim time: never sent, never retried.
UPDATE deliveries d
SET status = r.status::delivery_status, lease_owner = NULL, lease_expires_at = NULL, body = NULL
FROM unnest($2::text[]::bigint[], $3::text[]) AS r(id, status)
WHERE d.id = r.id AND d.status = 'sending' AND d.lease_owner = $1;

-- name: DeliveriesRelease :exec
-- Claimed but not sent (shutdown): back to the queue, the attempt not counted.
UPDATE deliveries
SET status = 'queued', attempt = greatest(attempt - 1, 0), lease_owner = NULL, lease_expires_at = NULL
WHERE id = ANY($2::text[]::bigint[]) AND status = 'sending' AND lease_owner = $1;

-- name: DeliveriesRescue :one
WITH rescued AS (
  UPDATE deliveries
  SET status = CASE WHEN attempt >= max_attempts THEN 'failed'::delivery_status ELSE 'queued' END,
      last_error = 'lease expired', lease_owner = NULL, lease_expires_at = NULL
  WHERE status = 'sending' AND lease_expires_at < now()
  RETURNING id
)
SELECT count(*) FROM rescued;

-- name: ActionsExpire :exec
UPDATE actions SET status = 'expired' WHERE status = 'active' AND expires_at < now();

-- name: DeliveriesDepth :many
SELECT channel, status::text, count(*) FROM deliveries
WHERE status IN ('queued', 'sending') GROUP BY channel, status;
