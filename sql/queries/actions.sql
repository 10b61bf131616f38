-- Actions: the area, the selection of recipients and the fan-out into the delivery queue.

-- name: ActionAreaResolve :one
-- The area in RD New from one of its four forms ($1 circle|polygon|municipality|corridor), whether
-- it is a valid polygon, and whether it lies inside the caller's token area ($7, NULL: anywhere).
-- A corridor is its LineString ($5) buffered by $4 (half its width) on each side (flat ends
-- would cut off a car at the end of the line: round ones).
-- A circle also becomes an ST_Buffer polygon with 32 segments per quarter, for display, the
-- index and the population grid; its members are chosen by distance from `center` (0013).
WITH g AS (
  SELECT CASE $1::text
           WHEN 'circle' THEN ST_Buffer(ST_Transform(ST_SetSRID(ST_MakePoint($2::float8, $3::float8), 4326), 28992),
                                        $4::float8, 'quad_segs=32')
           WHEN 'polygon' THEN ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326), 28992)
           WHEN 'corridor' THEN ST_Buffer(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326), 28992),
                                          $4::float8, 'quad_segs=8')
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
       g.geom,
       CASE WHEN $1::text = 'circle'
            THEN ST_Transform(ST_SetSRID(ST_MakePoint($2::float8, $3::float8), 4326), 28992) END AS center
FROM g;

-- name: ActionInsert :one
-- An alert's expiry counts from the moment it may be sent, not from the POST.
-- $11/$12: a circle's centre and radius (NULL for other areas).
INSERT INTO actions (kind, category, title, message, area_request, area, channels, token_id, send_at, expires_at,
                     center, radius_m)
VALUES ($1::action_kind, $2, $3, $4, $5::jsonb, $6::geometry, $7::text[], $8::uuid, coalesce($9::timestamptz, now()),
        greatest(coalesce($9::timestamptz, now()), now()) + make_interval(secs => $10::int),
        $11::geometry, $12::float8)
