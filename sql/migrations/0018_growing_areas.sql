-- 0018: an update may grow the area of a running action (issue 15, item 3). The action keeps
-- its first area (`actions.area`, which its own fan-out plan selects in); each update with an
-- area is a row here, and reaches only the people no earlier area of the action holds. The
-- current area is the newest row, or the action's own when there is none.
CREATE TABLE IF NOT EXISTS action_areas (
  message_id   bigint PRIMARY KEY REFERENCES action_messages (id) ON DELETE CASCADE,  -- the update
  action_id    uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  area_request jsonb NOT NULL,                -- the area as the operator sent it
  area         geometry(Geometry, 28992) NOT NULL,
  center       geometry(Point, 28992),        -- a circle selects by distance (0013)
  radius_m     float8,
  chunks       int NOT NULL DEFAULT 0,        -- its fan-out plan, as the action's own (0013)
  next_chunk   int NOT NULL DEFAULT 0,
  done         boolean NOT NULL DEFAULT false,
  recipients   bigint NOT NULL DEFAULT 0,     -- the new people it reached
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((center IS NULL) = (radius_m IS NULL))
);
CREATE INDEX IF NOT EXISTS action_areas_action_idx ON action_areas (action_id, message_id);
CREATE INDEX IF NOT EXISTS action_areas_pending_idx ON action_areas (created_at) WHERE NOT done;

-- The squares of a grown area not written yet, as action_fanout_chunks for the action's own.
CREATE TABLE IF NOT EXISTS action_area_chunks (
  message_id bigint NOT NULL REFERENCES action_areas (message_id) ON DELETE CASCADE,
  chunk      int NOT NULL,
  first_row  bigint NOT NULL,
  x0         float8[] NOT NULL,
  y0         float8[] NOT NULL,
  x1         float8[] NOT NULL,
  y1         float8[] NOT NULL,
  PRIMARY KEY (message_id, chunk)
);

-- A new person's action row carries the update that reached them: the sender appends its text
-- to the action's, one message per channel. NULL on every older row.
ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS appended_message_id bigint;

-- Whether a location lies in any area the action grew to (the action's own is tested by the
-- caller with burgernet_in_area).
CREATE OR REPLACE FUNCTION burgernet_in_grown_area(action uuid, location geometry) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT EXISTS (SELECT 1 FROM action_areas g
                 WHERE g.action_id = action AND burgernet_in_area(g.area, g.center, g.radius_m, location))
$$;

-- As 0014's and 0013's, with the addresses in grown areas too: a person the growth reached is
-- held to the quiet hours of the address that brought them in.
CREATE OR REPLACE FUNCTION burgernet_quiet_now(action uuid, participant uuid, form text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM participant_addresses pa, actions a
    WHERE a.id = action AND pa.participant_id = participant AND form = ANY (pa.channels)
      AND (burgernet_in_area(a.area, a.center, a.radius_m, pa.location) OR burgernet_in_grown_area(a.id, pa.location))
      AND burgernet_quiet_end(now(), pa.quiet_from, pa.quiet_to) IS NULL)
$$;

CREATE OR REPLACE FUNCTION burgernet_alert_allowed_at(action uuid, participant uuid, channel text, t timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(min(coalesce(burgernet_quiet_end(t, pa.quiet_from, pa.quiet_to), t)), t)
  FROM participant_addresses pa, actions a
  WHERE a.id = action AND pa.participant_id = participant AND channel = ANY (pa.channels)
    AND (burgernet_in_area(a.area, a.center, a.radius_m, pa.location) OR burgernet_in_grown_area(a.id, pa.location))
$$;
