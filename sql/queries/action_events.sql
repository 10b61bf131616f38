-- Per-message progress and the event log of an action (migration 0020), for GET
-- /v1/actions/{id} and GET /v1/actions/{id}/events.

-- name: ActionMessagesProgress :many
-- Every message of the action, oldest first, with the people it was written for: the action's
-- own its selection, a follow-up the people the action reached when it was posted
-- (the action's selection and the areas grown by then).
SELECT m.id, m.kind::text,  m.text,
       to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
       a.recipients + CASE WHEN m.kind = 'action' THEN 0 ELSE
         coalesce((SELECT sum(g.recipients) FROM action_areas g
                   WHERE g.action_id = a.id AND g.message_id <= m.id), 0) END AS recipients
FROM action_messages m JOIN actions a ON a.id = m.action_id
WHERE m.action_id = $1::uuid
ORDER BY m.id;

-- name: ActionMessageDeliveryCounts :many
-- From the counters the delivery statements keep per message (0020): a few rows per message,
-- whatever the action's size.
SELECT c.message_id, c.channel, c.status::text, sum(c.n)
FROM action_messages m JOIN message_delivery_counts c ON c.message_id = m.id
WHERE m.action_id = $1::uuid
GROUP BY 1, 2, 3 HAVING sum(c.n) <> 0
ORDER BY 1, 2, 3;

-- name: ActionEventsSince :many
-- The events of an action after the one a client saw last ($2, its Last-Event-ID; 0 for all).
-- A message's kind and text come along (an alert's text is public); a tip's is never read here.
SELECT e.id, e.event, e.ref,
       to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
       m.kind::text, m.text
FROM action_events e
LEFT JOIN action_messages m ON e.event = 'message' AND m.action_id = e.action_id AND m.id::text = e.ref
WHERE e.action_id = $1::uuid AND e.id > $2::bigint
ORDER BY e.id
LIMIT 1000;

-- name: ActionStreamVisible :one
-- The action's status when the caller sees it (as ActionGet: $2/$3/$4 the token, area and role
-- of a caller bound to an area, null otherwise); no row otherwise.
SELECT a.status::text FROM actions a
WHERE a.id = $1::uuid
  AND ($2::uuid IS NULL OR a.token_id = $2::uuid
       OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id AND t.area_code = $3::text
                                                                    AND t.role = $4::api_role)));
