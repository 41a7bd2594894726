-- Kasir's base schema. Forward-only: later changes are new numbered files, never edits here.
-- Money columns are bigint minor units; every timestamp is timestamptz.

CREATE TABLE merchants (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  -- Overrides of the provider profiles' contract defaults (core/contracts); {} = defaults only.
  contract jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per credential; rotation adds a row and gives the old one an expiry (the overlap).
CREATE TABLE credentials (
  id uuid PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  dialect text NOT NULL,
  key_id text NOT NULL UNIQUE,
  secret_enc text,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX credentials_merchant ON credentials (merchant_id, dialect);

CREATE TABLE payments (
  id uuid PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  merchant_account_id text,
  profile text NOT NULL,
  status text NOT NULL,
  version integer NOT NULL DEFAULT 0,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  payment_method text,
  method_type text,
  capture_method text NOT NULL DEFAULT 'automatic',
  reference_id text,
  description text,
  metadata jsonb NOT NULL DEFAULT '{}',
  client_secret text,
  next_action jsonb,
  amount_capturable bigint NOT NULL DEFAULT 0,
  amount_received bigint NOT NULL DEFAULT 0,
  amount_refunded bigint NOT NULL DEFAULT 0,
  amount_canceled bigint NOT NULL DEFAULT 0,
  -- A processor call claimed but not yet recorded: 'confirm' | 'capture' | 'cancel' | 'refund'.
  pending_operation text,
  -- 'in_flight' while a request holds it (lease until pending_until); 'unknown' after a timeout.
  pending_state text,
  pending_until timestamptz,
  pending_data jsonb,
  cancellation_reason text,
  sandbox_trigger text,
  processor_ref text,
  dialect_data jsonb NOT NULL DEFAULT '{}',
  antom_payment_id text,
  antom_payment_request_id text,
  nicepay_txid text,
  nicepay_reference_no text,
  confirmed_at timestamptz,
  authorized_at timestamptz,
  captured_at timestamptz,
  succeeded_at timestamptz,
  canceled_at timestamptz,
  expires_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (amount_received <= amount),
  CHECK (amount_refunded <= amount_received),
  -- Partial cancels (NICEPAY) and refunds together never give back more than was paid for.
  CHECK (amount_refunded + amount_canceled <= amount)
);
CREATE INDEX payments_merchant_list ON payments (merchant_id, id DESC);
CREATE INDEX payments_expiry ON payments (expires_at) WHERE status IN ('requires_payment_method', 'requires_confirmation', 'requires_action');
CREATE INDEX payments_pending ON payments (pending_until) WHERE pending_operation IS NOT NULL;
CREATE UNIQUE INDEX payments_antom_id ON payments (merchant_id, antom_payment_id);
CREATE UNIQUE INDEX payments_antom_request ON payments (merchant_id, antom_payment_request_id);
CREATE UNIQUE INDEX payments_nicepay_txid ON payments (nicepay_txid);
CREATE UNIQUE INDEX payments_nicepay_reference ON payments (merchant_id, nicepay_reference_no);

-- The payment's timeline: one row per change, written in the same statement as the change.
CREATE TABLE payment_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  merchant_id uuid NOT NULL,
  type text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  amount bigint,
  dialect text,
  request_id text,
  data jsonb NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL
);
CREATE INDEX payment_events_payment ON payment_events (payment_id, id);

CREATE TABLE refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  merchant_id uuid NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  status text NOT NULL,
  reason text,
  request_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE UNIQUE INDEX refunds_request ON refunds (merchant_id, request_id);

-- Stored responses for idempotent replays, per merchant and dialect (native Idempotency-Key,
-- Antom request ids, NICEPAY reference numbers).
CREATE TABLE idempotency_keys (
  merchant_id uuid NOT NULL,
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_flight', 'done')),
  response_status integer,
  response_body text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, scope, key)
);

-- The sandbox processor's own memory: how often a triggered operation was attempted, so that
-- "times out once, then succeeds" survives restarts like a real processor's state would.
CREATE TABLE sandbox_processor_calls (
  payment_id uuid NOT NULL,
  operation text NOT NULL,
  attempts integer NOT NULL,
  PRIMARY KEY (payment_id, operation)
);
