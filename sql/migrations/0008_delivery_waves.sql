-- 0008: fairness between actions in the delivery queue (docs/scaling.md, "First message").
-- burgernet: requires-stopped-daemons (drops actions.first_sent_at/last_sent_at, which older daemons write).
--
-- The claim took the oldest due row first, so the rows of an action raised while a large one
-- was being sent queued behind the whole tail of the large one (1.45 s to the first message
-- at 300,000 participants). Every delivery row now carries its wave: its place within the
-- rows its action wrote, in blocks of 100 (0 for the first hundred). The claim orders by
-- priority, then wave, then age, so the first hundred rows of every action go before the
-- 101st of any other: the actions take turns, one block each, and a new action's first
-- messages wait for at most one block of each action already sending.
--
-- Rows written before this migration are wave 0 (the old order among them). A large action's
-- chunks go on counting where the chunk before stopped (actions.fanout_rows).

ALTER TABLE deliveries ADD COLUMN wave integer NOT NULL DEFAULT 0;

DROP INDEX deliveries_claim_idx;
CREATE INDEX deliveries_claim_idx ON deliveries (channel, priority, wave, run_after, id) WHERE status = 'queued';

ALTER TABLE actions ADD COLUMN fanout_rows bigint NOT NULL DEFAULT 0;

-- When an action was first and last sent, out of the actions row: the senders updated it after
-- every batch and waited behind the fan-out chunk that holds that row (FOR UPDATE) for a whole
-- chunk, with the rows of every other action in their hands. No foreign key either: inserting
-- a referencing row would take a KEY SHARE lock on the action, which conflicts with FOR UPDATE
-- just the same. Rows of deleted actions are harmless (action ids are never reused).
CREATE TABLE action_sends (
  action_id     uuid PRIMARY KEY,
  first_sent_at timestamptz NOT NULL,
  last_sent_at  timestamptz NOT NULL
);
INSERT INTO action_sends (action_id, first_sent_at, last_sent_at)
SELECT id, first_sent_at, coalesce(last_sent_at, first_sent_at) FROM actions WHERE first_sent_at IS NOT NULL;
ALTER TABLE actions DROP COLUMN first_sent_at, DROP COLUMN last_sent_at;
