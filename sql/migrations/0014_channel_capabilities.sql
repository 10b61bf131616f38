-- What the action queries repeated, said once, and the channel table they read instead of
-- channel names (issue 11). The daemon passes its personal channels as jsonb,
-- {"<channel>": {"form": "sms"|"voice"|"push"|"email", "calls": bool, "devices": bool}}: a
-- participant's address lists the forms they chose, and the channel serving a form reaches them,
-- whatever it is called. No table: several daemons may run different configurations meanwhile
-- (a rolling change), and each asks with its own.

-- The channel table as rows.
CREATE FUNCTION burgernet_channel_table(channels jsonb)
RETURNS TABLE (channel text, form text, calls boolean, devices boolean)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT c.key, c.value ->> 'form', coalesce((c.value ->> 'calls')::boolean, false),
         coalesce((c.value ->> 'devices')::boolean, false)
  FROM jsonb_each(channels) c
$$;

-- Messages of urgent actions go before those of alerts (SPEC.md, "Selection rules").
CREATE FUNCTION burgernet_priority(kind action_kind) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE kind WHEN 'urgent' THEN 0 ELSE 1 END)::smallint
$$;

-- An urgent action calls nobody inside their quiet hours (its other channels still go); an
-- alert's messages wait for the hours to end instead (run_after), so nothing is forbidden.
-- Inlined by the planner, so `in_quiet` is evaluated only for a channel that calls.
CREATE FUNCTION burgernet_quiet_forbids(kind action_kind, calls boolean, in_quiet boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT kind = 'urgent' AND calls AND in_quiet
$$;

-- Whether every address of the participant in the action's area that chose `form` is inside
-- its quiet hours now (0013's burgernet_voice_quiet_now, for any form).
CREATE FUNCTION burgernet_quiet_now(action uuid, participant uuid, form text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM participant_addresses pa, actions a
    WHERE a.id = action AND pa.participant_id = participant AND form = ANY (pa.channels)
      AND burgernet_in_area(a.area, a.center, a.radius_m, pa.location)
      AND burgernet_quiet_end(now(), pa.quiet_from, pa.quiet_to) IS NULL)
$$;

-- A channel's max_attempts from the daemon's {"<channel>": n} ($4 of the fan-out queries).
CREATE FUNCTION burgernet_max_attempts(attempts jsonb, channel text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce((attempts ->> channel)::int, 5)
$$;
