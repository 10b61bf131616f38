-- 0013: a national action at full speed (docs/scaling.md, "A national action").
-- burgernet: requires-stopped-daemons (drops action_fanout_chunks and burgernet_voice_quiet_now, which older daemons use).
--
-- 1. A population grid: how many addresses lie in each 1 km square of RD New, kept current by
--    the statements that write addresses. It gives an upper bound and an estimate of any
--    area's recipients in milliseconds (the preview, the confirmation), and it is how the POST
--    cuts an area into chunks without selecting anyone: the selection itself runs chunk by
--    chunk, each over a few squares, committed one at a time.
-- 2. Circles are circles: an action keeps its centre and radius, and selects by distance.
-- 3. The fan-out plan holds squares, not selected rows.
-- 4. Updates and closings are written in chunks too (action_jobs), and an action's progress
--    is counted by the statements that change a delivery's status (action_delivery_counts),
--    so that reading it does not count millions of rows.

-- 1. The grid ------------------------------------------------------------------------------
-- Addresses, and devices with a location (fresh or not: an upper bound does not need to know),
-- per square. A device's PUT of its location changes its square's row only when it moves to
-- another square.
-- Sharded by backend like the delivery counters below: devices crowding into one square (a
-- festival, the Dam) must not queue their location PUTs behind one row's lock.
CREATE TABLE population_cells (
  cx        int NOT NULL,  -- floor(x / 1000) in RD New
  cy        int NOT NULL,
  shard     smallint NOT NULL DEFAULT 0,
  addresses int NOT NULL DEFAULT 0,
  devices   int NOT NULL DEFAULT 0,
  PRIMARY KEY (cx, cy, shard)
);

-- One statement-level function for both tables (TG_ARGV[0]: 'addresses' or 'devices'): one
-- upsert per square a statement touched, however many rows it wrote (a bulk import of
-- millions is one aggregate); the sign says whether the rows came or went.
CREATE FUNCTION burgernet_population_cells_add() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d int := CASE TG_ARGV[0] WHEN 'devices' THEN 1 ELSE 0 END;  -- which column counts
  k smallint := pg_backend_pid() % 64;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO population_cells AS c (cx, cy, shard, addresses, devices)
    SELECT floor(ST_X(location) / 1000)::int, floor(ST_Y(location) / 1000)::int, k, (1 - d) * count(*), d * count(*)
    FROM new_rows WHERE location IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (cx, cy, shard) DO UPDATE SET addresses = c.addresses + excluded.addresses,
                                       devices = c.devices + excluded.devices;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO population_cells AS c (cx, cy, shard, addresses, devices)
    SELECT floor(ST_X(location) / 1000)::int, floor(ST_Y(location) / 1000)::int, k, -(1 - d) * count(*), -d * count(*)
    FROM old_rows WHERE location IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (cx, cy, shard) DO UPDATE SET addresses = c.addresses + excluded.addresses,
                                              devices = c.devices + excluded.devices;
  ELSE
    INSERT INTO population_cells AS c (cx, cy, shard, addresses, devices)
    SELECT cx, cy, k, (1 - d) * sum(n), d * sum(n) FROM (
      SELECT floor(ST_X(location) / 1000)::int AS cx, floor(ST_Y(location) / 1000)::int AS cy, 1 AS n
      FROM new_rows WHERE location IS NOT NULL
      UNION ALL
      SELECT floor(ST_X(location) / 1000)::int, floor(ST_Y(location) / 1000)::int, -1
      FROM old_rows WHERE location IS NOT NULL) m
    GROUP BY 1, 2 HAVING sum(n) <> 0
    ON CONFLICT (cx, cy, shard) DO UPDATE SET addresses = c.addresses + excluded.addresses,
                                              devices = c.devices + excluded.devices;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION burgernet_population_cells_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_ARGV[0] = 'devices' THEN UPDATE population_cells SET devices = 0 WHERE devices <> 0;
  ELSE UPDATE population_cells SET addresses = 0 WHERE addresses <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER participant_addresses_cells_insert AFTER INSERT ON participant_addresses
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_population_cells_add('addresses');
CREATE TRIGGER participant_addresses_cells_delete AFTER DELETE ON participant_addresses
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_population_cells_add('addresses');
CREATE TRIGGER participant_addresses_cells_update AFTER UPDATE ON participant_addresses
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION burgernet_population_cells_add('addresses');
CREATE TRIGGER participant_addresses_cells_truncate AFTER TRUNCATE ON participant_addresses
  FOR EACH STATEMENT EXECUTE FUNCTION burgernet_population_cells_clear('addresses');
