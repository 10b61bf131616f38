-- A synthetic national population for the benchmarks, spread like the Dutch one: the ~40 largest
-- municipalities by real population with a Gaussian spread, a few thousand villages, sparse rural
-- areas, nothing in the IJsselmeer or outside a coarse land outline. Repeatable: every random
-- number comes from setseed() in one serial session, and ids come from md5(seed, n).
-- psql variables: :participants, :seed (an integer), :location_age_s (newest device location age).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;  -- random() must run in one process, in one order
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';

-- Generated rows only: FK triggers are skipped (the rows are consistent by construction).
SET session_replication_role = replica;

BEGIN;
TRUNCATE deliveries, action_messages, actions, devices, participant_addresses, participants, idempotency_keys CASCADE;

-- Secondary indexes are rebuilt after the load (a sorted GiST build is much faster than 4M
-- inserts); their definitions are read from the catalogue, so the schema stays the one truth.
CREATE TEMP TABLE bench_saved_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid IN ('participants'::regclass, 'participant_addresses'::regclass, 'devices'::regclass)
  AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT name FROM bench_saved_indexes LOOP EXECUTE 'DROP INDEX ' || r.name; END LOOP;
END $$;

-- Land: a coarse outline of the Netherlands' mainland (lon/lat), minus the IJsselmeer.
CREATE TEMP TABLE bench_land AS
SELECT ST_Difference(
         ST_Transform(ST_GeomFromText('POLYGON((3.36 51.37, 3.80 51.22, 4.25 51.37, 4.40 51.46, 4.80 51.42,
           5.10 51.43, 5.55 51.23, 5.84 51.14, 5.70 50.76, 6.02 50.75, 6.08 50.92, 5.90 51.05, 6.17 51.18,
           6.07 51.62, 5.95 51.82, 6.40 51.85, 6.82 51.97, 6.72 52.12, 7.05 52.23, 7.07 52.60, 6.72 52.65,
           7.20 53.00, 7.20 53.25, 6.90 53.35, 6.20 53.42, 5.60 53.33, 5.40 53.17, 5.10 53.02, 4.73 52.96,
           4.55 52.45, 4.25 52.10, 4.00 51.95, 3.60 51.62, 3.45 51.55, 3.36 51.37))', 4326), 28992),
         ST_Transform(ST_MakeEnvelope(5.05, 52.58, 5.60, 53.05, 4326), 28992)) AS geom;
CREATE TEMP TABLE bench_box AS
SELECT ST_XMin(geom) AS x0, ST_XMax(geom) AS x1, ST_YMin(geom) AS y0, ST_YMax(geom) AS y1 FROM bench_land;

SELECT setseed((:seed % 1000) / 1000.0);

