-- 0004: the fan-out plan of a large action (SPEC "Promises of speed"). Participant ids are
-- random (gen_random_uuid), so the uuid space cut into `fanout_slices` equal ranges on its
-- first 32 bits gives chunks of about equal size, each participant in exactly one of them.
-- The worker writes slice `fanout_next_slice` and advances it in the same transaction, so a
-- crash repeats nothing and skips nothing.

ALTER TABLE actions
  ADD COLUMN fanout_slices     int NOT NULL DEFAULT 1 CHECK (fanout_slices BETWEEN 1 AND 65536),
  ADD COLUMN fanout_next_slice int NOT NULL DEFAULT 0 CHECK (fanout_next_slice >= 0);

CREATE INDEX actions_fanout_pending_idx ON actions (created_at) WHERE NOT fanout_done;

-- When a message may reach an address with quiet hours [quiet_from, quiet_to) in
-- Europe/Amsterdam, asked at instant t: NULL when t is outside them (send at t), otherwise the
-- instant they end. A window with from > to crosses midnight (23:00-07:00). The local end
-- time is turned back into an instant by AT TIME ZONE, with the offset in force on that day,
-- so the answer stays right across DST changes. A single SELECT without FROM: the planner
-- inlines it into the selection query.
CREATE FUNCTION burgernet_quiet_end(t timestamptz, quiet_from time, quiet_to time) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
           WHEN quiet_from IS NULL OR quiet_to IS NULL OR quiet_from = quiet_to THEN NULL
           WHEN CASE WHEN quiet_from < quiet_to
                       THEN (t AT TIME ZONE 'Europe/Amsterdam')::time >= quiet_from
                            AND (t AT TIME ZONE 'Europe/Amsterdam')::time < quiet_to
                     ELSE (t AT TIME ZONE 'Europe/Amsterdam')::time >= quiet_from
                          OR (t AT TIME ZONE 'Europe/Amsterdam')::time < quiet_to
                END
           THEN (CASE WHEN (t AT TIME ZONE 'Europe/Amsterdam')::time < quiet_to
                        THEN (t AT TIME ZONE 'Europe/Amsterdam')::date + quiet_to
                      ELSE (t AT TIME ZONE 'Europe/Amsterdam')::date + 1 + quiet_to
                 END) AT TIME ZONE 'Europe/Amsterdam'
         END
$$;
