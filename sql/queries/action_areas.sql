-- Growing areas (migration 0018): an update with an area reaches the people no earlier area of
-- the action holds, with the action and the update in one message, in chunks like the action's
-- own fan-out (actions.sql, ActionPlan and ActionFanoutChunk).

-- name: AreaGrowthInsert :exec
-- $1 the update's message, $2 the action, $3 the area as sent, $4 its geometry (RD New), $5/$6
-- a circle's centre and radius.
INSERT INTO action_areas (message_id, action_id, area_request, area, center, radius_m)
VALUES ($1::bigint, $2::uuid, $3::jsonb, $4::geometry, $5::geometry, $6::float8);

-- name: AreaGrowthPlan :one
-- The plan of grown area $1 (its update's message id), as ActionPlan: the squares it touches
-- that hold someone, nearest to its centre first, in chunks of about $2 (the first, written by
-- the request) and $3. Squares wholly inside an earlier area still count (their people are
-- skipped by the chunk): the plan selects nobody. Returns the number of chunks.
WITH planned AS (
  INSERT INTO action_area_chunks (message_id, chunk, first_row, x0, y0, x1, y1)
  SELECT g.message_id, p.chunk, p.first_row, p.x0, p.y0, p.x1, p.y1
  FROM action_areas g CROSS JOIN LATERAL burgernet_plan_chunks(g.area, g.center, g.radius_m, $2::float8, $3::float8) p
  WHERE g.message_id = $1::bigint
  RETURNING 1
),
counted AS (SELECT count(*)::int AS chunks FROM planned)
UPDATE action_areas SET chunks = counted.chunks, done = (counted.chunks = 0)
FROM counted WHERE message_id = $1::bigint
RETURNING counted.chunks;

-- name: AreaGrowthChunk :one
-- Chunk $3 of grown area $2 (action $1): THE selection (SPEC "Selection rules", as
-- ActionFanoutChunk) inside the chunk's squares and the grown area, of the people whom no
-- earlier area of the action holds (neither the action's own nor an earlier update's: those
-- were reached, or left out by the rules, already) and, for a device's place, who has no action
-- row yet. Written as action rows that carry the update ($2, appended_message_id: one message
-- with both texts), in the caller's transaction, and dropped from the plan. Updates posted after
-- this one follow these rows as ActionFanoutChunk's do. $4 max_attempts per channel, $5 the
-- action's personal channels as a channel table, $6 locations.ttl_s, $7-$8 alerts.night_from/to
-- (an alert's new people are not reached at night: they wait for the morning).
WITH chunk AS (
  DELETE FROM action_area_chunks WHERE message_id = $2::bigint AND chunk = $3::int RETURNING *
),
a AS MATERIALIZED (
  SELECT a.id, a.kind, a.area, a.center, a.radius_m, a.expires_at, burgernet_priority(a.kind) AS priority,
         greatest(a.send_at, now(),
                  CASE WHEN a.kind = 'alert' THEN burgernet_quiet_end(now(), $7::time, $8::time) END) AS t0,
         (SELECT m.id FROM action_messages m WHERE m.action_id = a.id AND m.kind = 'action') AS action_message_id
  FROM actions a WHERE a.id = $1::uuid
),
g AS MATERIALIZED (
  SELECT area, center, radius_m FROM action_areas WHERE message_id = $2::bigint
),
earlier AS MATERIALIZED (
  SELECT area, center, radius_m FROM a
  UNION ALL
  SELECT e.area, e.center, e.radius_m FROM action_areas e WHERE e.action_id = $1::uuid AND e.message_id < $2::bigint
),
ch AS MATERIALIZED (
  SELECT * FROM burgernet_channel_table($5::jsonb)
),
box AS MATERIALIZED (
  SELECT b.x0, b.y0, b.x1, b.y1, ST_MakeEnvelope(b.x0, b.y0, b.x1, b.y1, 28992) AS env
  FROM chunk CROSS JOIN LATERAL unnest(chunk.x0, chunk.y0, chunk.x1, chunk.y1) AS b(x0, y0, x1, y1)
),
hit AS (
  SELECT pa.participant_id, pa.position
  FROM box
  JOIN participant_addresses pa ON pa.location && box.env
  CROSS JOIN g
  WHERE ST_X(pa.location) >= box.x0 AND ST_X(pa.location) < box.x1
    AND ST_Y(pa.location) >= box.y0 AND ST_Y(pa.location) < box.y1
    AND burgernet_in_area(g.area, g.center, g.radius_m, pa.location)
),
-- Each participant once (their first address in the grown area), and only if no address of
-- theirs lies in an earlier area.
owned AS (
  SELECT DISTINCT h.participant_id
  FROM hit h, g
  WHERE (h.position = 0
         OR NOT EXISTS (SELECT 1 FROM participant_addresses o
                        WHERE o.participant_id = h.participant_id AND o.position < h.position
                          AND burgernet_in_area(g.area, g.center, g.radius_m, o.location)))
    AND NOT EXISTS (SELECT 1 FROM participant_addresses o, earlier e
                    WHERE o.participant_id = h.participant_id AND o.location && e.area
                      AND burgernet_in_area(e.area, e.center, e.radius_m, o.location))
),
addr AS (
  SELECT pa.participant_id, pa.channels AS chosen, q.quiet_end IS NOT NULL AS in_quiet, q.quiet_end
  FROM owned o
  JOIN participants p ON p.id = o.participant_id AND p.status = 'active'
  JOIN participant_addresses pa ON pa.participant_id = o.participant_id
  CROSS JOIN a CROSS JOIN g
  CROSS JOIN LATERAL (SELECT burgernet_quiet_end(a.t0, pa.quiet_from, pa.quiet_to) AS quiet_end) q
  WHERE burgernet_in_area(g.area, g.center, g.radius_m, pa.location)
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
  CROSS JOIN g
  JOIN participants p ON p.id = d.participant_id AND p.status = 'active'
  WHERE EXISTS (SELECT 1 FROM ch WHERE ch.devices)
    AND ST_X(d.location) >= box.x0 AND ST_X(d.location) < box.x1
    AND ST_Y(d.location) >= box.y0 AND ST_Y(d.location) < box.y1
    AND burgernet_in_area(g.area, g.center, g.radius_m, d.location)
    AND d.disabled_at IS NULL
    AND d.location_at > now() - make_interval(secs => $6::int)
    AND NOT EXISTS (SELECT 1 FROM participant_addresses pa
                    WHERE pa.participant_id = d.participant_id
                      AND burgernet_in_area(g.area, g.center, g.radius_m, pa.location))
    AND NOT EXISTS (SELECT 1 FROM participant_addresses o, earlier e
                    WHERE o.participant_id = d.participant_id AND o.location && e.area
                      AND burgernet_in_area(e.area, e.center, e.radius_m, o.location))
    AND NOT EXISTS (SELECT 1 FROM deliveries r
                    WHERE r.participant_id = d.participant_id AND r.action_id = $1::uuid AND r.kind = 'action')
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
                          expires_at, max_attempts, wave, appended_message_id)
  SELECT a.id, a.action_message_id, s.participant_id, s.device_id, s.channel, 'action', a.priority, s.run_after,
         a.expires_at, burgernet_max_attempts($4::jsonb, s.channel), c.first_row + s.n, $2::bigint
  FROM numbered s, a, chunk c
  RETURNING id, participant_id, device_id, channel, priority, run_after, expires_at, max_attempts, wave
),
-- Updates posted after this one while it was still being written follow these rows.
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
  JOIN action_messages m ON m.action_id = $1::uuid AND m.kind = 'update' AND m.id > $2::bigint
  CROSS JOIN a
  WHERE NOT burgernet_quiet_forbids(a.kind, ch.calls, burgernet_quiet_now(a.id, w.participant_id, ch.form))
  RETURNING 1
)
SELECT (SELECT count(*) FROM written) AS written,
       (SELECT count(DISTINCT participant_id) FROM written) AS recipients,
       (SELECT coalesce(jsonb_object_agg(channel, n), '{}'::jsonb)::text
        FROM (SELECT channel, count(*) AS n FROM written GROUP BY channel) per_channel) AS by_channel,
       (SELECT count(*) FROM updates) AS updates;

