-- The web console's reads (src/api/console_routes.cpp, docs/console.md).

-- name: AreasForMap :one
-- Every area as SVG path data in RD New metres (ST_AsSVG: absolute, whole metres, y negated as
-- SVG draws downwards), simplified by $1 metres keeping shared borders shared, and the box of
-- them all: the console's map without tiles. One row: the JSON array and xmin, ymin, xmax, ymax.
SELECT coalesce(json_agg(json_build_object('code', a.code, 'name', a.name,
                                           'path', ST_AsSVG(ST_SimplifyPreserveTopology(a.geom, $1::float8), 0, 0))
                         ORDER BY a.code), '[]')::text,
       ST_XMin(ST_Extent(a.geom)), ST_YMin(ST_Extent(a.geom)), ST_XMax(ST_Extent(a.geom)), ST_YMax(ST_Extent(a.geom))
FROM areas a;

-- name: AreaNameFind :one
-- The name of area $1 (a token's area), if it was imported.
SELECT name FROM areas WHERE code = $1;

-- name: PreviewCentreAreas :one
-- The area codes that hold the centre of a requested area, as actions.centre_areas would be
-- (burgernet_centre_areas, migration 0019), comma-separated: picks the police region of the
-- dry run's rendered texts. $1 the area's kind, $2/$3 a circle's lon/lat, $4 a polygon's or
-- corridor's GeoJSON (WGS 84), $5 a municipality code.
SELECT array_to_string(burgernet_centre_areas(
  CASE $1::text
    WHEN 'polygon' THEN ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), 28992)
    WHEN 'corridor' THEN ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), 28992)
    WHEN 'municipality' THEN (SELECT geom FROM areas WHERE code = $5::text)
  END,
  CASE WHEN $1::text = 'circle' THEN ST_Transform(ST_SetSRID(ST_MakePoint($2::float8, $3::float8), 4326), 28992) END), ',');

-- name: SessionNight :one
-- When the alerts' night ($1-$2, Europe/Amsterdam) that now falls in ends, in RFC 3339 (UTC) and
-- as that time of day there; NULLs by day (as AlertNightEnd, for GET /v1/session).
SELECT to_char(n.t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(n.t AT TIME ZONE 'Europe/Amsterdam', 'HH24:MI')
FROM (SELECT burgernet_quiet_end(now(), $1::time, $2::time) AS t) n;
