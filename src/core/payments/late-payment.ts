// A buyer's payment that completes after the payment was canceled or expired (seed 001, docs/architecture.md
// §5): the payment stays canceled/expired, the merchant is not told "succeeded", and the late funds
// go back to the payer automatically (a late_reversal operation). Both movements appear in the
// timeline and the ledger.
import type { CallContext, CoreDeps } from '../deps.ts';
import { postCapture, postHold, postPaidOut } from '../ledger/postings.ts';
import { finishOperation, insertOperation, newOperation } from '../processors/operations.ts';
import { processorOf, type OperationOutcome, type OperationRecord } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { CLEAR_PENDING, RETRY, updateWithJournal } from './pending.ts';
import { claimData, markUnknown, openOperationOf, type OutcomeSource } from './processor-call.ts';
import { updatePayment } from './repo.ts';

export const LATE_REVERSAL = 'late_reversal';

/**
 * Records the late funds, reserves them and claims their reversal, in one transaction (with the
 * record of the late charge itself, when Kasir hears of it only now). Null = raced.
 */
export function receiveLateFunds(deps: CoreDeps, ctx: CallContext, p: Payment, charge?: OperationRecord): Promise<Payment | null> {
  const now = deps.clock.now();
  const op = newOperation(deps.clock, p, { kind: 'late_reversal', amount: p.amount });
  const info = { dialect: ctx.dialect, requestId: ctx.requestId, amount: p.amount };
  return updateWithJournal(deps, p, 'late_payment_received', {
    pendingOperation: LATE_REVERSAL,
    pendingState: 'in_flight',
    pendingUntil: new Date(now.getTime() + deps.leaseMs),
    pendingData: claimData(ctx, op, { amount: p.amount.toString() }),
  }, now, info, async (q, u) => {
    await postCapture(q, u, p.amount, now, 'late_payment');
    await postHold(q, u, p.amount, now);
    if (charge) await insertOperation(q, charge);
    await insertOperation(q, op);
  });
}

/**
 * Returns reserved late funds to the payer. Used right after receiveLateFunds (`fresh`: this request
 * holds the claim) and by the reconciler, which first takes the claim over (a lapsed lease or an
 * unknown outcome) and asks the processor what became of the reversal (sync).
 */
export async function reverseLateFunds(deps: CoreDeps, ctx: CallContext, p: Payment, fresh = false): Promise<Payment | typeof RETRY> {
  const op = await openOperationOf(deps, p);
  const claimed = fresh
    ? p
    : await updatePayment(deps.db, p, null, { pendingState: 'in_flight', pendingUntil: new Date(deps.clock.now().getTime() + deps.leaseMs) }, deps.clock.now());
  if (!claimed) return RETRY;
  let outcome: OperationOutcome | 'pending';
  try {
    outcome = fresh ? await (await processorOf(deps.processors, claimed)).reverse(op, claimed) : await resumeReversal(deps, op, claimed);
  } catch (err) {
    // No answer: the funds stay reserved, the reconciler asks again later.
    await markUnknown(deps, ctx, claimed, op, String((err as Error).message).slice(0, 200));
    return RETRY;
  }
  if (outcome === 'pending') {
    await markUnknown(deps, ctx, claimed, op, 'still_pending');
    return RETRY;
  }
  const source: OutcomeSource = fresh ? 'response' : 'sync';
  const at = deps.clock.now();
  if (!outcome.ok) {
    // The payer's side refuses (e.g. the account is gone): retrying cannot help, an operator must act.
    // The funds stay reserved and the payment says so; the reconciler leaves 'refused' alone.
    const refused = { code: outcome.code, message: outcome.message, source };
    await updateWithJournal(deps, claimed, 'outcome_unknown', { pendingState: 'refused', pendingUntil: null }, at, {
      dialect: ctx.dialect, requestId: ctx.requestId, data: { operation: LATE_REVERSAL, operationId: op.id, refused: outcome.code },
    }, (q) => finishOperation(q, op.id, 'refused', refused, at));
    return RETRY;
  }
  const reversed = await updateWithJournal(deps, claimed, 'late_payment_reversed', CLEAR_PENDING, at, {
    dialect: ctx.dialect, requestId: ctx.requestId, amount: op.amount, data: { operationId: op.id, source },
  }, async (q, u) => {
    await postPaidOut(q, u, op.amount, at, 'late_payment_reversal');
    await finishOperation(q, op.id, 'completed', { source }, at);
  });
  return reversed ?? RETRY;
}

/** The reversal cannot be given up (the money is the payer's): a call the processor never saw is made now. */
async function resumeReversal(deps: CoreDeps, op: OperationRecord, p: Payment): Promise<OperationOutcome | 'pending'> {
  const processor = await processorOf(deps.processors, p);
  const found = await processor.sync(op, p);
  if (found.status === 'not_found') return processor.reverse(op, p);
  if (found.status === 'succeeded') return { ok: true };
  if (found.status === 'canceled') return { ok: false, code: 'PROCESSOR_DECLINED', message: 'The processor canceled the reversal' };
  if (found.status === 'failed') return { ok: false, code: found.code, message: found.reason };
  return 'pending';
}
