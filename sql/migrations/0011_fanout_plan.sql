-- 0011: a large action's fan-out plan holds its selected rows (docs/scaling.md, "Fan-out").
-- burgernet: requires-stopped-daemons (renames and drops the actions.fanout_* columns older daemons' fan-out reads and writes).
--
-- A large action was cut into slices of the participant id space, and every chunk ran the whole
-- selection again for its slices. A slice's participants are spread over every heap page of the
-- area, so each chunk read the whole area once more, and the POST had read it once already to
-- count the recipients: a 200,000-recipient action read its area eight times (2.9x a bare
-- INSERT ... SELECT at 3,000,000 participants). Now the POST runs the selection once and keeps
-- what it selected, cut into chunks of rows; a chunk only unnests its arrays into delivery rows.
--
-- One row per chunk, four parallel arrays (a device id is NULL for a row that is not a push).
-- The rows are gone once written: the table holds only the unwritten part of unfinished
-- fan-outs. No foreign key, for the reason given in 0008 for action_sends.

CREATE TABLE action_fanout_chunks (
  action_id       uuid NOT NULL,
  chunk           int NOT NULL,
  first_row       bigint NOT NULL,  -- the place of the chunk's first row within the action (its wave)
  participant_ids uuid[] NOT NULL,
  device_ids      uuid[] NOT NULL,
  channels        text[] NOT NULL,
  run_afters      timestamptz[] NOT NULL,
  PRIMARY KEY (action_id, chunk)
);

ALTER TABLE actions RENAME COLUMN fanout_slices TO fanout_chunks;
ALTER TABLE actions RENAME COLUMN fanout_next_slice TO fanout_next_chunk;
ALTER TABLE actions DROP COLUMN fanout_rows;
-- An action written inline has no chunks (it had one slice, the whole id space).
ALTER TABLE actions DROP CONSTRAINT actions_fanout_slices_check,
  ADD CONSTRAINT actions_fanout_chunks_check CHECK (fanout_chunks >= 0);

-- An action still fanning out when this migration runs goes on from its plan, which is empty:
-- it is marked done (what was written is sent; a crash in the middle of an upgrade is the
-- only way to get here, and the operator sees the recipients count and the rows written).
UPDATE actions SET fanout_done = true WHERE NOT fanout_done;
