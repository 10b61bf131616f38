-- 0019: the codes of the `areas` rows (municipalities, police units) that hold an action's centre,
-- so that the sender can pick the police region of config `regions` (its call-back number and
-- sender name: docs/configuration.md, "regions") from the claimed row alone, with no query per
-- delivery, and a SIGHUP that changes `regions` applies to the next message without touching
-- the database.
--
-- The centre is a circle's `center`, or else a point on the area's surface (ST_PointOnSurface:
-- a centroid may fall outside a concave or split area). Set by a trigger whenever the area is
-- written, so an update that moves or widens the area (issue 15) keeps it right without any
-- change to the code that writes actions. Areas imported later do not change existing actions.
ALTER TABLE actions ADD COLUMN IF NOT EXISTS centre_areas text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION burgernet_centre_areas(area geometry, center geometry) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(a.code ORDER BY a.code), '{}')
  FROM areas a WHERE ST_Covers(a.geom, coalesce(center, ST_PointOnSurface(area)))
$$;

CREATE OR REPLACE FUNCTION burgernet_actions_centre_areas() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.centre_areas := burgernet_centre_areas(NEW.area, NEW.center);
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS actions_centre_areas ON actions;
CREATE TRIGGER actions_centre_areas BEFORE INSERT OR UPDATE OF area, center ON actions
  FOR EACH ROW EXECUTE FUNCTION burgernet_actions_centre_areas();

-- Old rows: their region for the messages still to send, and for the statistics.
UPDATE actions SET centre_areas = burgernet_centre_areas(area, center) WHERE centre_areas = '{}';
