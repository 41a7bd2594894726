// A retried request that took over its idempotency key (core/idempotency.ts) asks, before deciding
// anything, what its own earlier attempt already did to this payment. The answer comes from the
// key's recovery point and the operation record it names — both written in the same transactions
// as the effects — never from the payment's status alone (which other requests also change).
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError, type ErrorCode } from '../errors.ts';
import { getOperation, pendingOperationId } from '../processors/operations.ts';
import type { OperationRecord } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { ownsPending } from './processor-call.ts';

export type OwnEarlier =
  /** Nothing of this request's survived on this payment: decide as a new request. */
  | { kind: 'none' }
  /** The payment is still pending this request's own operation: take it over and finish it. */
  | { kind: 'pending' }
  /** The effect is in place: answer with the payment as it is (and `op`, e.g. its refund). */
  | { kind: 'completed'; op: OperationRecord | null };

export async function ownEarlier(deps: CoreDeps, ctx: CallContext, p: Payment): Promise<OwnEarlier> {
  // The claim itself names the key that made it: the same request again (even once its key row has
  // been pruned, as Antom's and NICEPAY's payment-level ids outlive it) finishes its own operation.
  if (ownsPending(ctx, p, p.pendingOperation ?? '')) return { kind: 'pending' };
  const rec = ctx.requestKey?.recovered;
  if (!rec || rec.paymentId !== p.id) return { kind: 'none' };
  if (rec.point === 'done') return { kind: 'completed', op: null };
  if (!rec.operationId) return { kind: 'none' };
  if (pendingOperationId(p) === rec.operationId) return { kind: 'pending' };
  const op = await getOperation(deps.db, rec.operationId);
  switch (op?.status) {
    case 'completed':
      return { kind: 'completed', op };
    case 'refused': {
      // The processor said no to the first attempt: the retry hears the same refusal, not a redo —
      // unless it was the processor's own system error, which a retry may get past.
      const result = op.result ?? {};
      if (result.code === 'INTERNAL') return { kind: 'none' };
      throw new KasirError(String(result.code) as ErrorCode, String(result.message ?? 'The processor refused the operation'));
    }
    default:
      // Rolled back (the processor never saw it): nothing happened, so the request runs anew.
      return { kind: 'none' };
  }
}
