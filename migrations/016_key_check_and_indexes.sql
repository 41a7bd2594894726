-- The first encryption key a database is used with is recorded by a sealed check value (written at
-- start, core/merchants/secret-box.ts): a node started with another key refuses to start even while
-- no credential is stored yet, so two nodes can never seal with different keys.
CREATE TABLE encryption_check (
  id integer PRIMARY KEY CHECK (id = 1),
  sealed text NOT NULL
);

-- Open payments made before checkout tokens (015) get one, so their buyers' pages keep working.
UPDATE payments SET checkout_token = 'ct_' || replace(gen_random_uuid()::text, '-', '')
 WHERE checkout_token IS NULL AND status IN ('requires_payment_method', 'requires_confirmation', 'requires_action', 'processing');

-- The outbox prune job looks for finished rows past retention; without this it walks the whole table.
CREATE INDEX outbox_finished ON outbox ((COALESCE(delivered_at, next_attempt_at))) WHERE status IN ('delivered', 'failed', 'skipped');