RETURNING id, kind::text, status::text,
          to_char(send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS send_at,
          to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS expires_at;

-- name: AlertNightEnd :one
-- When the night ($2-$3, alerts.night_from/to, Europe/Amsterdam) that $1 (now when NULL) falls in
-- ends, and that time of day there; NULLs by day. No alert goes out before it.
SELECT n.t, to_char(n.t AT TIME ZONE 'Europe/Amsterdam', 'HH24:MI')
FROM (SELECT burgernet_quiet_end(coalesce($1::timestamptz, now()), $2::time, $3::time) AS t) n;

-- name: ActionMessageInsert :one
INSERT INTO action_messages (action_id, kind, text) VALUES ($1::uuid, $2::message_kind, $3) RETURNING id;

-- name: ActionSelectionCount :one
-- THE selection (SPEC "Selection rules") over the whole area in one statement: the preview's
-- exact count, and the baseline bench/run compares the chunked fan-out with. The fan-out itself
-- runs the same rules chunk by chunk (ActionFanoutChunk); tests hold the two to the same rows.
--   $1 action id, $2 locations.ttl_s, $3 the action's personal channels as a channel table
--   (migration 0014: which channel serves which form a participant chose, and which calls).
-- Quiet hours are read at the moment the action may go out (t0: now, or an alert's later
-- send_at) by burgernet_quiet_end (migration 0004: Europe/Amsterdam, across midnight, DST).
-- An alert inside them waits until they end. A circle selects by distance (migration 0013).
WITH a AS MATERIALIZED (
  SELECT id, kind, area, center, radius_m, greatest(send_at, now()) AS t0, expires_at
  FROM actions WHERE id = $1::uuid
),
ch AS MATERIALIZED (
  SELECT * FROM burgernet_channel_table($3::jsonb)
),
addr AS (
  SELECT pa.participant_id, pa.channels AS chosen, q.quiet_end IS NOT NULL AS in_quiet, q.quiet_end
  FROM a
  JOIN participant_addresses pa ON pa.location && a.area AND burgernet_in_area(a.area, a.center, a.radius_m, pa.location)
  JOIN participants p ON p.id = pa.participant_id AND p.status = 'active'
  CROSS JOIN LATERAL (SELECT burgernet_quiet_end(a.t0, pa.quiet_from, pa.quiet_to) AS quiet_end) q
),
-- A channel reaches the participant if any matching address that chose its form allows it;
-- for an alert the earliest allowed moment wins.
addr_channel AS (
  SELECT addr.participant_id, ch.channel, ch.devices,
         min(CASE WHEN a.kind = 'alert' AND addr.in_quiet THEN addr.quiet_end ELSE a.t0 END) AS run_after
  FROM a, addr CROSS JOIN LATERAL unnest(addr.chosen) AS c(form)
  JOIN ch ON ch.form = c.form
  WHERE NOT burgernet_quiet_forbids(a.kind, ch.calls, addr.in_quiet)
  GROUP BY addr.participant_id, ch.channel, ch.devices
),
-- Matched by a fresh device location and by no address: the channel that reaches devices (push).
located AS (
  SELECT d.participant_id, d.id AS device_id
  FROM a
  JOIN devices d ON d.location && a.area AND burgernet_in_area(a.area, a.center, a.radius_m, d.location)
  JOIN participants p ON p.id = d.participant_id AND p.status = 'active'
  WHERE EXISTS (SELECT 1 FROM ch WHERE ch.devices)
    AND d.disabled_at IS NULL
    AND d.location_at > now() - make_interval(secs => $2::int)
    AND NOT EXISTS (SELECT 1 FROM addr WHERE addr.participant_id = d.participant_id)
),
selected AS (
  SELECT ac.participant_id, NULL::uuid AS device_id, ac.channel, ac.run_after
  FROM addr_channel ac
  WHERE NOT ac.devices
  UNION ALL
  SELECT ac.participant_id, d.id, ac.channel, ac.run_after
  FROM addr_channel ac
  JOIN devices d ON d.participant_id = ac.participant_id AND d.disabled_at IS NULL
  WHERE ac.devices
  UNION ALL
  SELECT l.participant_id, l.device_id, ch.channel, a.t0
  FROM located l, a, ch
  WHERE ch.devices
),
counted AS (
  SELECT count(DISTINCT participant_id) AS recipients FROM selected
)
SELECT counted.recipients,
       (SELECT coalesce(jsonb_object_agg(channel, n), '{}'::jsonb)::text
        FROM (SELECT channel, count(*) AS n FROM selected GROUP BY channel) per_channel) AS by_channel
FROM counted;

-- name: ActionEstimate :one
-- The instant preview, from the population grid (migration 0013) alone: at_most, the addresses
-- and (when the action reaches devices, $4) the located devices in every 1 km square the area
-- touches, an upper bound of the recipients (the grid counts every located device, fresh or
-- not, which keeps the bound a bound); estimate, each square's addresses weighted by the share
-- of it the area covers (only when $5: the intersections cost more than the rest). $1 area (RD
-- New), $2 a circle's centre, $3 its radius.
WITH touched AS (
  SELECT c.addresses, c.devices,
         ST_MakeEnvelope(c.cx * 1000, c.cy * 1000, c.cx * 1000 + 1000, c.cy * 1000 + 1000, 28992) AS env
  FROM burgernet_area_cells($1::geometry, $2::geometry, $3::float8) c
)
SELECT coalesce(sum(addresses + CASE WHEN $4::boolean THEN devices ELSE 0 END), 0)::bigint AS at_most,
       CASE WHEN $5::boolean THEN
         round(coalesce(sum(addresses * CASE WHEN ST_Covers($1::geometry, env) THEN 1.0
                                             ELSE ST_Area(ST_Intersection($1::geometry, env)) / 1e6 END), 0))::bigint
       END AS estimate
FROM touched;

-- name: ActionPlan :one
-- The fan-out plan of action $1, written by its POST without selecting anyone
-- (burgernet_plan_chunks, migration 0022): a first chunk of about $2 people, which the POST
-- writes itself, then chunks of about $3. Returns the number of chunks.
WITH planned AS (
  INSERT INTO action_fanout_chunks (action_id, chunk, first_row, x0, y0, x1, y1)
  SELECT a.id, p.chunk, p.first_row, p.x0, p.y0, p.x1, p.y1
  FROM actions a CROSS JOIN LATERAL burgernet_plan_chunks(a.area, a.center, a.radius_m, $2::float8, $3::float8) p
  WHERE a.id = $1::uuid
  RETURNING 1
)
SELECT count(*) AS chunks FROM planned;

-- name: ActionFanoutChunk :one
-- Chunk $2 of action $1's plan: THE selection (as ActionSelectionCount) inside the chunk's
-- squares, written as delivery rows of message $3 and dropped from the plan, in the caller's
-- transaction: a worker that dies before the commit leaves the chunk for the next one, and a
-- committed chunk is never written twice. Each participant once: a participant belongs to the
-- chunk holding their first matching address (lowest position), and gets every channel of
-- every matching address, wherever those lie. Updates posted while the action was still fanning
-- out reach these rows too. $4 max_attempts per channel (jsonb), $5 the action's personal
-- channels as a channel table (migration 0014), $6 locations.ttl_s. Every row carries its wave, its place within the action
-- (migration 0008; one row per wave since 0012): the chunk's first row, then one by one.
WITH chunk AS (
  DELETE FROM action_fanout_chunks WHERE action_id = $1::uuid AND chunk = $2::int RETURNING *
),
a AS MATERIALIZED (
  SELECT id, kind, area, center, radius_m, greatest(send_at, now()) AS t0, expires_at,
         burgernet_priority(kind) AS priority
  FROM actions WHERE id = $1::uuid
),
ch AS MATERIALIZED (
  SELECT * FROM burgernet_channel_table($5::jsonb)
),
box AS MATERIALIZED (
  SELECT b.x0, b.y0, b.x1, b.y1, ST_MakeEnvelope(b.x0, b.y0, b.x1, b.y1, 28992) AS env
  FROM chunk CROSS JOIN LATERAL unnest(chunk.x0, chunk.y0, chunk.x1, chunk.y1) AS b(x0, y0, x1, y1)
),
-- Half-open squares: a point on an edge they share lies in one of them only.
hit AS (
  SELECT pa.participant_id, pa.position
  FROM box
  JOIN participant_addresses pa ON pa.location && box.env
  CROSS JOIN a
  WHERE ST_X(pa.location) >= box.x0 AND ST_X(pa.location) < box.x1
    AND ST_Y(pa.location) >= box.y0 AND ST_Y(pa.location) < box.y1
    AND burgernet_in_area(a.area, a.center, a.radius_m, pa.location)
),
owned AS (
  SELECT DISTINCT h.participant_id
  FROM hit h, a
  WHERE h.position = 0
     OR NOT EXISTS (SELECT 1 FROM participant_addresses o
                    WHERE o.participant_id = h.participant_id AND o.position < h.position
                      AND burgernet_in_area(a.area, a.center, a.radius_m, o.location))
),
addr AS (
  SELECT pa.participant_id, pa.channels AS chosen, q.quiet_end IS NOT NULL AS in_quiet, q.quiet_end
  FROM owned o
  JOIN participants p ON p.id = o.participant_id AND p.status = 'active'
  JOIN participant_addresses pa ON pa.participant_id = o.participant_id
  CROSS JOIN a
  CROSS JOIN LATERAL (SELECT burgernet_quiet_end(a.t0, pa.quiet_from, pa.quiet_to) AS quiet_end) q
  WHERE burgernet_in_area(a.area, a.center, a.radius_m, pa.location)
),
addr_channel AS (
  SELECT addr.participant_id, ch.channel, ch.devices,
         min(CASE WHEN a.kind = 'alert' AND addr.in_quiet THEN addr.quiet_end ELSE a.t0 END) AS run_after
  FROM a, addr CROSS JOIN LATERAL unnest(addr.chosen) AS c(form)
  JOIN ch ON ch.form = c.form
  WHERE NOT burgernet_quiet_forbids(a.kind, ch.calls, addr.in_quiet)
  GROUP BY addr.participant_id, ch.channel, ch.devices
),
located AS (
  SELECT d.participant_id, d.id AS device_id
  FROM box
  JOIN devices d ON d.location && box.env
  CROSS JOIN a
  JOIN participants p ON p.id = d.participant_id AND p.status = 'active'
  WHERE EXISTS (SELECT 1 FROM ch WHERE ch.devices)
    AND ST_X(d.location) >= box.x0 AND ST_X(d.location) < box.x1
    AND ST_Y(d.location) >= box.y0 AND ST_Y(d.location) < box.y1
    AND burgernet_in_area(a.area, a.center, a.radius_m, d.location)
    AND d.disabled_at IS NULL
    AND d.location_at > now() - make_interval(secs => $6::int)
    AND NOT EXISTS (SELECT 1 FROM participant_addresses pa
                    WHERE pa.participant_id = d.participant_id
                      AND burgernet_in_area(a.area, a.center, a.radius_m, pa.location))
),
selected AS (
  SELECT ac.participant_id, NULL::uuid AS device_id, ac.channel, ac.run_after
  FROM addr_channel ac
  WHERE NOT ac.devices
  UNION ALL
  SELECT ac.participant_id, d.id, ac.channel, ac.run_after
  FROM addr_channel ac
  JOIN devices d ON d.participant_id = ac.participant_id AND d.disabled_at IS NULL
  WHERE ac.devices
  UNION ALL
  SELECT l.participant_id, l.device_id, ch.channel, a.t0
  FROM located l, a, ch
  WHERE ch.devices
),
numbered AS (
  SELECT s.*, row_number() OVER () - 1 AS n FROM selected s
),
written AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave)
  SELECT a.id, $3::bigint, s.participant_id, s.device_id, s.channel, 'action', a.priority, s.run_after,
         a.expires_at, burgernet_max_attempts($4::jsonb, s.channel), c.first_row + s.n
  FROM numbered s, a, chunk c
  RETURNING id, participant_id, device_id, channel, priority, run_after, expires_at, max_attempts, wave
),
-- As ActionFollowUpChunk: each update follows its action row, and an urgent action's update
-- calls nobody inside their quiet hours.
updates AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave, parent_id)
  SELECT $1::uuid, m.id, w.participant_id, w.device_id, w.channel, 'update', w.priority,
         CASE WHEN a.kind = 'alert' THEN burgernet_alert_allowed_at(a.id, w.participant_id, ch.form,
                                                                    greatest(w.run_after, now()))
              ELSE greatest(w.run_after, now()) END,
         w.expires_at, w.max_attempts, w.wave, w.id
  FROM written w
  JOIN ch ON ch.channel = w.channel
  JOIN action_messages m ON m.action_id = $1::uuid AND m.kind = 'update'
  CROSS JOIN a
  WHERE NOT burgernet_quiet_forbids(a.kind, ch.calls, burgernet_quiet_now(a.id, w.participant_id, ch.form))
  RETURNING 1
)
SELECT (SELECT count(*) FROM written) AS written,
       (SELECT count(DISTINCT participant_id) FROM written) AS recipients,
       (SELECT coalesce(jsonb_object_agg(channel, n), '{}'::jsonb)::text
        FROM (SELECT channel, count(*) AS n FROM written GROUP BY channel) per_channel) AS by_channel,
       (SELECT count(*) FROM updates) AS updates;

