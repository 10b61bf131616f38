-- Providers' delivery receipts (POST /v1/callbacks/...), matched by the provider's reference.

-- name: DeliveriesMarkDelivered :many
UPDATE deliveries
SET status = 'delivered', delivered_at = now(), last_error = NULL
WHERE provider_ref = $1 AND channel = ANY($2::text[]) AND status = 'sent'
RETURNING id, channel;

-- name: DeliveriesMarkUndelivered :many
-- The provider accepted the message but could not deliver it: final, never retried (the
-- provider already tried, and a second call or text minutes later may do more harm than good).
UPDATE deliveries
SET status = 'failed', last_error = $3
WHERE provider_ref = $1 AND channel = ANY($2::text[]) AND status = 'sent'
RETURNING id, channel;
