-- 0006: personal data at rest (docs/privacy.md). Phone numbers and e-mail addresses are
-- burgernet: requires-stopped-daemons (drops participants.phone/email and devices.push_token, which older daemons read and write).
-- stored sealed (AES-256-GCM, privacy/personal_data_keys.hpp) and found by a keyed hash of the
-- E.164 number (HMAC-SHA256); push tokens and verification texts (they carry a code) are
-- sealed too. The
-- database alone no longer holds a readable list of people.
--
-- The keys live in files the database never sees, so this migration cannot seal rows that are
-- already there: it refuses to run on a database with participants (no release ever stored
-- them in clear).

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM participants) THEN
    RAISE EXCEPTION 'migration 0006 needs an empty participants table: phone numbers are sealed with keys the database does not hold';
  END IF;
END $$;

ALTER TABLE participants
  DROP COLUMN phone,
  DROP COLUMN email,
  ADD COLUMN phone_sealed bytea NOT NULL,
  ADD COLUMN phone_lookup bytea NOT NULL,
  ADD COLUMN email_sealed bytea;
CREATE UNIQUE INDEX participants_active_phone_key ON participants (phone_lookup) WHERE status = 'active';
CREATE INDEX participants_phone_lookup_idx ON participants (phone_lookup);

ALTER TABLE devices
  DROP COLUMN push_token,
  ADD COLUMN push_token_sealed bytea NOT NULL;

ALTER TABLE deliveries ALTER COLUMN body TYPE bytea USING NULL;
