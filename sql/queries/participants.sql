-- Participants, their addresses, verification codes and devices.

-- name: ParticipantInsert :one
-- The number and e-mail come sealed, with the keyed hash of the number (migration 0006).
INSERT INTO participants (phone_sealed, phone_lookup, phone_mobile, email_sealed, language)
VALUES ($1::bytea, $2::bytea, $3::boolean, $4::bytea, $5)
RETURNING id;

-- name: ParticipantAddressesInsert :exec
-- $2: [{position, label?, lat?, lon?, x?, y?, channels, quiet_from?, quiet_to?}]; a point comes
-- either in WGS 84 (lat, lon) or in RD New (x, y) and is stored in RD New.
INSERT INTO participant_addresses (participant_id, position, label, location, channels, quiet_from, quiet_to)
SELECT $1::uuid, r.position, r.label,
       CASE WHEN r.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.x, r.y), 28992)
            ELSE ST_Transform(ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), 28992) END,
       r.channels, r.quiet_from, r.quiet_to
FROM jsonb_to_recordset($2::jsonb)
  AS r(position smallint, label text, lat float8, lon float8, x float8, y float8, channels text[],
       quiet_from time, quiet_to time);

-- name: ParticipantAddressesDelete :exec
DELETE FROM participant_addresses WHERE participant_id = $1::uuid;

-- name: ParticipantLock :one
SELECT status::text, phone_lookup, phone_mobile FROM participants WHERE id = $1::uuid FOR UPDATE;

-- name: ParticipantGet :one
SELECT p.id, p.status::text, p.phone_sealed, p.email_sealed, p.language,
       to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
       to_char(p.verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS verified_at,
       (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                  'label', a.label,
                  'lat', round(ST_Y(ST_Transform(a.location, 4326))::numeric, 6),
                  'lon', round(ST_X(ST_Transform(a.location, 4326))::numeric, 6),
                  'x', round(ST_X(a.location)::numeric, 1),
                  'y', round(ST_Y(a.location)::numeric, 1),
                  'channels', to_jsonb(a.channels),
                  'quiet_hours', CASE WHEN a.quiet_from IS NOT NULL THEN jsonb_build_object(
                                   'from', to_char(a.quiet_from, 'HH24:MI'), 'to', to_char(a.quiet_to, 'HH24:MI'))
                                 END)) ORDER BY a.position), '[]'::jsonb)
        FROM participant_addresses a WHERE a.participant_id = p.id)::text AS addresses,
       (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                  'device_id', d.id,
                  'platform', d.platform,
                  'created_at', to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                  'location_at', to_char(d.location_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                  'disabled', d.disabled_at IS NOT NULL)) ORDER BY d.created_at), '[]'::jsonb)
        FROM devices d WHERE d.participant_id = p.id)::text AS devices
FROM participants p WHERE p.id = $1::uuid;

-- name: ParticipantUpdate :one
-- NULL leaves a field as it is; $5 true removes the e-mail address. A new number ($7, its
-- keyed hash) must be verified again, and the participant gets nothing until it is.
UPDATE participants
SET phone_sealed = coalesce($2::bytea, phone_sealed),
    phone_lookup = coalesce($7::bytea, phone_lookup),
    phone_mobile = coalesce($3::boolean, phone_mobile),
    status = CASE WHEN $7::bytea IS NOT NULL AND $7::bytea <> phone_lookup
                  THEN 'pending_verification'::participant_status ELSE status END,
    verified_at = CASE WHEN $7::bytea IS NOT NULL AND $7::bytea <> phone_lookup THEN NULL ELSE verified_at END,
    email_sealed = CASE WHEN $5::boolean THEN NULL ELSE coalesce($4::bytea, email_sealed) END,
    language = coalesce($6, language),
    updated_at = now()
WHERE id = $1::uuid
RETURNING status::text;

-- name: ParticipantChannelConflicts :one
-- What a change left inconsistent: an SMS to a number that takes calls only, an e-mail without address.
SELECT coalesce(bool_or('sms' = ANY (a.channels)) AND NOT p.phone_mobile, false) AS sms_without_mobile,
       coalesce(bool_or('email' = ANY (a.channels)) AND p.email_sealed IS NULL, false) AS email_without_address
FROM participants p LEFT JOIN participant_addresses a ON a.participant_id = p.id
WHERE p.id = $1::uuid
GROUP BY p.phone_mobile, p.email_sealed;

-- name: VerificationCodeUpsert :exec
-- One live code per participant: a new one replaces the old and its count of tries.
INSERT INTO verification_codes (participant_id, code_hash, attempts, expires_at)
VALUES ($1::uuid, $2::bytea, 0, now() + make_interval(secs => $3::int))
ON CONFLICT (participant_id) DO UPDATE
SET code_hash = EXCLUDED.code_hash, attempts = 0, expires_at = EXCLUDED.expires_at, created_at = now();

-- name: VerificationCodeAge :one
SELECT extract(epoch FROM now() - created_at)::float8 FROM verification_codes WHERE participant_id = $1::uuid;

