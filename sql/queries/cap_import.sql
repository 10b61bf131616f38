-- CAP 1.2 import (POST /v1/cap, src/cap/cap_import_store.cpp): one row per sender and identifier.

-- name: CapImportLock :exec
-- Serializes two imports of one alert (the same sender and identifier) until the transaction
-- ends, so that the second finds the first's row instead of raising a second action.
SELECT pg_advisory_xact_lock(hashtext('burgernet.cap_imports'), hashtext($1::text || E'\n' || $2::text));

-- name: CapImportFind :one
SELECT sent, msg_type, status, answer::text FROM cap_imports WHERE sender = $1 AND identifier = $2;

-- name: CapImportRecord :exec
INSERT INTO cap_imports (sender, identifier, sent, msg_type, action_id, status, answer)
VALUES ($1, $2, $3, $4, $5::uuid, $6::int, $7::jsonb);

-- name: CapImportAction :one
-- The action an earlier alert of this sender raised or followed (a <references> entry).
SELECT action_id::text FROM cap_imports WHERE sender = $1 AND identifier = $2;
