-- Actions: the area, the selection of recipients and the fan-out into the delivery queue.

-- name: ActionAreaResolve :one
-- The area in RD New from one of its three forms ($1 circle|polygon|municipality), whether it
-- is a valid polygon, and whether it lies inside the caller's token area ($7, NULL: anywhere).
-- Circles become ST_Buffer polygons with 32 segments per quarter: one geometry column and one
-- ST_Covers test serve every area form (the same GiST lookup for all three), and the 128-gon
-- is inscribed in the circle, so it never selects anyone outside the radius and misses at
-- most a sliver of 0.03 % of the radius at the edge (6 m at 20 km).
WITH g AS (
  SELECT CASE $1::text
           WHEN 'circle' THEN ST_Buffer(ST_Transform(ST_SetSRID(ST_MakePoint($2::float8, $3::float8), 4326), 28992),
                                        $4::float8, 'quad_segs=32')
           WHEN 'polygon' THEN ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326), 28992)
           ELSE (SELECT geom FROM areas WHERE code = $6::text)
         END AS geom,
         CASE WHEN $1::text = 'polygon' THEN ST_IsValidReason(ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326)) END
           AS polygon_reason
)
SELECT g.geom IS NOT NULL AS found,
       coalesce(g.polygon_reason, 'Valid Geometry') = 'Valid Geometry' AS valid,
       g.polygon_reason,
       CASE WHEN $7::text IS NULL THEN true
            ELSE coalesce((SELECT ST_CoveredBy(g.geom, t.geom) FROM areas t WHERE t.code = $7::text), false)
       END AS inside_token_area,
       g.geom
FROM g;

-- name: ActionInsert :one
-- An alert's expiry counts from the moment it may be sent, not from the POST.
INSERT INTO actions (kind, category, title, message, area_request, area, channels, token_id, send_at, expires_at)
VALUES ($1::action_kind, $2, $3, $4, $5::jsonb, $6::geometry, $7::text[], $8::uuid, coalesce($9::timestamptz, now()),
        greatest(coalesce($9::timestamptz, now()), now()) + make_interval(secs => $10::int))
