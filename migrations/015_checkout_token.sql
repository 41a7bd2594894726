-- The sandbox checkout page (src/http/checkout.ts) lets whoever opens it pay or fail the payment, so
-- its link carries a secret of the payment's own: the id alone is no secret (merchants list ids,
-- logs and URLs show them, and UUIDv7 ids start with their creation time). Not client_secret: cancel
-- clears that, and the buyer who holds the link must still see a canceled (or late-paid) payment.
-- Payments made before this migration have none: their checkout pages answer "not found".
-- Not unique: it is compared after the lookup by id, never searched for.
ALTER TABLE payments ADD COLUMN checkout_token text;
