// A buyer's payment that completes after the payment was canceled or expired (seed 001, DESIGN.md
// §5): the payment stays canceled/expired, the merchant is not told "succeeded", and the late funds
// go back to the payer automatically. Both movements appear in the timeline and the ledger.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { postCapture, postHold, postPaidOut } from '../ledger/postings.ts';
import { ProcessorTimeout } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { CLEAR_PENDING, RETRY, updateWithJournal } from './pending.ts';

export const LATE_REVERSAL = 'late_reversal';

/** Records the late funds and reserves them for the reversal, in one transaction. Null = raced. */
export function receiveLateFunds(deps: CoreDeps, ctx: CallContext, p: Payment): Promise<Payment | null> {
  const now = deps.clock.now();
  const info = { dialect: ctx.dialect, requestId: ctx.requestId, amount: p.amount };
  return updateWithJournal(deps, p, 'late_payment_received', {
    pendingOperation: LATE_REVERSAL,
    pendingState: 'in_flight',
    pendingUntil: new Date(now.getTime() + deps.leaseMs),
    pendingData: { amount: p.amount.toString() },
  }, now, info, async (q, u) => {
    await postCapture(q, u, p.amount, now, 'late_payment');
    await postHold(q, u, p.amount, now);
  });
}

/**
 * Returns reserved late funds to the payer. Used right after receiveLateFunds and by the reconciler
 * for a reversal whose processor call timed out or failed.
 */
export async function reverseLateFunds(deps: CoreDeps, ctx: CallContext, p: Payment): Promise<Payment | typeof RETRY> {
  const amount = BigInt(String(p.pendingData?.amount ?? p.amount));
  try {
    const done = p.pendingState === 'unknown' && (await deps.processor.query(p, 'cancel')) === 'done';
    const outcome = done ? { ok: true as const } : await deps.processor.cancel(p, 'reversal', amount);
    if (!outcome.ok) throw new KasirError(outcome.code, outcome.message);
  } catch (err) {
    // The funds stay reserved and the operation pending: the reconciler asks again later.
    await updateWithJournal(deps, p, 'outcome_unknown', { pendingState: 'unknown', pendingUntil: null }, deps.clock.now(), {
      dialect: ctx.dialect, requestId: ctx.requestId, data: { operation: LATE_REVERSAL, error: (err as Error).message },
    }, async () => {});
    if (err instanceof ProcessorTimeout || err instanceof KasirError) return RETRY;
    throw err;
  }
  const now = deps.clock.now();
  const reversed = await updateWithJournal(deps, p, 'late_payment_reversed', CLEAR_PENDING, now, {
    dialect: ctx.dialect, requestId: ctx.requestId, amount,
  }, (q, u) => postPaidOut(q, u, amount, now, 'late_payment_reversal'));
  return reversed ?? RETRY;
}
