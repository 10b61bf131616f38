-- 0003: sign-up by someone who may already be registered. A number is unique among active
-- participants only: a new sign-up with a registered number gets the same answer as any other
-- (nothing tells a caller that the number is known) and, once its code is verified, replaces
-- the older registration, since whoever holds the phone has proved it is theirs.

DROP INDEX participants_phone_key;
CREATE UNIQUE INDEX participants_active_phone_key ON participants (phone) WHERE status = 'active';
CREATE INDEX participants_phone_idx ON participants (phone);
CREATE INDEX participants_pending_idx ON participants (created_at) WHERE status = 'pending_verification';