RETURNING id, kind::text, status::text,
          to_char(send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS send_at,
          to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS expires_at;

-- name: ActionMessageInsert :one
INSERT INTO action_messages (action_id, kind, text) VALUES ($1::uuid, $2::message_kind, $3) RETURNING id;

-- name: ActionFanout :one
-- THE selection (SPEC "Selection rules"), run once per action: by the preview, and by the POST,
-- which writes the action's delivery rows itself when there are at most $6 recipients, and
-- otherwise its fan-out plan (migration 0011): the selected rows, cut into chunks of $9 rows
-- (the first one $8, so that the first messages go out early), which fanout_next_chunk()
-- turns into delivery rows one committed chunk at a time. Nothing is written above $7
-- recipients (the action waits for a confirmation) or for a dry run ($6 = -1). Returns the
-- counts, the rows written and the chunks planned.
--   $1 action id, $2 message id, $3 locations.ttl_s, $4 max_attempts per channel (jsonb),
--   $5 the action's personal channels, $6 inline limit, $7 the most recipients allowed,
--   $8 rows of the first chunk, $9 rows of each later chunk.
-- Every row carries its wave, its place within the action (migration 0008; one row per wave
-- since 0012, so that a new action's first row waits for one row of each action sending, not a
-- block of 100: at a provider's 0.4 s a block was 40 s).
-- Quiet hours are read at the moment the action may go out (t0: now, or an alert's later
-- send_at) by burgernet_quiet_end (migration 0004: Europe/Amsterdam, across midnight, DST).
-- An alert inside them waits until they end.
WITH a AS MATERIALIZED (
  SELECT id, kind, area, greatest(send_at, now()) AS t0, expires_at,
         CASE kind WHEN 'urgent' THEN 0 ELSE 1 END AS priority
  FROM actions WHERE id = $1::uuid
),
addr AS (
  SELECT pa.participant_id, pa.channels AS chosen, q.quiet_end IS NOT NULL AS in_quiet, q.quiet_end
  FROM a
  JOIN participant_addresses pa ON ST_Covers(a.area, pa.location)
  JOIN participants p ON p.id = pa.participant_id AND p.status = 'active'
  CROSS JOIN LATERAL (SELECT burgernet_quiet_end(a.t0, pa.quiet_from, pa.quiet_to) AS quiet_end) q
),
-- A channel reaches the participant if any matching address that chose it allows it; for an
-- alert the earliest allowed moment wins.
addr_channel AS (
  SELECT addr.participant_id, c.channel,
         min(CASE WHEN a.kind = 'alert' AND addr.in_quiet THEN addr.quiet_end ELSE a.t0 END) AS run_after
  FROM a, addr CROSS JOIN LATERAL unnest(addr.chosen) AS c(channel)
  WHERE c.channel = ANY ($5::text[])
    AND NOT (a.kind = 'urgent' AND c.channel = 'voice' AND addr.in_quiet)
  GROUP BY addr.participant_id, c.channel
),
-- Matched by a fresh device location and by no address: push to the devices in the area.
located AS (
  SELECT d.participant_id, d.id AS device_id
  FROM a
  JOIN devices d ON ST_Covers(a.area, d.location)
  JOIN participants p ON p.id = d.participant_id AND p.status = 'active'
  WHERE 'push' = ANY ($5::text[])
    AND d.disabled_at IS NULL
    AND d.location_at > now() - make_interval(secs => $3::int)
    AND NOT EXISTS (SELECT 1 FROM addr WHERE addr.participant_id = d.participant_id)
),
selected AS (
  SELECT ac.participant_id, NULL::uuid AS device_id, ac.channel, ac.run_after
  FROM addr_channel ac
  WHERE ac.channel <> 'push'
  UNION ALL
  SELECT ac.participant_id, d.id, 'push', ac.run_after
  FROM addr_channel ac
  JOIN devices d ON d.participant_id = ac.participant_id AND d.disabled_at IS NULL
  WHERE ac.channel = 'push'
  UNION ALL
  SELECT l.participant_id, l.device_id, 'push', a.t0
  FROM located l, a
),
counted AS (
  SELECT count(DISTINCT participant_id) AS recipients FROM selected
),
numbered AS (
  SELECT s.*, row_number() OVER () - 1 AS n FROM selected s
),
inserted AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave)
  SELECT a.id, $2::bigint, s.participant_id, s.device_id, s.channel, 'action', a.priority, s.run_after,
         a.expires_at, coalesce(($4::jsonb ->> s.channel)::int, 5), s.n
  FROM numbered s, a, counted
  WHERE counted.recipients <= $6::bigint AND counted.recipients <= $7::bigint
  RETURNING 1
),
-- The order of a chunk's rows is not kept: the waves are counted from the chunk's first row,
-- so they are the chunk's places, only shuffled within the chunk.
planned AS (
  INSERT INTO action_fanout_chunks (action_id, chunk, first_row, participant_ids, device_ids, channels, run_afters)
  SELECT a.id, k.chunk, CASE WHEN k.chunk = 0 THEN 0 ELSE $8::bigint + (k.chunk - 1) * $9::bigint END,
         array_agg(k.participant_id), array_agg(k.device_id), array_agg(k.channel), array_agg(k.run_after)
  FROM (SELECT s.*, CASE WHEN s.n < $8::bigint THEN 0 ELSE 1 + (s.n - $8::bigint) / $9::bigint END AS chunk
        FROM numbered s) k,
       a, counted
  WHERE $6::bigint >= 0 AND counted.recipients > $6::bigint AND counted.recipients <= $7::bigint
  GROUP BY a.id, k.chunk
  RETURNING 1
)
SELECT counted.recipients,
       (SELECT coalesce(jsonb_object_agg(channel, n), '{}'::jsonb)::text
        FROM (SELECT channel, count(*) AS n FROM selected GROUP BY channel) per_channel) AS by_channel,
       (SELECT count(*) FROM inserted) AS inserted,
       (SELECT count(*) FROM planned) AS chunks
FROM counted;

-- name: ActionBroadcastInsert :exec
-- One post per broadcast channel ($5) and message, without personal data; it stays sendable
-- until the action expires, and at least $6 seconds (a closing after the expiry still goes).
INSERT INTO deliveries (action_id, message_id, channel, kind, priority, run_after, expires_at, max_attempts)
SELECT a.id, $2::bigint, c.channel, $3::message_kind, CASE a.kind WHEN 'urgent' THEN 0 ELSE 1 END,
       greatest(a.send_at, now()), greatest(a.expires_at, now() + make_interval(secs => $6::int)),
       coalesce(($4::jsonb ->> c.channel)::int, 5)
FROM actions a, unnest($5::text[]) AS c(channel)
WHERE a.id = $1::uuid;

-- name: ActionFanoutPlan :exec
UPDATE actions SET recipients = $2::int, fanout_done = $3::boolean, fanout_chunks = $4::int, fanout_next_chunk = 0
WHERE id = $1::uuid;

-- name: ActionFanoutClaim :one
-- One action whose fan-out is unfinished, locked for this chunk; other daemons take others.
SELECT a.id, a.fanout_chunks, a.fanout_next_chunk, (a.status = 'active' AND a.expires_at > now()) AS live,
       m.id AS message_id
