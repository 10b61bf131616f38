-- 0023: a broadcast delivery may name its target: which of a social channel's accounts posts it,
-- or which push topic (a cell of the device-matching mode) it goes to. One row per channel and
-- target, so that each post has its own retry and idempotency key; NULL is the channel's one
-- default target, as before. Adding a nullable column without a default rewrites nothing.
ALTER TABLE deliveries ADD COLUMN target text;
