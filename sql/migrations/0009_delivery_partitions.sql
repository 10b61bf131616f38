-- 0009: the delivery queue partitioned by month (docs/scaling.md, "Partitioned by month").
-- burgernet: requires-stopped-daemons (rewrites the deliveries table; older daemons create no partitions for the rows they insert).
--
-- `deliveries` becomes a table partitioned by range of created_at, one partition per calendar
-- month in UTC, named deliveries_YYYY_MM. Old months are dropped whole by the retention janitor
-- (retention.deliveries_months), not deleted row by row: no bloat, no vacuum debt, and the
-- queue's partial indexes stay small. The rows already there are moved in this transaction;
-- ids come from the same sequence, so they stay what they were and keep increasing.
--
-- There is no DEFAULT partition: once a default partition holds a row of a month, that month's
-- partition can no longer be created. Instead every daemon creates the current month and the
-- next ones ahead (burgernet_delivery_partitions_ensure) at start and every minute.
--
-- PostgreSQL requires the partition key in every unique key: the primary key is (id,
-- created_at). `id` alone stays unique because the sequence hands out each value once; no
-- query relies on it as a unique key (no ON CONFLICT, no foreign key references deliveries).

ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;
ALTER SEQUENCE deliveries_id_seq OWNED BY NONE;

CREATE TABLE deliveries (
  id               bigint NOT NULL DEFAULT nextval('deliveries_id_seq'),
  action_id        uuid,
  message_id       bigint,
  participant_id   uuid,
  device_id        uuid,
  channel          text NOT NULL,
  kind             message_kind NOT NULL,
  priority         smallint NOT NULL DEFAULT 0,
  status           delivery_status NOT NULL DEFAULT 'queued',
  run_after        timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz,
  attempt          int NOT NULL DEFAULT 0,
  max_attempts     int NOT NULL DEFAULT 5,
  lease_owner      text,
  lease_expires_at timestamptz,
  body             bytea,  -- only for verification messages, sealed, cleared once sent
  provider_ref     text,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  delivered_at     timestamptz,
  wave             integer NOT NULL DEFAULT 0,
  CONSTRAINT deliveries_check CHECK ((status = 'sending') = (lease_owner IS NOT NULL)),
  CONSTRAINT deliveries_check1 CHECK (kind = 'verification' OR message_id IS NOT NULL)
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE deliveries_id_seq OWNED BY deliveries.id;

-- One month's partition; false when it is there already. Bounds are midnight UTC, whatever the
-- session's time zone.
CREATE FUNCTION burgernet_delivery_partition_create(month date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', month)::date;
  name text := 'deliveries_' || to_char(first, 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF deliveries FOR VALUES FROM (%L) TO (%L)', name,
                 to_char(first, 'YYYY-MM-DD') || ' 00:00:00+00',
                 to_char(first + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
  RETURN true;
END
$$;

-- The current month (UTC) and `ahead_months` after it; returns how many were created. Several
-- daemons call it at once: an advisory lock (the same one as the drop) lets one do the DDL, the
-- others then find the partitions there. Creating a partition briefly locks `deliveries`
-- exclusively and the tables its foreign keys reference against writes; it waits at most 2 s
-- for those locks (then fails, and the next pass tries again, months ahead of need). While it
-- waits, claims queue behind it: hence the short wait.
CREATE FUNCTION burgernet_delivery_partitions_ensure(ahead_months int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  created int := 0;
BEGIN
  IF ahead_months < 0 THEN
    RAISE EXCEPTION 'burgernet_delivery_partitions_ensure: ahead_months must not be negative';
  END IF;
  -- Fast path, without any lock: every month there already (the case 99.99% of the time).
  IF NOT EXISTS (SELECT 1 FROM generate_series(0, ahead_months) AS i
                 WHERE to_regclass('deliveries_' || to_char(this_month + make_interval(months => i), 'YYYY_MM')) IS NULL) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('lock_timeout', '2s', true);
  PERFORM pg_advisory_xact_lock(7303105202612);
  -- The new partition's foreign keys lock the referenced tables too. Taking those first, in
  -- the order the API's transactions write them (an action, then its deliveries), spares us a
  -- deadlock with an action being raised.
  LOCK TABLE actions, action_messages, participants, devices IN SHARE ROW EXCLUSIVE MODE;
  LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE;
  FOR i IN 0..ahead_months LOOP
    IF burgernet_delivery_partition_create((this_month + make_interval(months => i))::date) THEN
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

-- Drops the month partitions whose whole month ended more than `older_than_months` months ago
-- (so a row is kept at least that long, and at most a month more). A partition that still
-- holds a queued or sending row is kept (dropped = false, busy = how many): the caller warns.
-- Returns one row per partition old enough, dropped or not; nothing when another daemon is
-- dropping at the same moment. Dropping locks `deliveries` exclusively for a moment; it waits
-- at most 1 s for that (claims queue behind it meanwhile), else the partition is kept until the
-- next pass (dropped = false, busy = 0).
CREATE FUNCTION burgernet_delivery_partitions_drop(older_than_months int)
RETURNS TABLE (partition_name text, month date, row_count bigint, busy bigint, dropped boolean)
LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamptz := now() - make_interval(months => older_than_months);
  p record;
BEGIN
  IF older_than_months < 1 THEN
    RAISE EXCEPTION 'burgernet_delivery_partitions_drop: older_than_months must be at least 1';
  END IF;
  FOR p IN
    SELECT c.relname::text AS name, to_date(substr(c.relname, 12), 'YYYY_MM') AS first
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'deliveries'::regclass AND c.relname ~ '^deliveries_[0-9]{4}_[0-9]{2}$'
    ORDER BY 2
  LOOP
    CONTINUE WHEN ((p.first + interval '1 month')::timestamp AT TIME ZONE 'UTC') > cutoff;
    IF NOT pg_try_advisory_xact_lock(7303105202612) THEN
      RETURN;  -- another daemon is creating or dropping partitions right now
    END IF;
    CONTINUE WHEN to_regclass(p.name) IS NULL;  -- dropped by another daemon since we listed it
    partition_name := p.name;
    month := p.first;
    -- Counted before the exclusive lock: no new row enters a past month (created_at is now()).
    EXECUTE format('SELECT count(*) FROM %I', p.name) INTO row_count;
    EXECUTE format('SELECT (SELECT count(*) FROM %1$I WHERE status = ''queued'') + '
                   '(SELECT count(*) FROM %1$I WHERE status = ''sending'')', p.name) INTO busy;
    dropped := false;
    IF busy = 0 THEN
      BEGIN
        PERFORM set_config('lock_timeout', '1s', true);
        LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE;
        EXECUTE format('SELECT (SELECT count(*) FROM %1$I WHERE status = ''queued'') + '
                       '(SELECT count(*) FROM %1$I WHERE status = ''sending'')', p.name) INTO busy;
        IF busy = 0 THEN
          EXECUTE format('DROP TABLE %I', p.name);
          dropped := true;
        END IF;
      EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
        RAISE NOTICE 'burgernet_delivery_partitions_drop: % is locked, kept until the next pass', p.name;
      END;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;

-- Every month that holds a row, up to two months ahead.
SELECT burgernet_delivery_partition_create(m::date)
FROM generate_series(
       date_trunc('month', coalesce((SELECT min(created_at) FROM deliveries_unpartitioned), now()) AT TIME ZONE 'UTC'),
       greatest(date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months',
                date_trunc('month', coalesce((SELECT max(created_at) FROM deliveries_unpartitioned), now()) AT TIME ZONE 'UTC')),
       interval '1 month') AS m;

INSERT INTO deliveries (id, action_id, message_id, participant_id, device_id, channel, kind, priority, status,
                        run_after, expires_at, attempt, max_attempts, lease_owner, lease_expires_at, body,
                        provider_ref, last_error, created_at, sent_at, delivered_at, wave)
SELECT id, action_id, message_id, participant_id, device_id, channel, kind, priority, status,
       run_after, expires_at, attempt, max_attempts, lease_owner, lease_expires_at, body,
       provider_ref, last_error, created_at, sent_at, delivered_at, wave
FROM deliveries_unpartitioned;

-- Its indexes, constraints and the NOTIFY trigger (0002) go with it.
DROP TABLE deliveries_unpartitioned;

-- After the rows are in: one index build and one foreign-key check per partition, not per row.
-- The names are those of 0001 and 0008; each partition gets its own index of each.
ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id, created_at);
CREATE INDEX deliveries_claim_idx ON deliveries (channel, priority, wave, run_after, id) WHERE status = 'queued';
CREATE INDEX deliveries_lease_idx ON deliveries (lease_expires_at) WHERE status = 'sending';
CREATE INDEX deliveries_action_idx ON deliveries (action_id, message_id);
CREATE INDEX deliveries_participant_idx ON deliveries (participant_id) WHERE participant_id IS NOT NULL;
CREATE INDEX deliveries_provider_ref_idx ON deliveries (provider_ref) WHERE provider_ref IS NOT NULL;

ALTER TABLE deliveries
  ADD CONSTRAINT deliveries_action_id_fkey FOREIGN KEY (action_id) REFERENCES actions (id) ON DELETE CASCADE,
  ADD CONSTRAINT deliveries_message_id_fkey FOREIGN KEY (message_id) REFERENCES action_messages (id) ON DELETE CASCADE,
  ADD CONSTRAINT deliveries_participant_id_fkey FOREIGN KEY (participant_id) REFERENCES participants (id) ON DELETE SET NULL,
  ADD CONSTRAINT deliveries_device_id_fkey FOREIGN KEY (device_id) REFERENCES devices (id) ON DELETE SET NULL;

-- A statement-level trigger on the partitioned table fires once per INSERT, whichever
-- partitions the rows went to.
CREATE TRIGGER deliveries_notify
  AFTER INSERT ON deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION burgernet_notify_deliveries();
