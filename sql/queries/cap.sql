-- CAP 1.2 out (docs/cap.md): the messages of actions as the CAP writer needs them. Times leave
-- as whole epoch seconds with their Europe/Amsterdam offset at that instant (the daemon has no
-- time zone database); the writer prints "2026-07-01T14:00:00+02:00" from the two.

-- name: CapMessages :many
-- $1 an action: all its messages, for a caller who sees it ($2/$3/$4 as in ActionGet). $1 NULL:
-- the public feed, the newest 100 messages of the last 7 days of public actions, i.e. actions
-- whose first message is due (send_at passed) and that were not closed before it was due (an
-- alert cancelled while it waited for the morning was never public). Only one branch runs: the
-- other's guard on $1 is a one-time filter.
-- A message counts as sent when written, but not before its action's send_at (an alert held for
-- the morning). The area is the one in force at the message: the newest grown area (0018) at or
-- before it, else the action's own; a circle leaves as centre and radius, any other area as
-- GeoJSON in WGS 84, simplified (at most 500 points, a size CAP readers handle; never coarser
-- than 1 km) and with the municipality's code and name for a municipality.
-- `earlier`: [message id, kind, sent epoch, offset] of every earlier message of the action, for
-- CAP's <references>.
WITH picked AS (
  (SELECT m.id
   FROM action_messages m
   JOIN actions a ON a.id = m.action_id
   WHERE $1::uuid IS NOT NULL AND a.id = $1::uuid AND m.kind <> 'verification'
     AND ($2::uuid IS NULL OR a.token_id = $2::uuid
          OR ($3::text IS NOT NULL AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = a.token_id
                                                 AND t.area_code = $3::text AND t.role = $4::api_role)))
   ORDER BY m.id
   LIMIT 1000)
  UNION ALL
  (SELECT m.id
   FROM action_messages m
   JOIN actions a ON a.id = m.action_id
   WHERE $1::uuid IS NULL AND m.kind <> 'verification'
     AND a.send_at <= now() AND (a.closed_at IS NULL OR a.closed_at > a.send_at)
     AND greatest(m.created_at, a.send_at) <= now()
     AND greatest(m.created_at, a.send_at) > now() - interval '7 days'
   ORDER BY greatest(m.created_at, a.send_at) DESC, m.id DESC
   LIMIT 100)
)
SELECT a.id AS action_id, m.id AS message_id, m.kind::text AS message_kind, m.text,
       a.kind::text AS action_kind, a.category, a.title,
       floor(extract(epoch FROM s.sent))::bigint AS sent_epoch,
       extract(epoch FROM (s.sent AT TIME ZONE 'Europe/Amsterdam') - (s.sent AT TIME ZONE 'UTC'))::int AS sent_offset,
       floor(extract(epoch FROM a.expires_at))::bigint AS expires_epoch,
       extract(epoch FROM (a.expires_at AT TIME ZONE 'Europe/Amsterdam') - (a.expires_at AT TIME ZONE 'UTC'))::int
         AS expires_offset,
       ST_Y(ST_Transform(g.center, 4326)) AS circle_lat, ST_X(ST_Transform(g.center, 4326)) AS circle_lon,
       g.radius_m,
       CASE WHEN g.center IS NULL THEN
         (SELECT ST_AsGeoJSON(ST_Transform(x.simple, 4326), 6)
          FROM (VALUES (0), (10), (50), (200), (1000)) tol (m)
          CROSS JOIN LATERAL (SELECT CASE WHEN tol.m = 0 THEN g.area
                                          ELSE ST_SimplifyPreserveTopology(g.area, tol.m) END AS simple) x
          WHERE ST_NPoints(x.simple) <= 500 OR tol.m = 1000
          ORDER BY tol.m
          LIMIT 1)
       END AS polygons,
       g.area_request ->> 'municipality' AS municipality_code,
       (SELECT ar.name FROM areas ar WHERE ar.code = g.area_request ->> 'municipality') AS municipality_name,
       (SELECT coalesce(json_agg(json_build_array(e.id, e.kind::text, floor(extract(epoch FROM es.sent))::bigint,
                                                  extract(epoch FROM (es.sent AT TIME ZONE 'Europe/Amsterdam') -
                                                                     (es.sent AT TIME ZONE 'UTC'))::int)
                                 ORDER BY e.id), '[]')::text
        FROM action_messages e
        CROSS JOIN LATERAL (SELECT greatest(e.created_at, a.send_at) AS sent) es
        WHERE e.action_id = a.id AND e.id < m.id AND e.kind <> 'verification') AS earlier
FROM picked p
JOIN action_messages m ON m.id = p.id
JOIN actions a ON a.id = m.action_id
CROSS JOIN LATERAL (SELECT greatest(m.created_at, a.send_at) AS sent) s
CROSS JOIN LATERAL (
  SELECT coalesce(grown.area_request, a.area_request) AS area_request,
         CASE WHEN grown.message_id IS NULL THEN a.area ELSE grown.area END AS area,
         CASE WHEN grown.message_id IS NULL THEN a.center ELSE grown.center END AS center,
         CASE WHEN grown.message_id IS NULL THEN a.radius_m ELSE grown.radius_m END AS radius_m
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT aa.message_id, aa.area_request, aa.area, aa.center, aa.radius_m
                     FROM action_areas aa WHERE aa.action_id = a.id AND aa.message_id <= m.id
                     ORDER BY aa.message_id DESC LIMIT 1) grown ON true
) g
ORDER BY s.sent DESC, m.id DESC;
