-- The device-matching push mode (issue 16): FCM topics named after a fixed 10 km grid in RD New
-- (EPSG:28992) and after municipalities. Topic names are made here and nowhere else.

-- name: PushCellsAt :one
-- The topics a phone at ($1 lat, $2 lon, WGS84) subscribes to: its 10 km cell and the eight
-- around it (a phone near an edge still hears an action just across it, and need not follow
-- every move), and the municipality it is in ('' outside every imported one). Stores nothing.
WITH p AS (
  SELECT ST_Transform(ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326), 28992) AS g
), cell AS (
  SELECT floor(ST_X(g) / 10000)::int AS cx, floor(ST_Y(g) / 10000)::int AS cy, g FROM p
)
SELECT (SELECT array_to_string(array_agg('bn-rd10-' || (cell.cx + dx) || '-' || (cell.cy + dy)
                                         ORDER BY dy, dx), ',')
        FROM generate_series(-1, 1) dx, generate_series(-1, 1) dy) AS cells,
       'bn-rd10-' || cell.cx || '-' || cell.cy AS own_cell,
       coalesce((SELECT 'bn-gm-' || a.code FROM areas a
                 WHERE a.code ~ '^GM[0-9]{4}$' AND ST_Covers(a.geom, cell.g)
                 ORDER BY a.code LIMIT 1), '') AS municipality
FROM cell;

-- name: PushTopicsCovering :many
-- The topics one message of action $1 goes to: every 10 km cell that its areas (its own and
-- those updates grew it to, migration 0018) touch, a circle by distance from its centre; or,
-- when the action's only area is a municipality, that municipality's topic alone. Each message
-- goes to one kind of topic, so a phone hears it through cells or through its municipality,
-- never both (docs/channels.md). The grid has some 900 cells over the Netherlands.
WITH shapes AS (
  SELECT a.area, a.center, a.radius_m, a.area_request FROM actions a WHERE a.id = $1::uuid
  UNION ALL
  SELECT g.area, g.center, g.radius_m, g.area_request FROM action_areas g WHERE g.action_id = $1::uuid
), municipality AS (
  SELECT min(area_request ->> 'municipality') AS code, count(*) AS shapes,
         count(*) FILTER (WHERE area_request ->> 'municipality' ~ '^GM[0-9]{4}$') AS municipal
  FROM shapes
), cells AS (
  SELECT DISTINCT cx, cy
  FROM shapes s,
       generate_series(floor(ST_XMin(s.area) / 10000)::int, floor(ST_XMax(s.area) / 10000)::int) cx,
       generate_series(floor(ST_YMin(s.area) / 10000)::int, floor(ST_YMax(s.area) / 10000)::int) cy
  WHERE CASE WHEN s.center IS NOT NULL
             THEN ST_DWithin(s.center, ST_MakeEnvelope(cx * 10000, cy * 10000, cx * 10000 + 10000, cy * 10000 + 10000, 28992), s.radius_m)
             ELSE ST_Intersects(s.area, ST_MakeEnvelope(cx * 10000, cy * 10000, cx * 10000 + 10000, cy * 10000 + 10000, 28992))
        END
)
SELECT 'bn-gm-' || m.code AS topic FROM municipality m WHERE m.shapes = 1 AND m.municipal = 1
UNION ALL
SELECT 'bn-rd10-' || c.cx || '-' || c.cy FROM cells c, municipality m WHERE NOT (m.shapes = 1 AND m.municipal = 1)
ORDER BY 1;

-- name: PushAreaPayload :one
-- The area of action $1 as the app gets it: the union of its areas in WGS84 GeoJSON (5
-- decimals, about a metre), with the circle when the action has one circle and nothing else.
-- $2 > 0 makes the geometry smaller for FCM's 4 KB payload: simplified by $2 metres and then
-- widened by as much, so that it still holds the whole area (a phone just inside is never
-- missed; one up to $2 metres outside may be told). The caller asks again with a larger $2
-- until it fits; $2 < 0 is the last resort, the bounding box.
WITH shapes AS (
  SELECT a.area, a.center, a.radius_m FROM actions a WHERE a.id = $1::uuid
  UNION ALL
  SELECT g.area, g.center, g.radius_m FROM action_areas g WHERE g.action_id = $1::uuid
), whole AS (
  SELECT ST_Union(area) AS area, count(*) AS shapes, ST_Transform(min(center::text)::geometry, 4326) AS center,
         min(radius_m) AS radius_m
  FROM shapes
)
SELECT ST_AsGeoJSON(ST_Transform(
         CASE WHEN $2::float8 < 0 THEN ST_Envelope(area)
              WHEN $2::float8 = 0 THEN area
              ELSE ST_Buffer(ST_SimplifyPreserveTopology(area, $2::float8), $2::float8, 'join=mitre') END,
         4326), 5) AS area,
       CASE WHEN shapes = 1 AND center IS NOT NULL THEN
         jsonb_build_object('lat', round(ST_Y(center)::numeric, 6), 'lon', round(ST_X(center)::numeric, 6),
                           'radius_m', radius_m)::text
       END AS circle
FROM whole;

-- name: PushAreaStore :exec
-- The area of the newest message of action $1 (the one being written), for its topic sends.
INSERT INTO push_message_areas (message_id, payload)
SELECT m.id, $2::jsonb || jsonb_build_object('action_message_id', m.id::text)
FROM action_messages m WHERE m.action_id = $1::uuid
ORDER BY m.id DESC LIMIT 1
ON CONFLICT (message_id) DO UPDATE SET payload = EXCLUDED.payload;

-- name: PushDevicesEstimate :one
-- How many app devices a message of action $1 probably reaches in the device-matching mode,
-- where the server knows no device's place: the registered devices (the planner's count, no
-- scan of the table) times the share of all registered addresses that lie in the action's area
-- (the population grid of migration 0013, each 1 km square weighted by the part the area
-- covers, as ActionEstimate does).
WITH a AS (
  SELECT area, center, radius_m FROM actions WHERE id = $1::uuid
), inside AS (
  SELECT coalesce(sum(c.addresses * CASE WHEN ST_Covers(a.area, e.env) THEN 1.0
                                         ELSE ST_Area(ST_Intersection(a.area, e.env)) / 1e6 END), 0) AS n
  FROM a, burgernet_area_cells(a.area, a.center, a.radius_m) c,
       LATERAL (SELECT ST_MakeEnvelope(c.cx * 1000, c.cy * 1000, c.cx * 1000 + 1000, c.cy * 1000 + 1000, 28992) AS env) e
), everywhere AS (
  SELECT coalesce(sum(addresses), 0) AS n FROM population_cells
), devices AS (
  -- Never analysed (a new database): few rows, counted.
  SELECT CASE WHEN reltuples >= 0 THEN reltuples
              ELSE (SELECT count(*) FROM devices WHERE disabled_at IS NULL) END AS n
  FROM pg_class WHERE oid = 'devices'::regclass
)
SELECT CASE WHEN everywhere.n = 0 THEN 0 ELSE round(devices.n * inside.n / everywhere.n) END::bigint AS estimate
FROM inside, everywhere, devices;
