-- Schema version checks and the migration ledger.

-- name: SchemaVersion :one
SELECT coalesce(max(version), 0) FROM schema_migrations;

-- name: SchemaLedgerCreate :exec
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    int PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: SchemaMigrationRecord :exec
INSERT INTO schema_migrations (version, name) VALUES ($1, $2);

-- name: SchemaMigrationApplied :one
SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1);

-- name: DatabasePing :one
SELECT 1;
