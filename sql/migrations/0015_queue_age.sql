-- 0015: how long the queue's longest-waiting row has waited, per channel, for the metric
-- burgernet_queue_oldest_due_seconds and its alert (docs/alerts.md), without reading the queue.
--
-- The claim index orders by priority and wave before run_after, so the earliest run_after of a
-- channel is not its first entry: finding it there reads every wave of a national action. This
-- one gives it as the first entry of each month's index (a Merge Append of a few index scans,
-- whatever the queue's size). Only queued rows are in it, as in the claim index.
-- A plain CREATE INDEX: it holds off writes to deliveries while it is built (seconds for
-- millions of queued rows); migrate with the daemons stopped or when the queue is quiet.
CREATE INDEX deliveries_queued_due_idx ON deliveries (channel, run_after) WHERE status = 'queued';
