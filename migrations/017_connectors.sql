-- Live and test mode, connector accounts and routes (orchestration). A test merchant's payments reach
-- only the sandbox; a live merchant's payments reach only its connector accounts, chosen by its
-- routes. Existing merchants stay in test mode: nothing they do changes.
ALTER TABLE merchants ADD COLUMN mode text NOT NULL DEFAULT 'test' CHECK (mode IN ('test', 'live'));

-- One account at an upstream provider. `settings` holds what is not secret (Antom client id and the
-- provider's public key, NICEPAY iMid); `secret_enc` the sealed private key or merchant key, never
-- shown again. A deleted account takes no new payments but still serves the ones sent to it (their
-- cancels, refunds and notifications), so rows are never removed.
CREATE TABLE connector_accounts (
  id text PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  type text NOT NULL CHECK (type IN ('antom', 'nicepay')),
  name text NOT NULL,
  base_url text NOT NULL,
  settings jsonb NOT NULL,
  secret_enc text NOT NULL,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX connector_accounts_merchant ON connector_accounts (merchant_id);

-- Which connector account a live merchant's new payment goes to: the matching routes (a null method
-- or currency matches any) in priority order, lowest first; the next one only when an account
-- answered a definite "not available" before anything existed upstream.
CREATE TABLE connector_routes (
  id text PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  connector_id text NOT NULL REFERENCES connector_accounts (id),
  method text,
  currency text,
  priority integer NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX connector_routes_merchant ON connector_routes (merchant_id, priority);

-- Payments waiting for a buyer at an upstream provider are asked about on a schedule (a lost
-- notification must not leave them waiting forever): the last time they were asked.
ALTER TABLE payments ADD COLUMN upstream_checked_at timestamptz;
CREATE INDEX payments_awaiting_upstream ON payments (upstream_checked_at NULLS FIRST) WHERE status = 'requires_action' AND processor <> 'sandbox';

-- `route set` for the same account, method and currency changes the priority instead of adding a row.
CREATE UNIQUE INDEX connector_routes_unique ON connector_routes (merchant_id, connector_id, COALESCE(method, ''), COALESCE(currency, ''));