-- name: ActionBroadcastInsert :exec
-- One post per broadcast channel ($5) and target ($9, the same length; NULL: the channel's one
-- default target, migration 0023) and message, without personal data; it stays sendable
-- until the action expires, and at least $6 seconds (a closing after the expiry still goes).
-- $7-$8: alerts.night_from/to; an alert's post written at night waits for the morning (greatest
-- skips the NULL of the day and of urgent actions).
INSERT INTO deliveries (action_id, message_id, channel, target, kind, priority, run_after, expires_at, max_attempts)
SELECT a.id, $2::bigint, c.channel, c.target, $3::message_kind, burgernet_priority(a.kind),
       greatest(a.send_at, now(), CASE WHEN a.kind = 'alert' THEN burgernet_quiet_end(now(), $7::time, $8::time) END),
       greatest(a.expires_at, now() + make_interval(secs => $6::int)),
       burgernet_max_attempts($4::jsonb, c.channel)
FROM actions a, unnest($5::text[], $9::text[]) AS c(channel, target)
WHERE a.id = $1::uuid;

-- name: ActionFanoutPlan :exec
-- After the POST wrote chunk 0: $2 its recipients, $3 the chunks planned.
UPDATE actions SET recipients = $2::int, fanout_chunks = $3::int, fanout_next_chunk = 1, fanout_done = ($3::int <= 1)
WHERE id = $1::uuid;

