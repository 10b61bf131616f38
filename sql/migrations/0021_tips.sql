-- 0021: tips from participants, linked to an action (issue 15, docs/privacy.md "Tips").
-- A tip is personal data: its text, the sender's number and its photo are sealed with the
-- personal-data keys (AES-256-GCM, as in 0006); the database alone holds no readable tip.
-- Rows go with their action (ON DELETE CASCADE), with their participant's erasure (ON DELETE
-- CASCADE: erasing a person erases what they told us), and after retention.tips_days.
--
-- source: 'sms' (Twilio's inbound webhook; phone_sealed set) or 'app' (the app back end).
-- photo_sealed: the image with its metadata (Exif, XMP, text chunks) already stripped.
CREATE TABLE IF NOT EXISTS tips (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  action_id      uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  source         text NOT NULL CHECK (source IN ('sms', 'app')),
  participant_id uuid REFERENCES participants (id) ON DELETE CASCADE,
  text_sealed    bytea NOT NULL,
  phone_sealed   bytea,
  photo_type     text CHECK (photo_type IN ('image/jpeg', 'image/png')),
  photo_sealed   bytea,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((photo_type IS NULL) = (photo_sealed IS NULL))
);
-- Newest first per action (GET /v1/actions/{id}/tips and its cursor).
CREATE INDEX IF NOT EXISTS tips_action_idx ON tips (action_id, created_at DESC, id DESC);
-- The retention purge, oldest first.
CREATE INDEX IF NOT EXISTS tips_created_idx ON tips (created_at);
CREATE INDEX IF NOT EXISTS tips_participant_idx ON tips (participant_id) WHERE participant_id IS NOT NULL;

-- Every new tip is an event of its action (migration 0020's action_events, whose trigger
-- NOTIFYs the event streams): the tip's id only, no personal data.
CREATE OR REPLACE FUNCTION burgernet_tip_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO action_events (action_id, event, ref) VALUES (NEW.action_id, 'tip', NEW.id::text);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS tips_event ON tips;
CREATE TRIGGER tips_event AFTER INSERT ON tips FOR EACH ROW EXECUTE FUNCTION burgernet_tip_event();
