-- 0004: the fan-out plan of a large action (SPEC "Promises of speed"). Participant ids are
-- random (gen_random_uuid), so the uuid space cut into `fanout_slices` equal ranges on its
-- first 32 bits gives chunks of about equal size, each participant in exactly one of them.
-- The worker writes slice `fanout_next_slice` and advances it in the same transaction, so a
-- crash repeats nothing and skips nothing.

ALTER TABLE actions
  ADD COLUMN fanout_slices     int NOT NULL DEFAULT 1 CHECK (fanout_slices BETWEEN 1 AND 65536),
  ADD COLUMN fanout_next_slice int NOT NULL DEFAULT 0 CHECK (fanout_next_slice >= 0);

CREATE INDEX actions_fanout_pending_idx ON actions (created_at) WHERE NOT fanout_done;