-- name: ActionFanoutClaim :one
-- One action whose fan-out is unfinished, locked for this chunk; other daemons take others.
SELECT a.id, a.fanout_chunks, a.fanout_next_chunk, (a.status = 'active' AND a.expires_at > now()) AS live,
       m.id AS message_id, array_to_json(a.channels)::text AS channels
FROM actions a
JOIN action_messages m ON m.action_id = a.id AND m.kind = 'action'
WHERE NOT a.fanout_done
ORDER BY a.created_at
LIMIT 1
FOR UPDATE OF a SKIP LOCKED;

-- name: ActionFanoutAdvance :exec
-- $3: stop here (closed or expired: the rest of the plan is dropped); $4 the chunk's recipients.
UPDATE actions SET fanout_next_chunk = $2::int, fanout_done = ($2::int >= fanout_chunks) OR $3::boolean,
                   recipients = recipients + $4::int
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
       a.recipients, a.fanout_done,
       CASE WHEN a.closed_at IS NULL THEN NULL
            WHEN EXISTS (SELECT 1 FROM action_jobs j WHERE j.action_id = a.id AND j.kind = 'closing') THEN 'in_progress'
            ELSE 'done' END AS closing
FROM actions a
WHERE a.id = $1::uuid
  AND ($2::uuid IS NULL OR a.token_id = $2::uuid
       OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $3::text
                                                                    AND t.role = $4::api_role)));

