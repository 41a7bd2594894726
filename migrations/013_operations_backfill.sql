-- Payments that were pending a processor call before operation records existed (012) get one, so
-- the reconciler can ask the processor about them like about any other call. They are marked
-- 'unknown': their outcome is settled by the processor's sync, never assumed.
INSERT INTO processor_operations (id, payment_id, merchant_id, processor, kind, amount, currency, refund_id, status, result, created_at, updated_at)
SELECT gen_random_uuid(), p.id, p.merchant_id, p.processor,
       CASE p.pending_operation
         WHEN 'confirm' THEN 'authorize'
         WHEN 'cancel' THEN COALESCE(p.pending_data->'decision'->>'kind', 'void')
         ELSE p.pending_operation
       END,
       CASE p.pending_operation
         WHEN 'capture' THEN (p.pending_data->>'amount')::bigint
         WHEN 'refund' THEN (p.pending_data->>'amount')::bigint
         WHEN 'cancel' THEN (p.pending_data->'decision'->>'amount')::bigint
         ELSE p.amount
       END,
       p.currency,
       CASE WHEN p.pending_operation = 'refund' THEN (p.pending_data->>'refundId')::uuid END,
       'unknown', '{"source": "migration"}'::jsonb, p.updated_at, p.updated_at
  FROM payments p
 WHERE p.pending_operation IN ('confirm', 'capture', 'cancel', 'refund', 'late_reversal')
   AND (p.pending_data IS NULL OR NOT (p.pending_data ? 'operationId'));

UPDATE payments p
   SET pending_data = COALESCE(p.pending_data, '{}'::jsonb) || jsonb_build_object('operationId', o.id::text),
       pending_state = CASE WHEN p.pending_state = 'refused' THEN 'refused' ELSE 'unknown' END,
       pending_until = NULL
  FROM processor_operations o
 WHERE o.payment_id = p.id AND o.result->>'source' = 'migration'
   AND p.pending_operation IS NOT NULL
   AND (p.pending_data IS NULL OR NOT (p.pending_data ? 'operationId'));

-- Keys left in flight by the previous version had no lease: give them the lease it used (120 s).
UPDATE idempotency_keys SET locked_until = created_at + interval '120 seconds' WHERE state = 'in_flight' AND locked_until IS NULL;
