-- 0022: one fan-out planner for an action's area and for an area an update adds (0018), which
-- had the same statement twice (ActionPlan, AreaGrowthPlan). Only a function: nothing to
-- migrate, and daemons of before it keep their own copy of the statement.
--
-- The 1 km squares the area touches that hold an address or a device (burgernet_area_cells), a
-- crowded one cut into strips of at most `first_size` people, nearest to the area's centre
-- first, grouped into chunks: the first of about `first_size` (written by the request itself,
-- so that the first messages leave at its commit), each later one of about `chunk_size`. A
-- square weighs its addresses and devices and 5 more (its two index probes). Selects nobody.
CREATE OR REPLACE FUNCTION burgernet_plan_chunks(area geometry, center geometry, radius_m float8,
                                                 first_size float8, chunk_size float8)
RETURNS TABLE (chunk int, first_row bigint, x0 float8[], y0 float8[], x1 float8[], y1 float8[])
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH focus AS (SELECT coalesce($2, ST_PointOnSurface($1)) AS point),
  cell AS (
    SELECT c.cx, c.cy, c.addresses + c.devices AS people FROM burgernet_area_cells($1, $2, $3) c
  ),
  strip AS (
    SELECT (cell.cx * 1000 + 1000 * s.i / k.n)::float8 AS x0, (cell.cy * 1000)::float8 AS y0,
           (cell.cx * 1000 + 1000 * (s.i + 1) / k.n)::float8 AS x1, (cell.cy * 1000 + 1000)::float8 AS y1,
           cell.people::float8 / k.n AS people
    FROM cell
    CROSS JOIN LATERAL (SELECT greatest(1, ceil(cell.people / $4))::int AS n) k
    CROSS JOIN LATERAL generate_series(0, k.n - 1) AS s(i)
  ),
  ordered AS (
    SELECT strip.*,
           sum(strip.people + 5) OVER (ORDER BY ((strip.x0 + strip.x1) / 2 - ST_X(focus.point)) ^ 2
                                                + ((strip.y0 + strip.y1) / 2 - ST_Y(focus.point)) ^ 2,
                                                strip.x0, strip.y0
                                       ROWS UNBOUNDED PRECEDING) - (strip.people + 5) AS before
    FROM strip, focus
  )
  SELECT (dense_rank() OVER (ORDER BY o.c) - 1)::int, min(o.before)::bigint,
         array_agg(o.x0 ORDER BY o.before), array_agg(o.y0 ORDER BY o.before),
         array_agg(o.x1 ORDER BY o.before), array_agg(o.y1 ORDER BY o.before)
  FROM (SELECT ordered.*, CASE WHEN before < $4 THEN 0 ELSE 1 + floor((before - $4) / $5) END AS c
        FROM ordered) o
  GROUP BY o.c
$$;
