-- Synthetic municipalities (20 km squares over the service area, GM codes) and 5,000 actions
-- over the last twelve months with outcomes and send times, for timing GET /v1/stats.
\set ON_ERROR_STOP on
INSERT INTO areas (code, name, geom)
SELECT format('GM%s', lpad((row_number() OVER ())::text, 4, '0')), 'bench', ST_Multi(ST_MakeEnvelope(x, y, x + 20000, y + 20000, 28992))
FROM generate_series(0, 280000, 20000) x, generate_series(300000, 620000, 20000) y;
SELECT setseed(0.42);
INSERT INTO actions (kind, category, title, message, area_request, area, center, radius_m, channels, status, outcome,
                     expires_at, created_at, closed_at)
SELECT 'urgent', (ARRAY['burglary','missing_person','vehicle','robbery','witness_call'])[1 + floor(random() * 5)::int],
       'bench', 'bench', '{}'::jsonb, ST_Buffer(c, 1000), c, 1000, '{sms}', 'closed',
       (ARRAY['resolved_by_tip','resolved','resolved','unresolved','unresolved','unresolved','cancelled'])[1 + floor(random() * 7)::int]::action_outcome,
       t + interval '2 hours', t, t + interval '1 hour'
FROM (SELECT ST_SetSRID(ST_MakePoint(20000 + random() * 240000, 320000 + random() * 280000), 28992) AS c,
             now() - random() * interval '360 days' AS t
      FROM generate_series(1, 5000)) s;
INSERT INTO action_sends (action_id, first_sent_at, last_sent_at)
SELECT id, created_at + random() * interval '3 seconds', created_at + interval '3 seconds' + random() * interval '5 minutes' FROM actions;
INSERT INTO action_send_times_at_close SELECT * FROM action_sends;
ANALYZE;
