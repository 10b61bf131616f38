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

-- name: DeliveriesReceiptById :many
-- A receipt that names its delivery (the id we put in the StatusCallback URL, which Twilio
-- signs). Once the row is sent, the receipt applies at once; while it is still being sent (the
-- provider answered our request, the outcome is not written yet) it is kept in `receipt`, and
-- the completion applies it (DeliveriesComplete). Both are UPDATEs of the same row, so
-- whichever comes second sees the other's effect. $3: 'delivered' or 'failed', $4 the reason.
UPDATE deliveries d
SET status = CASE WHEN d.status = 'sent' THEN $3::delivery_status ELSE d.status END,
    delivered_at = CASE WHEN d.status = 'sent' AND $3::text = 'delivered' THEN now() ELSE d.delivered_at END,
    last_error = CASE WHEN d.status = 'sent' AND $3::text = 'failed' THEN $4::text
                      WHEN d.status = 'sent' THEN NULL ELSE d.last_error END,
    provider_ref = coalesce(d.provider_ref, NULLIF($5::text, '')),
    receipt = CASE WHEN d.status = 'sending' THEN
                CASE WHEN $3::text = 'failed' THEN 'failed: ' || coalesce($4::text, '') ELSE 'delivered' END
              ELSE d.receipt END
WHERE d.id = $1::bigint AND d.channel = ANY ($2::text[]) AND d.status IN ('sent', 'sending')
RETURNING d.id, d.channel;
