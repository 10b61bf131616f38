-- 0024: the area each message of an action carries to the app in the device-matching push mode
-- (issue 16, docs/channels.md "Device matching"). Written once per message when its topic
-- deliveries are (push/topic_targets.cpp), read by the claim for each topic send: the app, not
-- the server, decides whether the area covers the phone. It holds the action's area, never a
-- person's place, and goes with its message.
CREATE TABLE IF NOT EXISTS push_message_areas (
  message_id bigint PRIMARY KEY REFERENCES action_messages (id) ON DELETE CASCADE,
  -- {"action_message_id", "area": GeoJSON geometry (WGS84), "circle"?: {"lat","lon","radius_m"}}
  payload    jsonb NOT NULL
);