-- Population centres: weight = people; sigma in metres. Cities (CBS 2024, rounded), then villages.
CREATE TEMP TABLE bench_centres (n serial, name text, x float8, y float8, sigma float8, weight float8);
INSERT INTO bench_centres (name, x, y, sigma, weight)
SELECT name, ST_X(p), ST_Y(p), 1200 * sqrt(pop / 100000.0), pop
FROM (VALUES
  ('Amsterdam', 52.3731, 4.8926, 931000), ('Rotterdam', 51.9225, 4.4792, 670000), ('Den Haag', 52.0705, 4.3007, 560000),
  ('Utrecht', 52.0907, 5.1214, 375000), ('Eindhoven', 51.4416, 5.4697, 240000), ('Groningen', 53.2194, 6.5665, 240000),
  ('Tilburg', 51.5555, 5.0913, 227000), ('Almere', 52.3508, 5.2647, 222000), ('Breda', 51.5719, 4.7683, 186000),
  ('Nijmegen', 51.8126, 5.8372, 182000), ('Apeldoorn', 52.2112, 5.9699, 168000), ('Arnhem', 51.9851, 5.8987, 166000),
  ('Haarlem', 52.3874, 4.6462, 164000), ('Haarlemmermeer', 52.3030, 4.6890, 162000), ('Enschede', 52.2215, 6.8937, 161000),
  ('Amersfoort', 52.1561, 5.3878, 160000), ('Zaanstad', 52.4559, 4.8286, 159000), ('''s-Hertogenbosch', 51.6978, 5.3037, 158000),
  ('Zwolle', 52.5168, 6.0830, 132000), ('Leiden', 52.1601, 4.4970, 128000), ('Zoetermeer', 52.0575, 4.4931, 127000),
  ('Leeuwarden', 53.2012, 5.7999, 126000), ('Maastricht', 50.8514, 5.6910, 122000), ('Ede', 52.0402, 5.6649, 121000),
  ('Dordrecht', 51.8133, 4.6901, 121000), ('Alphen aan den Rijn', 52.1290, 4.6553, 115000), ('Westland', 51.9990, 4.2240, 113000),
  ('Alkmaar', 52.6324, 4.7534, 110000), ('Emmen', 52.7792, 6.9069, 108000), ('Delft', 52.0116, 4.3571, 105000),
  ('Venlo', 51.3704, 6.1724, 102000), ('Deventer', 52.2551, 6.1639, 102000), ('Purmerend', 52.5050, 4.9597, 93000),
  ('Oss', 51.7650, 5.5180, 93000), ('Helmond', 51.4793, 5.6570, 93000), ('Amstelveen', 52.3114, 4.8725, 92000),
  ('Hilversum', 52.2292, 5.1669, 92000), ('Sittard-Geleen', 50.9980, 5.8690, 92000), ('Heerlen', 50.8882, 5.9795, 87000),
  ('Hengelo', 52.2658, 6.7931, 82000), ('Lelystad', 52.5185, 5.4714, 80000), ('Roosendaal', 51.5308, 4.4653, 78000)
) AS c(name, lat, lon, pop)
CROSS JOIN LATERAL ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 28992) AS p;

-- Villages and small towns: 3000 centres on land, sizes skewed (a few towns of ~30k, most a few
-- hundred), together ~8.5 million people; the remaining ~2 million live spread out (rural).
INSERT INTO bench_centres (name, x, y, sigma, weight)
SELECT 'village', x, y, 300 + 1500 * s, 200 + 30000 * s * s * s
FROM (SELECT x0 + random() * (x1 - x0) AS x, y0 + random() * (y1 - y0) AS y, random() AS s
      FROM bench_box, generate_series(1, 4000)) v, bench_land
WHERE ST_Contains(bench_land.geom, ST_SetSRID(ST_MakePoint(x, y), 28992))
LIMIT 3000;
INSERT INTO bench_centres (name, x, y, sigma, weight)
SELECT 'rural', NULL, NULL, NULL, (SELECT 0.13 * sum(weight) / 0.87 FROM bench_centres);

ANALYZE bench_centres;

-- Centre picked by an inverse-CDF table of 100,000 slots.
CREATE TEMP TABLE bench_slots AS
SELECT generate_series(floor(lo * 100000)::int + 1, floor(hi * 100000)::int) AS slot, n
FROM (SELECT n, coalesce(sum(weight) OVER w - weight, 0) / total AS lo, sum(weight) OVER w / total AS hi
      FROM bench_centres, (SELECT sum(weight) AS total FROM bench_centres) t
      WINDOW w AS (ORDER BY n)) c;
ANALYZE bench_slots;

-- Points: first addresses (1..N), second addresses (N+1..1.25N), device locations (after).
CREATE TEMP TABLE bench_points AS
WITH cand AS (
  SELECT i, 1 + floor(random() * 100000)::int AS slot, random() AS u1, random() AS u2
  FROM generate_series(1, (:participants * 2.1)::bigint + 10000) AS i
)
SELECT row_number() OVER (ORDER BY i) AS k, p AS geom
FROM (SELECT i, CASE WHEN bc.sigma IS NULL
                   THEN ST_SetSRID(ST_MakePoint(b.x0 + cand.u1 * (b.x1 - b.x0), b.y0 + cand.u2 * (b.y1 - b.y0)), 28992)
                   ELSE ST_SetSRID(ST_MakePoint(bc.x + bc.sigma * sqrt(-2 * ln(1 - cand.u1)) * cos(2 * pi() * cand.u2),
                                                bc.y + bc.sigma * sqrt(-2 * ln(1 - cand.u1)) * sin(2 * pi() * cand.u2)), 28992)
                 END AS p
      FROM cand JOIN bench_slots s ON s.slot = cand.slot JOIN bench_centres bc ON bc.n = s.n, bench_box b) q, bench_land
WHERE ST_Contains(bench_land.geom, q.p);
CREATE UNIQUE INDEX ON bench_points (k);

SELECT count(*) >= :participants * 1.7 AS enough_land FROM bench_points \gset
\if :enough_land
\else
  \warn 'population: too few points on land (the land mask or the centres are wrong)'
  SELECT 1 / 0;
\endif

-- 98 % active; channels and quiet hours in plausible shares.
-- Phone numbers (+316 10000000+i) are sealed and hashed with the daemon's keys by
-- bench/seal_population (AES-256-GCM, which pgcrypto cannot produce); bench/population loaded
-- them into bench_sealed, because the dispatcher opens them to send.
INSERT INTO participants (id, status, phone_sealed, phone_lookup, phone_mobile, language, created_at, updated_at,
                          verified_at)
SELECT md5('p' || :seed || ':' || g.i)::uuid,
       CASE WHEN g.i % 50 = 7 THEN 'pending_verification' ELSE 'active' END::participant_status,
       s.phone_sealed, s.phone_lookup, true, CASE WHEN g.i % 20 = 3 THEN 'en' ELSE 'nl' END,
       now() - interval '3 years' * random(), now(), CASE WHEN g.i % 50 = 7 THEN NULL ELSE now() END
FROM generate_series(1, :participants) AS g(i)
JOIN bench_sealed s ON s.i = g.i
ORDER BY g.i;

INSERT INTO participant_addresses (participant_id, position, label, location, channels, quiet_from, quiet_to)
SELECT md5('p' || :seed || ':' || a.i)::uuid, a.pos, CASE a.pos WHEN 0 THEN 'home' ELSE 'work' END, bp.geom,
       CASE WHEN r < 0.40 THEN '{voice,sms}' WHEN r < 0.70 THEN '{sms}' WHEN r < 0.90 THEN '{sms,push}' ELSE '{voice}' END::text[],
       CASE WHEN q < 0.2 THEN time '23:00' END, CASE WHEN q < 0.2 THEN time '07:00' END
FROM (SELECT i, 0 AS pos, i AS k, random() AS r, random() AS q FROM generate_series(1, :participants) AS i
      UNION ALL
      SELECT 4 * j, 1, :participants + j, random(), random() FROM generate_series(1, :participants / 4) AS j) a
JOIN bench_points bp ON bp.k = a.k
ORDER BY ST_GeoHash(ST_Transform(bp.geom, 4326), 10);  -- neighbours in neighbouring pages, like a real table grown by region

-- 1.3 devices per 3 participants; 90 % with a location, most fresh, 1 % disabled.
INSERT INTO devices (id, participant_id, platform, push_token_sealed, secret_hash, location, location_accuracy_m,
                     location_at, disabled_at, created_at)
SELECT md5('d' || :seed || ':' || s.i)::uuid, md5('p' || :seed || ':' || s.i)::uuid,
       CASE WHEN s.i % 3 = 0 THEN 'ios' ELSE 'android' END,
       bench_sealed.push_token_sealed, sha256(convert_to('bench-secret-' || s.i, 'UTF8')),  -- the device's secret
       CASE WHEN loc THEN bp.geom END, CASE WHEN loc THEN 10 + 50 * random() END,
       CASE WHEN loc THEN now() - make_interval(secs => :location_age_s + CASE WHEN s.i % 20 = 0 THEN 10800 ELSE 3600 * random() END) END,
       CASE WHEN s.i % 100 = 99 THEN now() END, now() - interval '2 years' * random()
FROM (SELECT i, (i % 10) <> 0 AS loc, row_number() OVER (ORDER BY i) AS d
      FROM generate_series(1, :participants) AS i WHERE (i * 13) % 30 < 13) s
JOIN bench_points bp ON bp.k = :participants + :participants / 4 + s.d
JOIN bench_sealed ON bench_sealed.i = s.i;

DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT def FROM bench_saved_indexes LOOP EXECUTE r.def; END LOOP;
END $$;
COMMIT;

SET session_replication_role = origin;
DROP TABLE bench_sealed;
CREATE TABLE IF NOT EXISTS bench_population (participants bigint, seed int, generated_at timestamptz, seconds float8);
TRUNCATE bench_population;