FROM actions a
JOIN action_messages m ON m.action_id = a.id AND m.kind = 'action'
WHERE NOT a.fanout_done
ORDER BY a.created_at
LIMIT 1
FOR UPDATE OF a SKIP LOCKED;

-- name: ActionFanoutChunk :one
-- Turns chunk $2 of action $1's plan into delivery rows of its message $3 and drops it from the
-- plan, in the caller's transaction: a worker that dies before the commit leaves the chunk for
-- the next one, and a committed chunk is never written twice. Updates posted while the action
-- was still fanning out reach these rows too. $4: max_attempts per channel (jsonb).
WITH chunk AS (
  DELETE FROM action_fanout_chunks WHERE action_id = $1::uuid AND chunk = $2::int RETURNING *
),
a AS (
  SELECT id, expires_at, CASE kind WHEN 'urgent' THEN 0 ELSE 1 END AS priority FROM actions WHERE id = $1::uuid
),
written AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave)
  SELECT a.id, $3::bigint, u.participant_id, u.device_id, u.channel, 'action', a.priority, u.run_after,
         a.expires_at, coalesce(($4::jsonb ->> u.channel)::int, 5), c.first_row + u.i - 1
  FROM chunk c, a,
       unnest(c.participant_ids, c.device_ids, c.channels, c.run_afters)
         WITH ORDINALITY AS u(participant_id, device_id, channel, run_after, i)
  RETURNING id, participant_id, device_id, channel, priority, run_after, expires_at, max_attempts, wave
),
-- As ActionUpdateDeliveries: each update follows its action row, and an urgent action's
-- update calls nobody inside their quiet hours.
updates AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave, parent_id)
  SELECT $1::uuid, m.id, w.participant_id, w.device_id, w.channel, 'update', w.priority,
         greatest(w.run_after, now()), w.expires_at, w.max_attempts, w.wave, w.id
  FROM written w
  JOIN action_messages m ON m.action_id = $1::uuid AND m.kind = 'update'
  JOIN actions ua ON ua.id = $1::uuid
  WHERE NOT (ua.kind = 'urgent' AND w.channel = 'voice' AND burgernet_voice_quiet_now(ua.area, w.participant_id))
  RETURNING 1
)
SELECT (SELECT count(*) FROM written) AS written, (SELECT count(*) FROM updates) AS updates;

-- name: ActionFanoutAdvance :exec
-- $3: stop here (closed or expired: the rest of the plan is dropped).
UPDATE actions SET fanout_next_chunk = $2::int, fanout_done = ($2::int >= fanout_chunks) OR $3::boolean
WHERE id = $1::uuid;

-- name: ActionFanoutDiscard :exec
DELETE FROM action_fanout_chunks WHERE action_id = $1::uuid;

-- name: ActionGet :one
-- $2/$3/$4: the token id, area and role of a caller bound to an area; it sees only its own
-- actions and those of tokens of its area and role (a municipality's, a police unit's).
-- The status reads 'expired' once the expiry passed, whoever noticed it first.
SELECT a.id, a.kind::text, a.category, a.title, a.message,
       ST_AsGeoJSON(ST_Transform(a.area, 4326), 6) AS area,
       array_to_json(a.channels)::text AS channels,
       CASE WHEN a.status = 'active' AND a.expires_at <= now() THEN 'expired' ELSE a.status::text END AS status,
       a.outcome::text,
       to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
       to_char(a.send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS send_at,
       to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS expires_at,
       to_char(a.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS closed_at,
       a.recipients, a.fanout_done
FROM actions a
WHERE a.id = $1::uuid
  AND ($2::uuid IS NULL OR a.token_id = $2::uuid
       OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $3::text
                                                                    AND t.role = $4::api_role)));

-- name: ActionDeliveryCounts :many
SELECT channel, status::text, count(*) FROM deliveries WHERE action_id = $1::uuid GROUP BY 1, 2 ORDER BY 1, 2;

-- name: ActionList :many
-- Newest first; ($4, $5) is the (created_at, id) of the last row of the previous page; $1/$2/$7
-- the token, area and role of a caller bound to an area (ActionGet).
SELECT a.id, a.kind::text, a.category, a.title,
       CASE WHEN a.status = 'active' AND a.expires_at <= now() THEN 'expired' ELSE a.status::text END AS status,
       a.outcome::text,
       to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
       to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS expires_at,
       a.recipients, a.created_at::text AS cursor_at
FROM actions a
WHERE ($1::uuid IS NULL OR a.token_id = $1::uuid
       OR ($2::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $2::text
                                                                    AND t.role = $7::api_role)))
  AND ($3::text IS NULL
       OR (CASE WHEN a.status = 'active' AND a.expires_at <= now() THEN 'expired' ELSE a.status::text END) = $3::text)
  AND ($4::timestamptz IS NULL OR (a.created_at, a.id) < ($4::timestamptz, $5::uuid))
