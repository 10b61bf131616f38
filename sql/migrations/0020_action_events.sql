-- 0020: progress that follows itself (issue 15, item 5; docs/architecture.md "Event streams").
--
-- 1. action_events: what happened to an action, in order, so that GET /v1/actions/{id}/events
--    can replay from a Last-Event-ID. Each row NOTIFYs 'burgernet_action_events' with its id,
--    action and event only: no text, no number, nothing personal (a tip's row holds its id).
--    Written by triggers: an update or closing posted (action_messages), the action closed or
--    expired (actions.status), a tip received (0021's tips trigger).
--    Deliveries write no event: a national action changes millions of rows; the streams read
--    the counters below at most once a second instead.
-- 2. Delivery counts per message, channel and status, kept by the same statement triggers that
--    keep action_delivery_counts (0013), so that GET /v1/actions/{id} shows each message's
--    progress by summing a few hundred rows, never by counting deliveries.
CREATE TABLE IF NOT EXISTS action_events (
  id         bigserial PRIMARY KEY,
  action_id  uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  event      text NOT NULL CHECK (event IN ('message', 'tip', 'closed', 'expired')),
  ref        text,  -- the message's id, the tip's id, the outcome
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS action_events_action_idx ON action_events (action_id, id);

CREATE OR REPLACE FUNCTION burgernet_action_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('burgernet_action_events',
                    json_build_object('id', NEW.id, 'action_id', NEW.action_id, 'event', NEW.event)::text);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS action_events_notify ON action_events;
CREATE TRIGGER action_events_notify AFTER INSERT ON action_events
  FOR EACH ROW EXECUTE FUNCTION burgernet_action_event_notify();

-- The action's own message is written with the action, before anyone can watch it.
CREATE OR REPLACE FUNCTION burgernet_message_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO action_events (action_id, event, ref) VALUES (NEW.action_id, 'message', NEW.id::text);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS action_messages_event ON action_messages;
CREATE TRIGGER action_messages_event AFTER INSERT ON action_messages
  FOR EACH ROW WHEN (NEW.kind IN ('update', 'closing')) EXECUTE FUNCTION burgernet_message_event();

CREATE OR REPLACE FUNCTION burgernet_status_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO action_events (action_id, event, ref)
  VALUES (NEW.id, NEW.status::text, CASE WHEN NEW.status = 'closed' THEN NEW.outcome::text END);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS actions_status_event ON actions;
CREATE TRIGGER actions_status_event AFTER UPDATE OF status ON actions
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('closed', 'expired'))
  EXECUTE FUNCTION burgernet_status_event();
ALTER TABLE action_messages ENABLE ALWAYS TRIGGER action_messages_event;
ALTER TABLE actions ENABLE ALWAYS TRIGGER actions_status_event;

-- 2. Per-message counts ----------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS message_delivery_counts (
  message_id bigint NOT NULL,
  channel    text NOT NULL,
  status     delivery_status NOT NULL,
  shard      smallint NOT NULL,
  n          bigint NOT NULL,
  PRIMARY KEY (message_id, channel, status, shard)
);

-- 0013's function, with the same groups written per message as well: one more upsert per group
-- and statement, from the transition tables the statement already has.
CREATE OR REPLACE FUNCTION burgernet_delivery_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k smallint := pg_backend_pid() % 256;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO action_delivery_counts AS c (action_id, channel, status, shard, n)
    SELECT action_id, channel, status, k, count(*) FROM new_rows WHERE action_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (action_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
    INSERT INTO message_delivery_counts AS c (message_id, channel, status, shard, n)
    SELECT message_id, channel, status, k, count(*) FROM new_rows WHERE message_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (message_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO action_delivery_counts AS c (action_id, channel, status, shard, n)
    SELECT action_id, channel, status, k, -count(*) FROM old_rows WHERE action_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (action_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
    INSERT INTO message_delivery_counts AS c (message_id, channel, status, shard, n)
    SELECT message_id, channel, status, k, -count(*) FROM old_rows WHERE message_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (message_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO action_delivery_counts AS c (action_id, channel, status, shard, n)
    SELECT action_id, channel, status, k, sum(m.d) FROM (
      SELECT action_id, channel, status, 1 AS d FROM new_rows WHERE action_id IS NOT NULL
      UNION ALL
      SELECT action_id, channel, status, -1 FROM old_rows WHERE action_id IS NOT NULL) m
    GROUP BY 1, 2, 3 HAVING sum(m.d) <> 0
    ON CONFLICT (action_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
    INSERT INTO message_delivery_counts AS c (message_id, channel, status, shard, n)
    SELECT message_id, channel, status, k, sum(m.d) FROM (
      SELECT message_id, channel, status, 1 AS d FROM new_rows WHERE message_id IS NOT NULL
      UNION ALL
      SELECT message_id, channel, status, -1 FROM old_rows WHERE message_id IS NOT NULL) m
    GROUP BY 1, 2, 3 HAVING sum(m.d) <> 0
    ON CONFLICT (message_id, channel, status, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION burgernet_delivery_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM action_delivery_counts;
  DELETE FROM message_delivery_counts;
  RETURN NULL;
END $$;

-- The rows already there. The lock holds the senders back for the count (seconds at national
-- scale), so that no statement is counted twice or not at all.
LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM message_delivery_counts;
INSERT INTO message_delivery_counts (message_id, channel, status, shard, n)
SELECT message_id, channel, status, 0, count(*) FROM deliveries WHERE message_id IS NOT NULL GROUP BY 1, 2, 3;
