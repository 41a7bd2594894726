-- Exactly once across crashes (docs/architecture.md).

-- The processor a payment was sent to, chosen when it is made and kept for its whole life: every
-- later call (capture, void, refund, sync) goes to the same one.
ALTER TABLE payments ADD COLUMN processor text NOT NULL DEFAULT 'sandbox';

-- Operation records: every processor call is a row written in the same transaction as the claim
-- that decides it, BEFORE the call. Its id is the idempotency key sent to the processor, so a call
-- repeated after a crash cannot move money twice, and `sync` can ask what became of exactly it.
--   pending     claimed; the call is being made (or its caller died: the reconciler takes over)
--   unknown     the call got no answer (timeout, reset): only the processor's sync may finish it
--   completed   the processor's answer was applied to the payment (for an authorization that answer
--               may be a decline or "waiting for the buyer": result.outcome says which)
--   refused     the processor definitively refused a capture, void, reversal or refund (result.code)
--   rolled_back the processor has no trace of the call: it never happened, reserved funds released
CREATE TABLE processor_operations (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  merchant_id uuid NOT NULL,
  processor text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('authorize', 'capture', 'void', 'reversal', 'refund', 'late_reversal')),
  amount bigint NOT NULL CHECK (amount >= 0),
  currency text NOT NULL,
  refund_id uuid,
  status text NOT NULL CHECK (status IN ('pending', 'unknown', 'completed', 'refused', 'rolled_back')),
  -- What the processor reported and through which source (response, sync, buyer, notification).
  result jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX processor_operations_payment ON processor_operations (payment_id, created_at);

-- The sandbox processor's own books, as a real upstream keeps them: one row per call it received,
-- keyed by the operation id Kasir sent (a repeated call returns the same answer), so its `sync`
-- tells the truth about each call, whatever Kasir recorded or lost.
CREATE TABLE sandbox_operations (
  operation_id uuid PRIMARY KEY,
  payment_id uuid NOT NULL,
  kind text NOT NULL,
  amount bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('succeeded', 'authorized', 'failed', 'action', 'pending', 'canceled')),
  code text,
  reason text,
  next_action jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX sandbox_operations_payment ON sandbox_operations (payment_id);

-- Idempotency keys become recovery points: the effect of each phase of a request (the payment it
-- created, the operation it claimed, a write that finished it) is recorded on the key in the same
-- transaction as the effect, so "key in flight, effect committed" is never mistaken for "nothing
-- happened". A key is in flight only while its lease runs (locked_until); the request that holds it
-- is named by owner, so a request that lost its key to a takeover cannot finish it.
ALTER TABLE idempotency_keys ADD COLUMN locked_until timestamptz;
ALTER TABLE idempotency_keys ADD COLUMN owner text;
ALTER TABLE idempotency_keys ADD COLUMN recovery_point text NOT NULL DEFAULT 'started';
ALTER TABLE idempotency_keys ADD COLUMN payment_id uuid;
ALTER TABLE idempotency_keys ADD COLUMN operation_id uuid;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Replaced by sandbox_operations (per call, not per payment).
DROP TABLE sandbox_processor_calls;