-- name: AreaGrowthAdvance :exec
-- $2 the next chunk; $3: stop here (the action closed or expired: the rest is dropped); $4 the
-- chunk's new people.
UPDATE action_areas SET next_chunk = $2::int, done = ($2::int >= chunks) OR $3::boolean,
                        recipients = recipients + $4::int
WHERE message_id = $1::bigint;

-- name: AreaGrowthDiscard :exec
DELETE FROM action_area_chunks WHERE message_id = $1::bigint;

-- name: AreaGrowthClaim :one
-- One grown area whose chunks are unfinished, locked for this chunk with its action (as
-- ActionFanoutClaim: an update or closing in progress waits for the chunk, so none misses its
-- rows); other daemons take others.
SELECT g.action_id, g.message_id, g.chunks, g.next_chunk,
       (a.status = 'active' AND a.expires_at > now()) AS live, array_to_json(a.channels)::text AS channels
FROM action_areas g
JOIN actions a ON a.id = g.action_id
WHERE NOT g.done
ORDER BY g.created_at
LIMIT 1
FOR UPDATE OF g, a SKIP LOCKED;

-- name: AreaHistory :many
-- The areas an action grew to, oldest first, as GeoJSON (WGS 84) with the request as sent.
SELECT g.message_id, g.area_request::text, ST_AsGeoJSON(ST_Transform(g.area, 4326), 6) AS area,
       to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
       g.recipients, g.done
FROM action_areas g WHERE g.action_id = $1::uuid
ORDER BY g.message_id;