ORDER BY a.created_at DESC, a.id DESC
LIMIT $6::int;

-- name: ActionLockForChange :one
-- Taken by updates, closing and fan-out chunks alike, so that an update never misses a chunk.
SELECT a.kind::text, a.status::text, a.expires_at <= now() AS past_expiry, a.expires_at,
       array_to_json(a.channels)::text AS channels
FROM actions a
WHERE a.id = $1::uuid
  AND ($2::uuid IS NULL OR a.token_id = $2::uuid
       OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $3::text
                                                                    AND t.role = $4::api_role)))
FOR UPDATE OF a;

-- name: ActionUpdateDeliveries :one
-- The same (participant, channel, device) as the action message, following it (parent_id): the
-- claim sends the update only once its action message was sent, waits while that is queued or
-- being sent, and cancels it when that failed, expired or was cancelled. The first message's
-- rules hold (SPEC): an urgent action's update calls nobody whose matching addresses that chose
-- voice are all inside their quiet hours now; an alert's follow-up waits for the earliest
-- moment any address in the area that chose the channel allows.
WITH ins AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave, parent_id)
  SELECT DISTINCT ON (d.participant_id, d.channel, d.device_id)
         d.action_id, $2::bigint, d.participant_id, d.device_id, d.channel, 'update', d.priority,
         CASE WHEN a.kind = 'alert' THEN
           coalesce((SELECT min(coalesce(burgernet_quiet_end(greatest(d.run_after, now()), pa.quiet_from, pa.quiet_to),
                                         greatest(d.run_after, now())))
                     FROM participant_addresses pa
                     WHERE pa.participant_id = d.participant_id AND d.channel = ANY (pa.channels)
                       AND ST_Covers(a.area, pa.location)),
                    greatest(d.run_after, now()))
         ELSE greatest(d.run_after, now()) END,
         d.expires_at, d.max_attempts, d.wave,  -- its turn among the actions, as its action row had
         d.id
  FROM deliveries d
  JOIN actions a ON a.id = d.action_id
  WHERE d.action_id = $1::uuid AND d.kind = 'action' AND d.participant_id IS NOT NULL
    AND d.status NOT IN ('cancelled', 'failed', 'expired')
    AND NOT (a.kind = 'urgent' AND d.channel = 'voice' AND burgernet_voice_quiet_now(a.area, d.participant_id))
  RETURNING participant_id
)
SELECT count(DISTINCT participant_id), count(*) FROM ins;

-- name: ActionCancelQueued :one
WITH cancelled AS (
  UPDATE deliveries SET status = 'cancelled' WHERE action_id = $1::uuid AND status = 'queued' RETURNING 1
)
SELECT count(*) FROM cancelled;

-- name: ActionMarkClosed :exec
-- The unwritten rest of a large action's fan-out plan goes with it.
WITH unplanned AS (
  DELETE FROM action_fanout_chunks WHERE action_id = $1::uuid
)
UPDATE actions SET status = 'closed', outcome = $2::action_outcome, closed_at = now(), fanout_done = true
WHERE id = $1::uuid;

-- name: ActionClosingDeliveries :one
-- To everyone who was sent the action, by each channel they were sent it by, except voice;
-- an alert's closing waits for quiet hours as the alert did (see ActionUpdateDeliveries).
-- A row in flight at the close gets its closing too, following it (parent_id): the claim sends
-- the closing once the provider accepted the action message, and cancels it when it did not.
WITH ins AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave, parent_id)
  SELECT DISTINCT ON (d.participant_id, d.channel, d.device_id)
         d.action_id, $2::bigint, d.participant_id, d.device_id, d.channel, 'closing', d.priority,
         CASE WHEN a.kind = 'alert' THEN
           coalesce((SELECT min(coalesce(burgernet_quiet_end(now(), pa.quiet_from, pa.quiet_to), now()))
                     FROM participant_addresses pa
                     WHERE pa.participant_id = d.participant_id AND d.channel = ANY (pa.channels)
                       AND ST_Covers(a.area, pa.location)),
                    now())
         ELSE now() END,
         greatest(d.expires_at, now() + make_interval(secs => $3::int)), d.max_attempts, d.wave, d.id
  FROM deliveries d
  JOIN actions a ON a.id = d.action_id
  WHERE d.action_id = $1::uuid AND d.kind = 'action' AND d.participant_id IS NOT NULL
    AND d.status IN ('sent', 'delivered', 'sending') AND d.channel <> 'voice'
  RETURNING participant_id
)
SELECT count(DISTINCT participant_id), count(*) FROM ins;