-- Bulk loads that switch triggers off (session_replication_role = replica) keep the grid right.
ALTER TABLE participant_addresses ENABLE ALWAYS TRIGGER participant_addresses_cells_insert,
  ENABLE ALWAYS TRIGGER participant_addresses_cells_delete,
  ENABLE ALWAYS TRIGGER participant_addresses_cells_update,
  ENABLE ALWAYS TRIGGER participant_addresses_cells_truncate;

CREATE TRIGGER devices_cells_insert AFTER INSERT ON devices
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_population_cells_add('devices');
CREATE TRIGGER devices_cells_delete AFTER DELETE ON devices
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_population_cells_add('devices');
CREATE TRIGGER devices_cells_update AFTER UPDATE ON devices
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION burgernet_population_cells_add('devices');
CREATE TRIGGER devices_cells_truncate AFTER TRUNCATE ON devices
  FOR EACH STATEMENT EXECUTE FUNCTION burgernet_population_cells_clear('devices');
ALTER TABLE devices ENABLE ALWAYS TRIGGER devices_cells_insert, ENABLE ALWAYS TRIGGER devices_cells_delete,
  ENABLE ALWAYS TRIGGER devices_cells_update, ENABLE ALWAYS TRIGGER devices_cells_truncate;

INSERT INTO population_cells AS c (cx, cy, addresses, devices)
SELECT cx, cy, sum(a), sum(d) FROM (
  SELECT floor(ST_X(location) / 1000)::int AS cx, floor(ST_Y(location) / 1000)::int AS cy, 1 AS a, 0 AS d
  FROM participant_addresses
  UNION ALL
  SELECT floor(ST_X(location) / 1000)::int, floor(ST_Y(location) / 1000)::int, 0, 1
  FROM devices WHERE location IS NOT NULL) m
GROUP BY 1, 2;

-- 2. Circles -------------------------------------------------------------------------------
-- `area` stays the polygon (a 128-gon for a circle) for display and for the grid; a circle's
-- members are those within radius_m of its centre.
ALTER TABLE actions ADD COLUMN center geometry(Point, 28992), ADD COLUMN radius_m float8,
  ADD CHECK ((center IS NULL) = (radius_m IS NULL));

-- Whether `location` belongs to an action's area: a circle by distance, any other by cover.
-- Inlined by the planner; callers add `location && area` (or a square) for the index.
CREATE FUNCTION burgernet_in_area(area geometry, center geometry, radius float8, location geometry)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN radius IS NULL THEN ST_Covers(area, location) ELSE ST_DWithin(center, location, radius) END
$$;

-- As 0012's, with the action's own test of its area.
DROP FUNCTION burgernet_voice_quiet_now(geometry, uuid);
CREATE FUNCTION burgernet_voice_quiet_now(action uuid, participant uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM participant_addresses pa, actions a
    WHERE a.id = action AND pa.participant_id = participant AND 'voice' = ANY (pa.channels)
      AND burgernet_in_area(a.area, a.center, a.radius_m, pa.location)
      AND burgernet_quiet_end(now(), pa.quiet_from, pa.quiet_to) IS NULL)
$$;

