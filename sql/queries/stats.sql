-- GET /v1/stats and burgernetctl stats (docs/statistics.md). Months are Europe/Amsterdam
-- months; $1/$2 are the first and the last month ('YYYY-MM'), both included. $3/$4/$5: the
-- token id, area and role of a caller bound to an area, who sees the actions GET /v1/actions
-- shows it (ActionList); all NULL for admin. Cheap at national scale: actions are thousands a
-- year, and no statement here reads deliveries.

-- name: StatsActions :many
-- Counts by outcome ('open' while an action runs or expired without a close), per month, per
-- category and per region (the municipality in `areas` that holds the centre of the action's
-- area; 'none' outside every area), and over the whole period ('all').
WITH a AS (
  SELECT to_char(a.created_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month, a.category,
         coalesce(r.code, 'none') AS region, coalesce(a.outcome::text, 'open') AS outcome
  FROM actions a
  LEFT JOIN LATERAL (
    -- A municipality before any other kind of area (a police unit) that holds the same point.
    SELECT ar.code FROM areas ar
    WHERE ST_Intersects(ar.geom, coalesce(a.center, ST_PointOnSurface(a.area)))
    ORDER BY (ar.code LIKE 'GM%') DESC, ST_Area(ar.geom), ar.code
    LIMIT 1) r ON true
  WHERE a.created_at >= (($1::text || '-01')::date::timestamp AT TIME ZONE 'Europe/Amsterdam')
    AND a.created_at < ((($2::text || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'Europe/Amsterdam')
    AND ($3::uuid IS NULL OR a.token_id = $3::uuid
         OR ($4::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $4::text
                                                                      AND t.role = $5::api_role)))
)
SELECT CASE WHEN grouping(month) = 0 THEN 'month' WHEN grouping(category) = 0 THEN 'category'
            WHEN grouping(region) = 0 THEN 'region' ELSE 'all' END AS dimension,
       coalesce(month, category, region, 'all') AS key, outcome, count(*) AS actions
FROM a
GROUP BY GROUPING SETS ((month, outcome), (category, outcome), (region, outcome), (outcome))
ORDER BY 1, 2, 3;

-- name: StatsSendTimes :many
-- Seconds from an action's creation to its first and to its last message sent, median and
-- 90th percentile, per month and over the period (month NULL). The last is the last before
-- the close (action_send_times_at_close): the closing messages are not counted. Actions that
-- sent nothing are left out.
WITH t AS (
  SELECT to_char(a.created_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month,
         extract(epoch FROM coalesce(c.first_sent_at, s.first_sent_at) - a.created_at)::float8 AS first_s,
         extract(epoch FROM coalesce(c.last_sent_at, s.last_sent_at) - a.created_at)::float8 AS last_s
  FROM actions a
  JOIN action_sends s ON s.action_id = a.id
  LEFT JOIN action_send_times_at_close c ON c.action_id = a.id
  WHERE a.created_at >= (($1::text || '-01')::date::timestamp AT TIME ZONE 'Europe/Amsterdam')
    AND a.created_at < ((($2::text || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'Europe/Amsterdam')
    AND ($3::uuid IS NULL OR a.token_id = $3::uuid
         OR ($4::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $4::text
                                                                      AND t.role = $5::api_role)))
)
SELECT month, count(*) AS actions,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first_s) AS first_median_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY first_s) AS first_p90_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY last_s) AS last_median_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY last_s) AS last_p90_s
FROM t
GROUP BY GROUPING SETS ((month), ())
ORDER BY month NULLS LAST;

-- name: StatsParticipantCounts :many
-- As last counted (StatsCount*): per channel and municipality, of scope $1 ('national' or an
-- area code). A participant with addresses in two municipalities counts in both.
SELECT dimension, key, participants FROM participant_counts WHERE scope = $1::text ORDER BY 1, 2;

-- name: StatsCountsAge :one
-- Seconds since the participants were last counted; NULL when never. Takes the counting's
-- lock when it is free (one counter at a time; the others read what is there).
SELECT (SELECT extract(epoch FROM now() - counted_at)::float8 FROM participant_counts_taken) AS age_s,
       pg_try_advisory_xact_lock(7303105202612) AS counting;

-- name: StatsCountsClear :exec
DELETE FROM participant_counts;

-- name: StatsCountChannels :exec
-- Active participants per form of message chosen for at least one address ('voice', 'sms',
-- 'push', 'email'), national.
INSERT INTO participant_counts (scope, dimension, key, participants)
SELECT 'national', 'channel', form, count(*)
FROM (SELECT DISTINCT pa.participant_id, f.form
      FROM participant_addresses pa
      JOIN participants p ON p.id = pa.participant_id AND p.status = 'active'
      CROSS JOIN LATERAL unnest(pa.channels) AS f(form)) pf
GROUP BY form;

