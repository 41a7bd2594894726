-- Notifications (docs/architecture.md, notifications): an outbox row is written in the same statement as the payment
-- change it reports (see core/payments/repo.ts) and delivered by a worker with retries.

CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id uuid NOT NULL,
  payment_id uuid NOT NULL REFERENCES payments (id),
  event_id bigint NOT NULL REFERENCES payment_events (id),
  event_type text NOT NULL,
  -- Which wire format renders it: the payment's profile ('antom', 'nicepay', 'native').
  format text NOT NULL,
  target_url text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- A worker's claim: other workers skip the row until it passes (SKIP LOCKED covers the claim itself).
  locked_until timestamptz,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_payment ON outbox (payment_id);

CREATE TABLE delivery_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id bigint NOT NULL REFERENCES outbox (id),
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  status_code integer,
  error text,
  response_excerpt text,
  duration_ms integer NOT NULL,
  UNIQUE (outbox_id, attempt)
);