-- An alert's follow-up to a participant by `channel` waits, from `t`, for the earliest moment
-- any of their addresses in the area that chose the channel allows (quiet hours).
CREATE FUNCTION burgernet_alert_allowed_at(action uuid, participant uuid, channel text, t timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(min(coalesce(burgernet_quiet_end(t, pa.quiet_from, pa.quiet_to), t)), t)
  FROM participant_addresses pa, actions a
  WHERE a.id = action AND pa.participant_id = participant AND channel = ANY (pa.channels)
    AND burgernet_in_area(a.area, a.center, a.radius_m, pa.location)
$$;

-- The 1 km squares of the grid that an area touches and that hold an address or a device (a
-- square with neither has nobody to select). A circle touches a square within its radius of
-- the centre.
CREATE FUNCTION burgernet_area_cells(area geometry, center geometry, radius float8)
RETURNS TABLE (cx int, cy int, addresses int, devices int) LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT g.cx, g.cy, g.addresses, g.devices
  FROM (SELECT pc.cx, pc.cy, sum(pc.addresses)::int AS addresses, sum(pc.devices)::int AS devices
        FROM population_cells pc
        WHERE pc.cx BETWEEN floor(ST_XMin(area) / 1000)::int AND floor(ST_XMax(area) / 1000)::int
          AND pc.cy BETWEEN floor(ST_YMin(area) / 1000)::int AND floor(ST_YMax(area) / 1000)::int
        GROUP BY pc.cx, pc.cy) g
  WHERE (g.addresses > 0 OR g.devices > 0)
    AND CASE WHEN radius IS NULL
             THEN ST_Intersects(area, ST_MakeEnvelope(g.cx * 1000, g.cy * 1000, g.cx * 1000 + 1000,
                                                      g.cy * 1000 + 1000, 28992))
             ELSE ST_DWithin(center, ST_MakeEnvelope(g.cx * 1000, g.cy * 1000, g.cx * 1000 + 1000,
                                                     g.cy * 1000 + 1000, 28992), radius)
        END
$$;

-- 3. The plan: squares ---------------------------------------------------------------------
-- An unfinished fan-out of an older version goes on from nothing: marked done (as in 0011).
UPDATE actions SET fanout_done = true WHERE NOT fanout_done;
DROP TABLE action_fanout_chunks;
-- One row per chunk: the squares (or strips of a crowded square) it selects from, as four
-- parallel arrays of bounds, half-open [x0, x1) x [y0, y1) so that a point on a shared edge
-- belongs to one square only. first_row: the chunk's place within the action (its waves).
CREATE TABLE action_fanout_chunks (
  action_id uuid NOT NULL,
  chunk     int NOT NULL,
  first_row bigint NOT NULL,
  x0        float8[] NOT NULL,
  y0        float8[] NOT NULL,
  x1        float8[] NOT NULL,
  y1        float8[] NOT NULL,
  PRIMARY KEY (action_id, chunk)
);

-- 4. Updates and closings in chunks; progress counters -------------------------------------
-- A follow-up (update or closing) of a large action: written for the action's rows with
-- after_id < id <= until_id, a chunk at a time, after_id advancing in the same transaction.
-- until_id: the last delivery id when it was posted; the action rows of later fan-out chunks
-- get their follow-ups from the chunk itself.
CREATE TABLE action_jobs (
  action_id  uuid NOT NULL,
  message_id bigint NOT NULL,
  kind       message_kind NOT NULL CHECK (kind IN ('update', 'closing')),
  after_id   bigint NOT NULL,
  until_id   bigint NOT NULL,
  expiry_s   int NOT NULL DEFAULT 0,  -- a closing stays sendable at least this long
  recipients bigint NOT NULL DEFAULT 0,
  rows       bigint NOT NULL DEFAULT 0,
  cancelled  bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (action_id, message_id)
);

-- The chunks walk an action's rows in id order.
CREATE INDEX deliveries_action_message_id_idx ON deliveries (action_id, message_id, id);
DROP INDEX deliveries_action_idx;

-- Counts per action, channel and status, changed by every statement that writes deliveries
-- (one upsert per group and statement). Sharded by backend (pid % 256) so that concurrent
-- senders, of one daemon or several, do not wait on each other's counter row; GET
-- /v1/actions/{id} sums at most a few hundred rows.
CREATE TABLE action_delivery_counts (
  action_id uuid NOT NULL,
  channel   text NOT NULL,
  status    delivery_status NOT NULL,
  shard     smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (action_id, channel, status, shard)
);

CREATE FUNCTION burgernet_delivery_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k smallint := pg_backend_pid() % 256;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO action_delivery_counts AS c (action_id, channel, status, shard, n)
    SELECT action_id, channel, status, k, count(*) FROM new_rows WHERE action_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (action_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO action_delivery_counts AS c (action_id, channel, status, shard, n)
    SELECT action_id, channel, status, k, -count(*) FROM old_rows WHERE action_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (action_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO action_delivery_counts AS c (action_id, channel, status, shard, n)
    SELECT action_id, channel, status, k, sum(m.d) FROM (
      SELECT action_id, channel, status, 1 AS d FROM new_rows WHERE action_id IS NOT NULL
      UNION ALL
      SELECT action_id, channel, status, -1 FROM old_rows WHERE action_id IS NOT NULL) m
    GROUP BY 1, 2, 3 HAVING sum(m.d) <> 0
    ON CONFLICT (action_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_delivery_counts();
CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_delivery_counts();
-- (Every UPDATE: a trigger with transition tables takes no column list; a statement that
-- changes no status, such as the lease keeper's, adds nothing.)
CREATE TRIGGER deliveries_count_update AFTER UPDATE ON deliveries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION burgernet_delivery_counts();
CREATE FUNCTION burgernet_delivery_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM action_delivery_counts;
  RETURN NULL;
END $$;
CREATE TRIGGER deliveries_count_truncate AFTER TRUNCATE ON deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION burgernet_delivery_counts_clear();
ALTER TABLE deliveries ENABLE ALWAYS TRIGGER deliveries_count_insert, ENABLE ALWAYS TRIGGER deliveries_count_truncate,
  ENABLE ALWAYS TRIGGER deliveries_count_delete, ENABLE ALWAYS TRIGGER deliveries_count_update;

INSERT INTO action_delivery_counts (action_id, channel, status, shard, n)
SELECT action_id, channel, status, 0, count(*) FROM deliveries WHERE action_id IS NOT NULL GROUP BY 1, 2, 3;
