-- 0012: an update or closing follows its action message; a provider's receipt may come first.
--
-- parent_id: the action delivery (same participant, channel and device) that an update or a
-- closing follows. The claim sends it only once that delivery was sent or delivered, waits while
-- it is queued or being sent, and cancels it when it failed, expired or was cancelled: closings
-- and updates reach exactly those who were sent the action, including rows in flight at the
-- close (SPEC "Selection rules"). NULL on action messages, broadcasts and verifications.
--
-- receipt: a provider's status callback (Twilio) that arrived while its delivery was still
-- 'sending' (the provider answered our request, we had not yet written the outcome). The
-- completion applies it: 'delivered', or 'failed' followed by the provider's reason.
--
-- Both nullable without a default: adding them rewrites no partition.
--
-- From this version on a row's wave (0008) is its place within its action, not its block of
-- 100 (sql/queries/actions.sql): the actions take turns one row at a time, so a new action's
-- first message no longer waits for up to 100 messages of each action already sending.
ALTER TABLE deliveries ADD COLUMN parent_id bigint;
ALTER TABLE deliveries ADD COLUMN receipt text;

-- True when none of the participant's addresses inside `area` that chose voice may be called
-- now: an urgent action's update follows the first message's rule (no call in quiet hours).
CREATE FUNCTION burgernet_voice_quiet_now(area geometry, participant uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM participant_addresses pa
    WHERE pa.participant_id = participant AND 'voice' = ANY (pa.channels) AND ST_Covers(area, pa.location)
      AND burgernet_quiet_end(now(), pa.quiet_from, pa.quiet_to) IS NULL)
$$;
