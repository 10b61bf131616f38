-- 0025: CAP 1.2 alerts imported by POST /v1/cap (issue 16, docs/cap.md "Import"). One row per
-- sender and identifier (CAP makes the pair unique): a repeated alert finds its row and raises
-- nothing new, and a Cancel or Update finds the action its <references> name. The row holds the
-- first answer, which a repeat gets again, and no personal data (CAP senders are organisations).
CREATE TABLE IF NOT EXISTS cap_imports (
  sender      text NOT NULL,
  identifier  text NOT NULL,
  sent        text NOT NULL,  -- as written: <references> repeat it
  msg_type    text NOT NULL CHECK (msg_type IN ('Alert', 'Update', 'Cancel')),
  action_id   uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  status      int NOT NULL,
  answer      jsonb NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sender, identifier)
);
-- An action's rows go with it (ON DELETE CASCADE, e.g. retention).
CREATE INDEX IF NOT EXISTS cap_imports_action_idx ON cap_imports (action_id);
