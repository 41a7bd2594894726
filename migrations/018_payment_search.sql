-- The operator's payment search (src/core/payments/search.ts): newest first, keyset-paginated on
-- (created_at, id), across every merchant or within one, optionally by status or connector
-- (payments.processor). Each of those filters has an index in the list's own order, so a page reads
-- only its rows even among millions of payments, and a rare status or connector is not found by
-- walking the whole history. Dialect and method filters ride on these (few distinct values).
CREATE INDEX payments_search_created ON payments (created_at DESC, id DESC);
CREATE INDEX payments_search_merchant ON payments (merchant_id, created_at DESC, id DESC);
CREATE INDEX payments_search_status ON payments (status, created_at DESC, id DESC);
CREATE INDEX payments_search_processor ON payments (processor, created_at DESC, id DESC);
-- Search by any id or reference across merchants: the existing unique indexes lead with merchant_id
-- (useless without one), reference_id and processor_ref had none. Partial: most payments carry only
-- some of these ids, and an equality match implies the column is not null.
CREATE INDEX payments_search_reference ON payments (reference_id) WHERE reference_id IS NOT NULL;
CREATE INDEX payments_search_processor_ref ON payments (processor_ref) WHERE processor_ref IS NOT NULL;
CREATE INDEX payments_search_antom_id ON payments (antom_payment_id) WHERE antom_payment_id IS NOT NULL;
CREATE INDEX payments_search_antom_request ON payments (antom_payment_request_id) WHERE antom_payment_request_id IS NOT NULL;
CREATE INDEX payments_search_nicepay_reference ON payments (nicepay_reference_no) WHERE nicepay_reference_no IS NOT NULL;
-- Dashboard sessions (src/surfaces/dashboard/session.ts). Server-side so that logging out, or
-- rotating the admin token, ends a session at once on every Kasir process sharing this database;
-- only a digest of the cookie's secret is stored, so reading this table gives no usable session.
CREATE TABLE dashboard_sessions (
  id_hash text PRIMARY KEY,
  -- Digest of the admin token the session was opened with: a rotated token ends every session.
  token_fp text NOT NULL,
  -- The post-redirect-get message for the next page, shown once.
  flash jsonb,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