-- name: VerificationDeliveriesCancel :exec
UPDATE deliveries SET status = 'cancelled', body = NULL
WHERE participant_id = $1::uuid AND kind = 'verification' AND status = 'queued';

-- name: VerificationDeliveryInsert :exec
-- The text, sealed, is kept only until it is sent (DeliveriesMarkSent clears it), and expires
-- with the code.
INSERT INTO deliveries (participant_id, channel, kind, priority, body, expires_at, max_attempts)
VALUES ($1::uuid, $2, 'verification', 0, $3::bytea, now() + make_interval(secs => $4::int), $5::int);

-- name: VerificationCodeLock :one
SELECT code_hash, attempts, expires_at > now() AS live
FROM verification_codes WHERE participant_id = $1::uuid FOR UPDATE;

-- name: VerificationCodeFailedTry :one
UPDATE verification_codes SET attempts = attempts + 1 WHERE participant_id = $1::uuid RETURNING attempts;

-- name: VerificationCodeDelete :exec
DELETE FROM verification_codes WHERE participant_id = $1::uuid;

-- name: ParticipantActivate :exec
UPDATE participants SET status = 'active', verified_at = now(), updated_at = now() WHERE id = $1::uuid;

-- name: ParticipantsActiveWithPhone :many
-- The older registrations a verified sign-up replaces.
SELECT id FROM participants WHERE phone_lookup = $1::bytea AND status = 'active' AND id <> $2::uuid;

-- name: ParticipantEraseDeliveries :exec
-- What is still waiting goes with the person; what was sent stays as an anonymous count
-- (deliveries.participant_id is set to NULL by the foreign key).
DELETE FROM deliveries WHERE participant_id = $1::uuid AND status = 'queued';

-- name: ParticipantDelete :one
-- Addresses, devices and codes go with it (ON DELETE CASCADE).
DELETE FROM participants WHERE id = $1::uuid RETURNING id;

-- name: ParticipantErasureCount :exec
INSERT INTO participant_erasures (month, erased) VALUES (date_trunc('month', now())::date, 1)
ON CONFLICT (month) DO UPDATE SET erased = participant_erasures.erased + 1;

-- name: DeviceCountActive :one
SELECT count(*) FROM devices WHERE participant_id = $1::uuid AND disabled_at IS NULL;

-- name: DeviceInsert :one
INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash)
VALUES ($1::uuid, $2, $3::bytea, $4::bytea)
RETURNING id;

-- name: DeviceLocationUpdate :one
-- Authenticated by the device's own secret. $3/$4 NULL clears the location (outside the
-- service area: nothing to select it for, and nothing worth keeping).
UPDATE devices
SET location = CASE WHEN $3::float8 IS NULL THEN NULL
                    ELSE ST_Transform(ST_SetSRID(ST_MakePoint($4::float8, $3::float8), 4326), 28992) END,
    location_accuracy_m = $5::real,
    location_at = CASE WHEN $3::float8 IS NULL THEN NULL ELSE now() END
WHERE id = $1::uuid AND secret_hash = $2::bytea AND disabled_at IS NULL
RETURNING id;

-- name: ParticipantsImport :many
-- One batch of `burgernetctl participants import`: already verified participants, one address
-- each. Returns the lines whose number is already registered (and so were not imported).
WITH r AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS r(line int, phone_sealed bytea, phone_lookup bytea, mobile boolean, language text, lat float8,
         lon float8, channels text[], quiet_from time, quiet_to time)
), inserted AS (
  INSERT INTO participants (status, phone_sealed, phone_lookup, phone_mobile, language, verified_at)
  SELECT 'active', r.phone_sealed, r.phone_lookup, r.mobile, r.language, now() FROM r
  ON CONFLICT (phone_lookup) WHERE status = 'active' DO NOTHING
  RETURNING id, phone_lookup
), addresses AS (
  INSERT INTO participant_addresses (participant_id, position, location, channels, quiet_from, quiet_to)
  SELECT i.id, 0, ST_Transform(ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), 28992), r.channels,
         r.quiet_from, r.quiet_to
  FROM inserted i JOIN r ON r.phone_lookup = i.phone_lookup
)
SELECT r.line FROM r WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.phone_lookup = r.phone_lookup)
ORDER BY r.line;

-- name: ParticipantsSealedPage :many
-- `burgernetctl keys rotate` walks the participants in id order, a page at a time.
SELECT id, phone_sealed, email_sealed FROM participants WHERE id > $1::uuid ORDER BY id LIMIT $2::int;

-- name: ParticipantReseal :one
-- Only if nobody changed the number since it was read ($5): a PATCH in between wins.
UPDATE participants SET phone_sealed = $2::bytea, phone_lookup = $3::bytea, email_sealed = $4::bytea
WHERE id = $1::uuid AND phone_sealed = $5::bytea
RETURNING id;

-- name: VerificationBodiesQueued :many
SELECT id, body FROM deliveries WHERE kind = 'verification' AND status = 'queued' AND body IS NOT NULL;

-- name: VerificationBodyReseal :exec
UPDATE deliveries SET body = $2::bytea WHERE id = $1 AND status = 'queued' AND body = $3::bytea;
