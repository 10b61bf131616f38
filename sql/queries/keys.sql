-- The fingerprints of the personal-data keys (migration 0016) and what each key sealed.

-- name: KeyFingerprintsCurrent :many
SELECT purpose, fingerprint FROM key_fingerprints WHERE status = 'current' ORDER BY purpose;

-- name: KeyFingerprintsAll :many
SELECT purpose, fingerprint, coalesce(key_id, ''), status, created_at::text, coalesce(retired_at::text, '')
FROM key_fingerprints ORDER BY purpose, created_at, fingerprint;

-- name: KeyFingerprintsAny :one
SELECT EXISTS (SELECT 1 FROM key_fingerprints);

-- name: KeyFingerprintInsert :exec
-- A key already known, or a second current key for the purpose (another process adopted first),
-- is left alone: the caller reads the current ones again and compares.
INSERT INTO key_fingerprints (purpose, fingerprint, key_id, status)
VALUES ($1, $2, nullif($3, ''), $4)
ON CONFLICT DO NOTHING;

-- name: KeyFingerprintsDemoteCurrent :exec
-- A rotation: the current key of the purpose becomes previous (it still opens older values).
UPDATE key_fingerprints SET status = 'previous'
WHERE purpose = $1 AND status = 'current' AND fingerprint <> $2;

-- name: KeyFingerprintMakeCurrent :exec
INSERT INTO key_fingerprints (purpose, fingerprint, key_id, status)
VALUES ($1, $2, nullif($3, ''), 'current')
ON CONFLICT (purpose, fingerprint) DO UPDATE SET status = 'current', retired_at = NULL;

-- name: KeyFingerprintRetire :exec
UPDATE key_fingerprints SET status = 'retired', retired_at = now()
WHERE purpose = $1 AND fingerprint = $2 AND status = 'previous';

-- name: SealedValuesByKey :many
-- Every sealed column, counted by the key id its values start with (byte 2 to 5, after the
-- layout version): what a key still opens. A full scan: for `keys rotate` and `keys status`.
SELECT kind, encode(substring(sealed FROM 2 FOR 4), 'hex') AS key_id, count(*)
FROM (
  SELECT 'phone' AS kind, phone_sealed AS sealed FROM participants
  UNION ALL SELECT 'email', email_sealed FROM participants WHERE email_sealed IS NOT NULL
  UNION ALL SELECT 'push_token', push_token_sealed FROM devices
  UNION ALL SELECT 'verification', body FROM deliveries WHERE body IS NOT NULL
  UNION ALL SELECT 'tip_text', text_sealed FROM tips
  UNION ALL SELECT 'tip_phone', phone_sealed FROM tips WHERE phone_sealed IS NOT NULL
  UNION ALL SELECT 'tip_photo', photo_sealed FROM tips WHERE photo_sealed IS NOT NULL
) s
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: SealedValueWithOtherKey :many
-- Before a process adopts its keys on a database that recorded none: one number or push token
-- sealed with a key id it does not hold, if any (the key ids are hex, $1 a text array). Only
-- well-formed sealed values count (version byte 1, at least header and tag: 33 bytes): a
-- placeholder that no key sealed says nothing about which key the database was sealed with.
(SELECT encode(substring(phone_sealed FROM 2 FOR 4), 'hex') AS key_id FROM participants
 WHERE length(phone_sealed) >= 33 AND get_byte(phone_sealed, 0) = 1
   AND NOT (encode(substring(phone_sealed FROM 2 FOR 4), 'hex') = ANY ($1::text[])) LIMIT 1)
UNION ALL
(SELECT encode(substring(push_token_sealed FROM 2 FOR 4), 'hex') FROM devices
 WHERE length(push_token_sealed) >= 33 AND get_byte(push_token_sealed, 0) = 1
   AND NOT (encode(substring(push_token_sealed FROM 2 FOR 4), 'hex') = ANY ($1::text[])) LIMIT 1);

-- name: DevicesSealedPage :many
-- `burgernetctl keys rotate` walks the devices in id order, a page at a time.
SELECT id, push_token_sealed FROM devices WHERE id > $1::uuid ORDER BY id LIMIT $2::int;

-- name: DeviceReseal :one
-- Only if the token is still the one read: a device that registered again meanwhile wins.
UPDATE devices SET push_token_sealed = $2::bytea
WHERE id = $1::uuid AND push_token_sealed = $3::bytea
RETURNING id;
