-- Tips from participants (migration 0021, docs/privacy.md "Tips"). Text, number and photo
-- arrive sealed ($n::bytea) and leave sealed; only the daemon holds the keys.

-- name: TipActionState :one
-- For a new tip: whether the action exists and still takes tips (active and not past expiry).
-- FOR SHARE: a close that runs at the same moment waits for the tip, or the tip sees it.
SELECT a.status = 'active' AND a.expires_at > now() AS open
FROM actions a WHERE a.id = $1::uuid
FOR SHARE OF a;

-- name: TipParticipantActive :one
-- The app names the participant who sent the tip: an active one, or the tip is refused.
SELECT EXISTS (SELECT 1 FROM participants WHERE id = $1::uuid AND status = 'active');

-- name: TipInsert :one
-- $6/$7 the photo's type and sealed bytes, both null without a photo.
INSERT INTO tips (action_id, source, participant_id, text_sealed, phone_sealed, photo_type, photo_sealed)
VALUES ($1::uuid, $2::text, $3::uuid, $4::bytea, $5::bytea, $6::text, $7::bytea)
RETURNING id, action_id,
          to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at;

-- name: TipActionVisible :one
-- Whether the caller sees the action (as ActionGet: $2/$3/$4 the token, area and role of a
-- caller bound to an area, null otherwise).
SELECT EXISTS (
  SELECT 1 FROM actions a
  WHERE a.id = $1::uuid
    AND ($2::uuid IS NULL OR a.token_id = $2::uuid
         OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id
                                                AND t.area_code = $3::text AND t.role = $4::api_role))));

-- name: TipList :many
-- Newest first; ($2, $3) the (created_at, id) of the last tip of the previous page. Never the
-- number: it is only for erasure and for the control room's own call-back, not in any answer.
SELECT t.id, t.source, t.participant_id, t.text_sealed, t.photo_type IS NOT NULL AS has_photo,
       to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
       t.created_at::text AS cursor_at
FROM tips t
WHERE t.action_id = $1::uuid
  AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
ORDER BY t.created_at DESC, t.id DESC
LIMIT $4::int;

-- name: TipPhoto :one
-- The photo of a tip of an action the caller sees (visibility as TipActionVisible).
SELECT t.photo_type, t.photo_sealed
FROM tips t JOIN actions a ON a.id = t.action_id
WHERE t.id = $1::uuid AND t.action_id = $5::uuid AND t.photo_sealed IS NOT NULL
  AND ($2::uuid IS NULL OR a.token_id = $2::uuid
       OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t2 WHERE t2.id = a.token_id
                                              AND t2.area_code = $3::text AND t2.role = $4::api_role)));

-- name: TipSmsSender :one
-- Who sent an inbound SMS ($1 the number's lookup hash) and which action it answers: the most
-- recent action whose first message was sent to that participant on one of the SMS channels
-- ($2), still open or closed (or expired) less than an hour ago. No row: nobody we know of,
-- or nothing to answer; the SMS is dropped.
SELECT p.id, p.language, d.action_id
FROM participants p
JOIN deliveries d ON d.participant_id = p.id
JOIN actions a ON a.id = d.action_id
WHERE p.phone_lookup = $1::bytea AND p.status = 'active'
  AND d.kind = 'action' AND d.channel = ANY ($2::text[]) AND d.status IN ('sent', 'delivered')
  AND least(coalesce(a.closed_at, 'infinity'::timestamptz), a.expires_at) > now() - interval '1 hour'
ORDER BY d.created_at DESC, d.id DESC
LIMIT 1;

-- name: RetentionPurgeTips :one
-- Tips older than retention.tips_days ($1 days), at most $2 of them, oldest first (as the
-- purges of retention.sql).
WITH old AS (
  SELECT id FROM tips
  WHERE created_at < now() - make_interval(days => $1::int)
  ORDER BY created_at
  LIMIT $2::int
  FOR UPDATE SKIP LOCKED
), purged AS (
  DELETE FROM tips t USING old WHERE t.id = old.id
  RETURNING 1
)
SELECT count(*) FROM purged;

-- name: TipsSealedPage :many
-- `burgernetctl keys rotate` walks the tips in id order, a page at a time.
SELECT id, text_sealed, phone_sealed, photo_sealed FROM tips WHERE id > $1::uuid ORDER BY id LIMIT $2::int;

-- name: TipReseal :one
-- Only if the text is still the one read (a tip is never changed, but it may have been purged).
UPDATE tips SET text_sealed = $2::bytea, phone_sealed = $3::bytea, photo_sealed = $4::bytea
WHERE id = $1::uuid AND text_sealed = $5::bytea
RETURNING id;
