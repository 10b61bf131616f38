-- Which accounts of a social channel post an action's messages (src/action/social_targets.cpp).

-- name: SocialAccountsEarlier :many
-- The accounts the action's own message was posted to on channel $2: its updates and its
-- closing go to the same ones, whatever its area became since (docs/channels.md, "Accounts").
SELECT DISTINCT target FROM deliveries
WHERE action_id = $1::uuid AND channel = $2 AND kind = 'action' AND target IS NOT NULL
ORDER BY target;

-- name: SocialAccountsAreasTouched :many
-- The action's category, and each of the area codes $2 (the codes the accounts speak for) whose
-- area the action's own area overlaps; a shared border alone is not touching. One row with a
-- NULL code when it touches none of them, no row when there is no such action.
SELECT a.category, t.code
FROM actions a
LEFT JOIN LATERAL (
  SELECT ar.code FROM areas ar
  WHERE ar.code = ANY($2::text[]) AND ST_Intersects(ar.geom, a.area) AND NOT ST_Touches(ar.geom, a.area)
) t ON true
WHERE a.id = $1::uuid;
