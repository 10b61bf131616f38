-- 0017: the four outcomes of an action, and what GET /v1/stats reads without counting
-- deliveries (docs/statistics.md).
--
-- 1. Outcomes: 'resolved_by_tip' (solved thanks to participants, the figure Burgernet is
--    judged by), 'resolved', 'unresolved', 'cancelled'. Old rows keep 'resolved' and
--    'unresolved'. ADD VALUE runs inside migrate's transaction (PostgreSQL 12 and later allow
--    it); nothing in this file uses the new values, which only become usable at its COMMIT.
-- 2. Sign-ups per month, counted as participants become active (verified or imported), so that
--    an erasure later does not take its sign-up out of the history. Erasures were counted
--    per month already (participant_erasures, 0001). Neither holds anything personal.
-- 3. When an action was first and last sent, as it stood at the close: action_sends moves on
--    with the closing messages, which are not what "time to the last message" means.

ALTER TYPE action_outcome ADD VALUE IF NOT EXISTS 'resolved_by_tip' BEFORE 'resolved';
ALTER TYPE action_outcome ADD VALUE IF NOT EXISTS 'cancelled';

-- 2. Sign-ups --------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS participant_signups (
  month     date PRIMARY KEY,  -- the first day of the month, Europe/Amsterdam
  signed_up int NOT NULL DEFAULT 0
);

-- Statement-level, like the population grid (0013): a bulk import of millions is one upsert
-- per month, not one per row.
CREATE OR REPLACE FUNCTION burgernet_participant_signups_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO participant_signups AS s (month, signed_up)
    SELECT date_trunc('month', now() AT TIME ZONE 'Europe/Amsterdam')::date, count(*)
    FROM new_rows WHERE status = 'active' HAVING count(*) > 0
    ON CONFLICT (month) DO UPDATE SET signed_up = s.signed_up + excluded.signed_up;
  ELSE
    INSERT INTO participant_signups AS s (month, signed_up)
    SELECT date_trunc('month', now() AT TIME ZONE 'Europe/Amsterdam')::date, count(*)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.status = 'active' AND o.status <> 'active' HAVING count(*) > 0
    ON CONFLICT (month) DO UPDATE SET signed_up = s.signed_up + excluded.signed_up;
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS participants_signups_insert ON participants;
CREATE TRIGGER participants_signups_insert AFTER INSERT ON participants
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION burgernet_participant_signups_count();
DROP TRIGGER IF EXISTS participants_signups_update ON participants;
CREATE TRIGGER participants_signups_update AFTER UPDATE ON participants
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION burgernet_participant_signups_count();
ALTER TABLE participants ENABLE ALWAYS TRIGGER participants_signups_insert,
  ENABLE ALWAYS TRIGGER participants_signups_update;

-- The participants already active, by the month they became so (their sign-up, if older).
INSERT INTO participant_signups (month, signed_up)
SELECT date_trunc('month', coalesce(verified_at, created_at) AT TIME ZONE 'Europe/Amsterdam')::date, count(*)
FROM participants WHERE status = 'active'
GROUP BY 1
ON CONFLICT (month) DO NOTHING;

-- 3. Send times at the close -----------------------------------------------------------------
-- No foreign key, as action_sends (0008): a KEY SHARE lock on the action is not wanted here.
CREATE TABLE IF NOT EXISTS action_send_times_at_close (
  action_id     uuid PRIMARY KEY,
  first_sent_at timestamptz NOT NULL,
  last_sent_at  timestamptz NOT NULL
);
-- Actions closed before this migration: what was sent after the close was the closing.
INSERT INTO action_send_times_at_close (action_id, first_sent_at, last_sent_at)
SELECT s.action_id, s.first_sent_at, greatest(s.first_sent_at, least(s.last_sent_at, a.closed_at))
FROM action_sends s JOIN actions a ON a.id = s.action_id
WHERE a.closed_at IS NOT NULL
ON CONFLICT (action_id) DO NOTHING;


-- 4. Participants per channel and per municipality, as last counted ------------------------
-- Counting them reads every address (3 million and more at national scale, ~17 s), so
-- GET /v1/stats counts them at most every ten minutes, one statement at a time, and reads this
-- table otherwise (action_stats.cpp). `scope`: 'national' or an area's code.
CREATE TABLE IF NOT EXISTS participant_counts (
  scope        text NOT NULL,
  dimension    text NOT NULL CHECK (dimension IN ('channel', 'municipality')),
  key          text NOT NULL,
  participants bigint NOT NULL,
  PRIMARY KEY (scope, dimension, key)
);
CREATE TABLE IF NOT EXISTS participant_counts_taken (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  counted_at timestamptz NOT NULL
);