-- name: ActionDeliveryCounts :many
-- From the counters the delivery statements keep (migration 0013): a few dozen rows, whatever
-- the action's size.
SELECT channel, status::text, sum(n) FROM action_delivery_counts WHERE action_id = $1::uuid
GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2;

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
  -- The search (GET /v1/actions?kind=&category=&municipality=&since=&until=&q=): $13 is a LIKE
  -- pattern whose wildcards from the input are escaped with a backslash.
  AND ($8::text IS NULL OR a.kind::text = $8::text)
  AND ($9::text IS NULL OR a.category = $9::text)
  AND ($10::text IS NULL OR EXISTS (SELECT 1 FROM areas ar WHERE ar.code = $10::text AND ST_Intersects(ar.geom, a.area)))
  AND ($11::timestamptz IS NULL OR a.created_at >= $11::timestamptz)
  AND ($12::timestamptz IS NULL OR a.created_at < $12::timestamptz)
  AND ($13::text IS NULL OR a.title ILIKE $13::text ESCAPE '\' OR a.message ILIKE $13::text ESCAPE '\')
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

-- name: ActionFollowUpStart :exec
-- An update or closing ($2, kind $3) of action $1, to be written for the action's rows that
-- exist now (every id up to the sequence's last value: later fan-out chunks write their own
-- follow-ups), a chunk at a time by ActionFollowUpChunk. $4: a closing stays sendable at least
-- this many seconds.
INSERT INTO action_jobs (action_id, message_id, kind, after_id, until_id, expiry_s)
SELECT $1::uuid, $2::bigint, $3::message_kind, 0, s.last_value, $4::int FROM deliveries_id_seq s;

-- name: ActionFollowUpClaim :one
-- The oldest unfinished follow-up that no other worker holds.
SELECT j.action_id, j.message_id FROM action_jobs j ORDER BY j.created_at LIMIT 1 FOR UPDATE SKIP LOCKED;

-- name: ActionFollowUpChunk :one
-- Up to $3 of the action's own rows after the job's cursor, in id order, and their follow-ups
-- (message $2 of action $1), in the caller's transaction with the cursor's advance; the job is
-- gone once its last chunk is written. A closing cancels what is still queued of those rows and
-- goes to everyone who was sent the action, by each channel that does not call, a row in flight
-- included (it follows its parent: sent once the provider accepted the action message). An
-- update goes to every row not cancelled, failed or expired, and an urgent action's update calls
-- nobody inside their quiet hours. An alert's follow-up waits for quiet hours as the alert did.
-- $4: the daemon's personal channels as a channel table (migration 0014); a row of a channel
-- that is not in it (a broadcast, or one no longer configured) is treated as one that does not call.
-- $5-$6: alerts.night_from/to; an alert's follow-up written at night waits for the morning.
WITH j AS MATERIALIZED (
  SELECT * FROM action_jobs WHERE action_id = $1::uuid AND message_id = $2::bigint
),
a AS MATERIALIZED (
  SELECT a.id, a.kind FROM actions a WHERE a.id = $1::uuid
),
ch AS MATERIALIZED (
  SELECT * FROM burgernet_channel_table($4::jsonb)
),
-- The cursor's bounds as scalar subqueries, so that they bound the index scan (a join with j
-- read the action's rows from the first one again in every chunk).
r AS MATERIALIZED (
  SELECT d.* FROM deliveries d
  WHERE d.action_id = $1::uuid
    AND d.message_id = (SELECT m.id FROM action_messages m WHERE m.action_id = $1::uuid AND m.kind = 'action')
    AND d.id > (SELECT after_id FROM j) AND d.id <= (SELECT until_id FROM j)
  ORDER BY d.id
  LIMIT $3::int
),
-- By id (the primary key's index): a join with r let the planner scan the whole partition.
cancelled AS (
  UPDATE deliveries d SET status = 'cancelled'
  WHERE d.id = ANY (ARRAY(SELECT r.id FROM r, j WHERE j.kind = 'closing' AND r.status = 'queued'))
    AND d.status = 'queued'
  RETURNING d.id
),
ins AS (
  INSERT INTO deliveries (action_id, message_id, participant_id, device_id, channel, kind, priority, run_after,
                          expires_at, max_attempts, wave, parent_id)
  SELECT r.action_id, $2::bigint, r.participant_id, r.device_id, r.channel, j.kind, r.priority,
         CASE WHEN a.kind = 'alert'
              THEN burgernet_alert_allowed_at(a.id, r.participant_id, ch.form,
                                              greatest(CASE j.kind WHEN 'closing' THEN now() ELSE greatest(r.run_after, now()) END,
                                                       burgernet_quiet_end(now(), $5::time, $6::time)))
              WHEN j.kind = 'closing' THEN now()
              ELSE greatest(r.run_after, now()) END,
         CASE j.kind WHEN 'closing' THEN greatest(r.expires_at, now() + make_interval(secs => j.expiry_s))
                     ELSE r.expires_at END,
         r.max_attempts, r.wave, r.id
  FROM r CROSS JOIN j CROSS JOIN a
  LEFT JOIN ch ON ch.channel = r.channel
  WHERE r.participant_id IS NOT NULL
    AND CASE j.kind
          -- A row still queued in this statement's snapshot that the cancel did not find queued
          -- any more was claimed meanwhile: it is in flight, and gets its closing too.
          WHEN 'closing' THEN (r.status IN ('sent', 'delivered', 'sending')
                               OR (r.status = 'queued' AND r.id NOT IN (SELECT id FROM cancelled)))
                              AND NOT coalesce(ch.calls, false)
          ELSE r.status NOT IN ('cancelled', 'failed', 'expired')
               AND NOT burgernet_quiet_forbids(a.kind, coalesce(ch.calls, false),
                                               burgernet_quiet_now(a.id, r.participant_id, ch.form))
        END
  RETURNING participant_id
),
counted AS (
  SELECT (SELECT count(*) FROM r) AS scanned, (SELECT count(DISTINCT participant_id) FROM ins) AS recipients,
         (SELECT count(*) FROM ins) AS rows_written, (SELECT count(*) FROM cancelled) AS cancelled
),
advanced AS (
  UPDATE action_jobs j
  SET after_id = coalesce((SELECT max(id) FROM r), j.until_id), recipients = j.recipients + c.recipients,
      rows = j.rows + c.rows_written, cancelled = j.cancelled + c.cancelled
  FROM counted c
  WHERE j.action_id = $1::uuid AND j.message_id = $2::bigint AND c.scanned >= $3::int
  RETURNING j.recipients, j.rows, j.cancelled
),
finished AS (
  DELETE FROM action_jobs j USING counted c
  WHERE j.action_id = $1::uuid AND j.message_id = $2::bigint AND c.scanned < $3::int
  RETURNING j.recipients + c.recipients AS recipients, j.rows + c.rows_written AS rows, j.cancelled + c.cancelled AS cancelled
)
SELECT coalesce((SELECT recipients FROM finished), (SELECT recipients FROM advanced)) AS recipients,
       coalesce((SELECT rows FROM finished), (SELECT rows FROM advanced)) AS rows,
       coalesce((SELECT cancelled FROM finished), (SELECT cancelled FROM advanced)) AS cancelled,
       EXISTS (SELECT 1 FROM finished) AS done;

-- name: ActionMarkClosed :exec
-- The unwritten rest of a large action's fan-out plan goes with it, and so do updates still
-- being written (their rows would be cancelled).
WITH unplanned AS (
  DELETE FROM action_fanout_chunks WHERE action_id = $1::uuid
), updates AS (
  DELETE FROM action_jobs WHERE action_id = $1::uuid AND kind = 'update'
)
UPDATE actions SET status = 'closed', outcome = $2::action_outcome, closed_at = now(), fanout_done = true
WHERE id = $1::uuid;

-- name: ActionsFanoutLag :one
-- Seconds since the oldest action whose fan-out is unfinished was created, 0 when none is
-- (actions_fanout_pending_idx).
SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM actions WHERE NOT fanout_done;

-- name: ActionsUrgentUnsent :one
-- Urgent actions, still active, due (send_at) more than $1 seconds ago and less than an hour,
-- that have rows to send and of which nothing was sent yet: the promise of the first message
-- within a minute is broken (docs/alerts.md, BurgernetUrgentActionNotSent). The hour bounds the
-- scan to recent actions (actions_created_idx); an older one still shows in the queue's age.
SELECT count(*) FROM actions a
WHERE a.created_at > now() - interval '1 hour'
  AND a.kind = 'urgent' AND a.status = 'active'
  AND greatest(a.created_at, a.send_at) < now() - make_interval(secs => $1::double precision)
  AND NOT EXISTS (SELECT 1 FROM action_sends s WHERE s.action_id = a.id)
  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.action_id = a.id);
