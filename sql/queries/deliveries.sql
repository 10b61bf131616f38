-- The delivery queue: claim with SKIP LOCKED, complete only rows this worker still holds.

-- name: DeliveriesClaim :many
-- One index scan (deliveries_claim_idx): urgent first, then the actions take turns one wave
-- (its place among the action's rows, migration 0008) at a time, the oldest first within a wave. The table is
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
SELECT c.id, c.action_id::text AS action_id, c.kind::text AS kind, c.body, c.target,
       p.phone_sealed AS phone, p.email_sealed AS email, dv.push_token_sealed AS push_token,
       -- A person a grown area added gets the action and the update in one message (0018).
       CASE WHEN am.text IS NULL THEN m.text ELSE m.text || E'\n\n' || am.text END AS message_text,
       a.title, a.category, a.kind::text AS action_kind,
       -- The template language and the police region (migration 0019) of the text (message/render.hpp).
       coalesce(p.language, (SELECT language FROM participants WHERE id = dv.participant_id)) AS language,
       array_to_string(a.centre_areas, ',') AS centre_areas,
       -- A topic send of a device-matching push channel carries its area (0024), for the app.
       pa.payload::text AS push_area,
       -- What the worker does instead of sending (an outcome of DeliveriesComplete), '' to send.
       -- A closing has its own validity: it goes after the action expired (SPEC). An update or a
       -- closing follows its action message (parent_id, migration 0012): it waits while that is
       -- queued or being sent, and is cancelled when that was not sent.
       CASE WHEN c.expires_at < now() THEN 'expired'
            WHEN c.kind <> 'closing' AND (a.expires_at < now() OR a.status = 'expired') THEN 'expired'
            WHEN c.kind NOT IN ('closing', 'verification') AND a.status = 'closed' THEN 'cancelled'
            WHEN dv.disabled_at IS NOT NULL THEN 'cancelled'
            WHEN c.parent_id IS NOT NULL AND parent.status IN ('queued', 'sending') THEN 'wait'
            WHEN c.parent_id IS NOT NULL AND parent.status IS DISTINCT FROM 'sent'
                 AND parent.status IS DISTINCT FROM 'delivered' THEN 'cancelled'
            ELSE '' END AS skip,
       CASE WHEN parent.status = 'queued' THEN extract(epoch FROM parent.run_after - now())::double precision
       END AS parent_due_s,
       c.attempt
FROM claimed c
LEFT JOIN participants p ON p.id = c.participant_id
LEFT JOIN devices dv ON dv.id = c.device_id
LEFT JOIN action_messages m ON m.id = c.message_id
LEFT JOIN action_messages am ON am.id = c.appended_message_id
LEFT JOIN actions a ON a.id = c.action_id
LEFT JOIN deliveries parent ON parent.id = c.parent_id
LEFT JOIN push_message_areas pa ON c.target IS NOT NULL AND pa.message_id = c.message_id
ORDER BY c.priority, c.wave, c.run_after, c.id;

-- name: DeliveriesExtendLeases :many :plan_each_time
-- The lease keeper's heartbeat: every row a live worker still holds gets a new lease. A row not
-- returned was taken by the rescuer (this daemon could not reach the database for a whole
-- lease), and its worker must not send it.
-- The rows are locked in id order first, as in DeliveriesComplete and DeliveriesRescue: the
-- heartbeat and the completer touch the same rows, and locking them in the order the plan
-- happened to join the array deadlocked (tests/reliability/several_daemons_pgtest.cpp).
WITH h AS (
  SELECT * FROM unnest($1::text[]::bigint[], $2::text[]) AS h(id, owner)
), locked AS MATERIALIZED (
  SELECT d.id, d.created_at FROM deliveries d JOIN h ON d.id = h.id
  WHERE d.status = 'sending' AND d.lease_owner = h.owner
  ORDER BY d.id
  FOR UPDATE OF d
)
UPDATE deliveries d SET lease_expires_at = now() + make_interval(secs => $3::double precision)
FROM locked JOIN h ON h.id = locked.id
WHERE d.id = locked.id AND d.created_at = locked.created_at AND d.status = 'sending' AND d.lease_owner = h.owner
RETURNING d.id;

-- name: DeliveriesComplete :many :plan_each_time
-- The batch completer: the outcomes of several batches, of any channel, in one statement.
-- Only a row still leased to the claim that sent it changes (River's rule); a row that is not
-- returned was taken over by another worker (burgernet_deliveries_lease_lost_total).
-- Outcomes: sent (note: the provider's reference), retry (an attempt spent; failed after the
-- last), postpone (never offered: the attempt given back), wait (an update or closing whose
-- action message is not final yet), release (claimed, not sent: shutdown or lease lost),
-- failed, disable (failed, and its device disabled), expired, cancelled.
-- A provider's receipt that came while the row was being sent (receipt, migration 0012) wins
-- over 'sent', and over a 'retry' whose answer we lost: the provider has the message already.
WITH o AS (
  SELECT * FROM unnest($1::text[]::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]::double precision[])
    AS o(id, owner, outcome, note, delay)
), locked AS MATERIALIZED (  -- in id order, as in DeliveriesExtendLeases: no deadlock between them
  SELECT d.id, d.created_at FROM deliveries d JOIN o ON d.id = o.id
  WHERE d.status = 'sending' AND d.lease_owner = o.owner
  ORDER BY d.id
  FOR UPDATE OF d
), done AS (
  UPDATE deliveries d
  SET status = (CASE
                  WHEN o.outcome IN ('sent', 'retry') AND d.receipt = 'delivered' THEN 'delivered'
                  WHEN o.outcome IN ('sent', 'retry') AND d.receipt LIKE 'failed%' THEN 'failed'
                  WHEN o.outcome = 'sent' THEN 'sent'
                  WHEN o.outcome = 'retry' THEN CASE WHEN d.attempt >= d.max_attempts THEN 'failed' ELSE 'queued' END
                  WHEN o.outcome IN ('postpone', 'wait', 'release') THEN 'queued'
                  WHEN o.outcome IN ('failed', 'disable') THEN 'failed'
                  ELSE o.outcome
                END)::delivery_status,
      attempt = CASE WHEN o.outcome IN ('postpone', 'wait', 'release') THEN greatest(d.attempt - 1, 0)
                     ELSE d.attempt END,
      sent_at = CASE WHEN o.outcome = 'sent' OR (o.outcome = 'retry' AND d.receipt IS NOT NULL) THEN now()
                     ELSE d.sent_at END,
      delivered_at = CASE WHEN o.outcome IN ('sent', 'retry') AND d.receipt = 'delivered' THEN now()
                          ELSE d.delivered_at END,
      provider_ref = CASE WHEN o.outcome = 'sent' THEN coalesce(NULLIF(o.note, ''), d.provider_ref)
                          ELSE d.provider_ref END,
      run_after = CASE WHEN o.outcome IN ('retry', 'postpone', 'wait') THEN now() + make_interval(secs => o.delay)
                       ELSE d.run_after END,
      last_error = CASE WHEN o.outcome IN ('sent', 'retry') AND d.receipt LIKE 'failed%' THEN substr(d.receipt, 9)
                        WHEN o.outcome IN ('sent', 'retry') AND d.receipt = 'delivered' THEN NULL
                        WHEN o.outcome = 'sent' THEN NULL
                        WHEN o.outcome IN ('release', 'wait', 'expired', 'cancelled') THEN d.last_error
                        ELSE o.note END,
      -- A verification's sealed text stays only while it may still be sent.
      body = CASE WHEN o.outcome IN ('postpone', 'wait', 'release')
                       OR (o.outcome = 'retry' AND d.receipt IS NULL AND d.attempt < d.max_attempts) THEN d.body END,
      lease_owner = NULL, lease_expires_at = NULL
  FROM locked JOIN o ON o.id = locked.id
  WHERE d.id = locked.id AND d.created_at = locked.created_at AND d.status = 'sending' AND d.lease_owner = o.owner
  RETURNING d.id, d.action_id, d.device_id, d.status, o.outcome
), disabled AS (
  UPDATE devices v SET disabled_at = now()
  FROM done WHERE done.outcome = 'disable' AND v.id = done.device_id AND v.disabled_at IS NULL
)
SELECT id, action_id::text, status::text, outcome FROM done;

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

-- name: DeliveriesRescue :one :plan_each_time
-- Rows whose worker died. $1: the claims this daemon still holds (its lease keeper extends them,
-- and its completer may be waiting for the database to write their outcome): never rescued by
-- their own daemon, which would then send them twice. Another daemon rescues them when this one
-- is gone for a whole lease.
-- SKIP LOCKED: a row another statement holds is being completed or extended right now, and
-- waiting for it could deadlock; the next pass sees it again. $2 rows at most per pass.
WITH expired AS MATERIALIZED (
  SELECT id, created_at FROM deliveries
  WHERE status = 'sending' AND lease_expires_at < now() AND NOT (lease_owner = ANY ($1::text[]))
  ORDER BY id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), rescued AS (
  UPDATE deliveries d
  SET status = CASE WHEN d.attempt >= d.max_attempts THEN 'failed'::delivery_status ELSE 'queued' END,
      last_error = 'lease expired', lease_owner = NULL, lease_expires_at = NULL
  FROM expired
  WHERE d.id = expired.id AND d.created_at = expired.created_at
    AND d.status = 'sending' AND d.lease_expires_at < now()
  RETURNING d.id
)
SELECT count(*) FROM rescued;

-- name: ActionsExpire :exec
UPDATE actions SET status = 'expired' WHERE status = 'active' AND expires_at < now();

-- name: DeliveriesDepth :many
SELECT channel, status::text, count(*) FROM deliveries
WHERE status IN ('queued', 'sending') GROUP BY channel, status;

-- name: DeliveriesOldestDue :many
-- Per channel of $1: seconds since the earliest run_after of its queued rows, 0 when none is
-- due. One index probe per channel and month (deliveries_queued_due_idx, migration 0015).
SELECT c.channel,
       greatest(0, extract(epoch FROM now() - (
         SELECT min(d.run_after) FROM deliveries d WHERE d.channel = c.channel AND d.status = 'queued')))::float8
         AS seconds
FROM unnest($1::text[]) AS c(channel);
