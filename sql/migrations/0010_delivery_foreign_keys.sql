-- 0010: no foreign keys on the delivery queue (docs/scaling.md, "Fan-out").
--
-- Each delivery row referenced its action, message, participant and device. PostgreSQL checks a
-- foreign key with one lookup per inserted row and key, so writing the 4,764 rows of a 300 m
-- circle on the Dam spent 285 ms in the four checks against 37 ms for the insert itself
-- (EXPLAIN ANALYZE at 3,000,000 participants): most of a small action's POST, and so most of
-- its time to first message. The rows are written by one statement that reads the action, its
-- message and the active participants and devices it points to, in the same transaction, so
-- the checks could never fail.
--
-- What the keys did on delete is done here instead:
-- - participants: an erasure (and the janitor's purge of unverified sign-ups) cleared
--   participant_id and device_id of the rows left (ON DELETE SET NULL). A statement trigger
--   does it now, for all deleted participants at once, over deliveries_participant_idx.
--   Devices are only ever deleted with their participant, so their rows are covered by it.
-- - actions and action messages are never deleted (statistics and the audit need them).
-- A row written by a fan-out chunk that was already reading when an erasure committed keeps the
-- erased participant's id, which points to nothing: the sender finds no address and marks it
-- failed ("no address"), as it did for rows whose participant was set to NULL.

DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN SELECT conname FROM pg_constraint
            WHERE conrelid = 'deliveries'::regclass AND contype = 'f' AND conparentid = 0
  LOOP
    EXECUTE format('ALTER TABLE deliveries DROP CONSTRAINT %I', fk.conname);
  END LOOP;
END;
$$;

-- A new month's partition no longer has foreign keys to create, so it no longer needs to lock
-- the tables they referenced (0009): raising actions and erasing participants go on while it
-- is created. Otherwise the same function.
CREATE OR REPLACE FUNCTION burgernet_delivery_partitions_ensure(ahead_months int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  created int := 0;
BEGIN
  IF ahead_months < 0 THEN
    RAISE EXCEPTION 'burgernet_delivery_partitions_ensure: ahead_months must not be negative';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM generate_series(0, ahead_months) AS i
                 WHERE to_regclass('deliveries_' || to_char(this_month + make_interval(months => i), 'YYYY_MM')) IS NULL) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('lock_timeout', '2s', true);
  PERFORM pg_advisory_xact_lock(7303105202612);
  LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE;
  FOR i IN 0..ahead_months LOOP
    IF burgernet_delivery_partition_create((this_month + make_interval(months => i))::date) THEN
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

CREATE FUNCTION burgernet_forget_deleted_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE deliveries d SET participant_id = NULL, device_id = NULL
  FROM gone WHERE d.participant_id = gone.id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER participants_forget_deliveries
  AFTER DELETE ON participants
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION burgernet_forget_deleted_participants();
