-- 0007: what the retention janitor needs (docs/privacy.md, "How long").
--
-- A participant who changes their number is pending again until they verify it, exactly like
-- a new sign-up; only a sign-up that was never verified may be purged. `was_active` remembers
-- that a participant has been active once, whichever path made it so (verification, bulk
-- import, a test's INSERT): a trigger sets it, so no code path can forget to.
ALTER TABLE participants ADD COLUMN was_active boolean NOT NULL DEFAULT false;
UPDATE participants SET was_active = true WHERE status = 'active' OR verified_at IS NOT NULL;

CREATE FUNCTION participants_remember_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'active' THEN
    NEW.was_active := true;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER participants_was_active
  BEFORE INSERT OR UPDATE OF status ON participants
  FOR EACH ROW EXECUTE FUNCTION participants_remember_active();

-- Pending sign-ups never verified, oldest first (replaces the index of 0003 on the same rows).
DROP INDEX participants_pending_idx;
CREATE INDEX participants_pending_idx ON participants (created_at)
  WHERE status = 'pending_verification' AND NOT was_active;

-- Stale device locations, oldest first, without scanning every device each minute.
CREATE INDEX devices_location_at_idx ON devices (location_at) WHERE location_at IS NOT NULL;

-- Expired verification codes.
CREATE INDEX verification_codes_expires_idx ON verification_codes (expires_at);
