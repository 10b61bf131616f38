-- 0016: which personal-data keys this database was sealed with (docs/privacy.md, "The keys").
-- A daemon or burgernetctl whose key file does not match refuses to run, so that a wrong path
-- can no longer make a second key that seals half the new data (issue 14). Only fingerprints:
-- the keys themselves never enter the database.
--
-- purpose: 'seal' (privacy.key_file, AES-256-GCM) or 'lookup' (privacy.lookup_key_file, HMAC).
-- fingerprint: SHA-256 of a label naming the purpose plus the key, hex; not the key id, which
-- is only 4 bytes (its first 8 hex digits start every value the key sealed: key_id).
-- status: 'current' (seals or hashes every new value), 'previous' (still opens older values
-- until `burgernetctl keys rotate` has resealed them), 'retired' (nothing uses it any more).
CREATE TABLE key_fingerprints (
  purpose     text NOT NULL CHECK (purpose IN ('seal', 'lookup')),
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  key_id      text CHECK (key_id ~ '^[0-9a-f]{8}$'),
  status      text NOT NULL CHECK (status IN ('current', 'previous', 'retired')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz,
  PRIMARY KEY (purpose, fingerprint),
  CHECK ((purpose = 'seal') = (key_id IS NOT NULL)),
  CHECK ((status = 'retired') = (retired_at IS NOT NULL))
);
-- One current key per purpose: two daemons adopting different keys at once cannot both win.
CREATE UNIQUE INDEX key_fingerprints_one_current ON key_fingerprints (purpose) WHERE status = 'current';