-- name: StatsCountApps :exec
-- Active participants with an enabled app, national.
INSERT INTO participant_counts (scope, dimension, key, participants)
SELECT 'national', 'channel', 'app', count(DISTINCT d.participant_id)
FROM devices d JOIN participants p ON p.id = d.participant_id AND p.status = 'active'
WHERE d.disabled_at IS NULL;

-- name: StatsCountedAreas :many
-- The areas counted one by one: those with a GM code, and the area of every municipal token.
SELECT code FROM areas
WHERE code LIKE 'GM%' OR code IN (SELECT t.area_code FROM api_tokens t WHERE t.role = 'municipal')
ORDER BY code;

-- name: StatsCountMunicipality :exec
-- Area $1: active participants with an address there, in all and per form of message chosen,
-- and with an enabled app. One statement per area keeps each well inside the statement timeout
-- (all 255 areas of the bench in one took 29 s).
INSERT INTO participant_counts (scope, dimension, key, participants)
WITH hits AS MATERIALIZED (
  SELECT DISTINCT pa.participant_id, f.form
  FROM areas ar
  JOIN participant_addresses pa ON ST_Intersects(ar.geom, pa.location)
  JOIN participants p ON p.id = pa.participant_id AND p.status = 'active'
  CROSS JOIN LATERAL unnest(pa.channels || '{*}'::text[]) AS f(form)
  WHERE ar.code = $1::text
)
SELECT $1::text, 'channel', form, count(*) FROM hits WHERE form <> '*' GROUP BY form
UNION ALL
SELECT s.scope, 'municipality', $1::text, count(*)
FROM hits h CROSS JOIN (VALUES ('national'), ($1::text)) AS s(scope)
WHERE h.form = '*' GROUP BY s.scope
UNION ALL
SELECT $1::text, 'channel', 'app', count(DISTINCT h.participant_id)
FROM hits h JOIN devices d ON d.participant_id = h.participant_id AND d.disabled_at IS NULL
WHERE h.form = '*' HAVING count(*) > 0;

-- name: StatsCountsTaken :exec
INSERT INTO participant_counts_taken (only_row, counted_at) VALUES (true, now())
ON CONFLICT (only_row) DO UPDATE SET counted_at = now();

-- name: StatsSignups :many
-- Sign-ups (participants who became active) and erasures per month, national: the counters
-- kept as they happen (migration 0017, participant_erasures), which hold nobody's place.
WITH months AS (
  SELECT to_char(m, 'YYYY-MM') AS month
  FROM generate_series(($1::text || '-01')::date, ($2::text || '-01')::date, interval '1 month') AS m
)
SELECT m.month, coalesce(s.signed_up, 0)::bigint AS signed_up, coalesce(e.erased, 0)::bigint AS erased
FROM months m
LEFT JOIN participant_signups s ON to_char(s.month, 'YYYY-MM') = m.month
LEFT JOIN participant_erasures e ON to_char(e.month, 'YYYY-MM') = m.month
ORDER BY 1;

-- name: StatsSignupsInArea :many
-- Sign-ups per month of the participants with an address in area $3 who are still registered
-- (by when they became active). Erasures keep no place, so none are counted per area.
WITH months AS (
  SELECT to_char(m, 'YYYY-MM') AS month
  FROM generate_series(($1::text || '-01')::date, ($2::text || '-01')::date, interval '1 month') AS m
), signups AS (
  SELECT to_char(coalesce(p.verified_at, p.created_at) AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM') AS month,
         count(*) AS signed_up
  FROM participants p
  WHERE p.status = 'active'
    AND EXISTS (SELECT 1 FROM participant_addresses pa JOIN areas ar ON ar.code = $3::text
                WHERE pa.participant_id = p.id AND ST_Intersects(ar.geom, pa.location))
  GROUP BY 1
)
SELECT m.month, coalesce(s.signed_up, 0)::bigint AS signed_up
FROM months m LEFT JOIN signups s ON s.month = m.month
ORDER BY 1;

-- name: StatsSendTimesAtClose :exec
-- In close_action's transaction, before any closing is sent: the action's send times as they
-- stand (the queued rest of the action is cancelled by the close).
INSERT INTO action_send_times_at_close (action_id, first_sent_at, last_sent_at)
SELECT action_id, first_sent_at, last_sent_at FROM action_sends WHERE action_id = $1::uuid
ON CONFLICT (action_id) DO NOTHING;

-- name: StatsActionsClosed :many
-- For /metrics: closed actions per outcome and kind since the start, and all actions.
SELECT coalesce(outcome::text, 'open') AS outcome, kind::text, count(*) FROM actions GROUP BY 1, 2 ORDER BY 1, 2;

-- name: StatsDefaultMonths :one
-- The last twelve months, this one included.
SELECT to_char((now() AT TIME ZONE 'Europe/Amsterdam') - interval '11 months', 'YYYY-MM'),
       to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM');
