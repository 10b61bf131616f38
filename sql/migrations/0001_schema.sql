-- 0001: the data model of SPEC.md. Points are stored in RD New (EPSG:28992), metres on a
-- plane that fits the Netherlands, so that radius and containment tests are planar and use
-- the GiST index directly (docs/architecture.md, "Coordinates").

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TYPE participant_status AS ENUM ('pending_verification', 'active');
CREATE TYPE action_kind AS ENUM ('urgent', 'alert');
CREATE TYPE action_status AS ENUM ('active', 'closed', 'expired');
CREATE TYPE action_outcome AS ENUM ('resolved', 'unresolved');
CREATE TYPE message_kind AS ENUM ('action', 'update', 'closing', 'verification');
CREATE TYPE delivery_status AS ENUM ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled');
CREATE TYPE api_role AS ENUM ('operator', 'municipal', 'registrar', 'admin');

CREATE TABLE participants (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status       participant_status NOT NULL DEFAULT 'pending_verification',
  phone        text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  phone_mobile boolean NOT NULL DEFAULT true,
  email        text CHECK (email IS NULL OR length(email) <= 254),
  language     text NOT NULL DEFAULT 'nl' CHECK (language ~ '^[a-z]{2}$'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  verified_at  timestamptz
);
CREATE UNIQUE INDEX participants_phone_key ON participants (phone);

CREATE TABLE participant_addresses (
  id             bigserial PRIMARY KEY,
  participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
  position       smallint NOT NULL CHECK (position BETWEEN 0 AND 4),
  label          text CHECK (label IS NULL OR length(label) <= 60),
  location       geometry(Point, 28992) NOT NULL,
  channels       text[] NOT NULL DEFAULT '{voice,sms}',
  quiet_from     time,
  quiet_to       time,
  CHECK ((quiet_from IS NULL) = (quiet_to IS NULL)),
  UNIQUE (participant_id, position)
);
CREATE INDEX participant_addresses_location_idx ON participant_addresses USING gist (location);

CREATE TABLE devices (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  participant_id      uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
  platform            text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
  push_token          text NOT NULL CHECK (length(push_token) BETWEEN 1 AND 4096),
  secret_hash         bytea NOT NULL UNIQUE,
  location            geometry(Point, 28992),
  location_accuracy_m real,
  location_at         timestamptz,
  disabled_at         timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_participant_idx ON devices (participant_id);
CREATE INDEX devices_location_idx ON devices USING gist (location) WHERE location IS NOT NULL;

-- One live code per participant; a new code replaces the old one.
CREATE TABLE verification_codes (
  participant_id uuid PRIMARY KEY REFERENCES participants (id) ON DELETE CASCADE,
  code_hash      bytea NOT NULL,
  attempts       int NOT NULL DEFAULT 0,
  expires_at     timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE areas (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  name        text NOT NULL,
  geom        geometry(MultiPolygon, 28992) NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX areas_geom_idx ON areas USING gist (geom);

CREATE TABLE api_tokens (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  role       api_role NOT NULL,
  area_code  text,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE actions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind            action_kind NOT NULL,
  category        text NOT NULL CHECK (category IN ('burglary', 'missing_person', 'amber_alert', 'street_robbery',
                    'robbery', 'shoplifting', 'pickpocketing', 'hit_and_run', 'vehicle', 'witness_call',
                    'prevention', 'other')),
  title           text NOT NULL,
  message         text NOT NULL,
  area_request    jsonb NOT NULL,
  area            geometry(Geometry, 28992) NOT NULL,
  channels        text[] NOT NULL,
  status          action_status NOT NULL DEFAULT 'active',
  outcome         action_outcome,
  token_id        uuid REFERENCES api_tokens (id),
  send_at         timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  recipients      int NOT NULL DEFAULT 0,
  -- Large actions are fanned out after the POST in committed chunks (SPEC "Promises of speed").
  fanout_done     boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  closed_at       timestamptz,
  first_sent_at   timestamptz,
  last_sent_at    timestamptz,
  CHECK ((status = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX actions_created_idx ON actions (created_at DESC, id DESC);
CREATE INDEX actions_token_idx ON actions (token_id, created_at DESC);

-- The texts sent for an action: the action itself, its updates, its closing.
CREATE TABLE action_messages (
  id         bigserial PRIMARY KEY,
  action_id  uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  kind       message_kind NOT NULL CHECK (kind <> 'verification'),
  text       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_messages_action_idx ON action_messages (action_id, id);

-- One row per recipient, channel and message: the queue. Recipients' numbers and tokens are
-- looked up at send time, so an erasure takes effect on what is still queued.
CREATE TABLE deliveries (
  id               bigserial PRIMARY KEY,
  action_id        uuid REFERENCES actions (id) ON DELETE CASCADE,
  message_id       bigint REFERENCES action_messages (id) ON DELETE CASCADE,
  participant_id   uuid REFERENCES participants (id) ON DELETE SET NULL,
  device_id        uuid REFERENCES devices (id) ON DELETE SET NULL,
  channel          text NOT NULL,
  kind             message_kind NOT NULL,
  priority         smallint NOT NULL DEFAULT 0,  -- 0 urgent, 1 alert, 2 verification is 0 too
  status           delivery_status NOT NULL DEFAULT 'queued',
  run_after        timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz,
  attempt          int NOT NULL DEFAULT 0,
  max_attempts     int NOT NULL DEFAULT 5,
  lease_owner      text,
  lease_expires_at timestamptz,
  body             text,  -- only for verification messages, cleared once sent
  provider_ref     text,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  delivered_at     timestamptz,
  CHECK ((status = 'sending') = (lease_owner IS NOT NULL)),
  CHECK (kind = 'verification' OR message_id IS NOT NULL)
);
CREATE INDEX deliveries_claim_idx ON deliveries (channel, priority, run_after, id) WHERE status = 'queued';
CREATE INDEX deliveries_lease_idx ON deliveries (lease_expires_at) WHERE status = 'sending';
CREATE INDEX deliveries_action_idx ON deliveries (action_id, message_id);
CREATE INDEX deliveries_participant_idx ON deliveries (participant_id) WHERE participant_id IS NOT NULL;
CREATE INDEX deliveries_provider_ref_idx ON deliveries (provider_ref) WHERE provider_ref IS NOT NULL;

CREATE TABLE idempotency_keys (
  token_id        uuid NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  key             text NOT NULL,
  request_hash    bytea NOT NULL,
  response_status int,  -- NULL while the first request is still running
  response_body   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Append-only: the daemon's role gets INSERT and SELECT only (docs/security.md).
CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  operation text NOT NULL,
  subject   text,
  remote    text,
  result    text NOT NULL,
  details   jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Anonymous counts kept after an erasure: how many people left, per month.
CREATE TABLE participant_erasures (
  month  date PRIMARY KEY,
  erased int NOT NULL DEFAULT 0
);
