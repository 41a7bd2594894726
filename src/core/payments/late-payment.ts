// A buyer's payment that completes after the payment was canceled or expired (seed 001, DESIGN.md
// §5): the payment stays canceled/expired, the merchant is not told "succeeded", and the late funds
// go back to the payer automatically. Both movements appear in the timeline and the ledger.
import type { CallContext, CoreDeps } from '../deps.ts';
import { postCapture, postHold, postPaidOut } from '../ledger/postings.ts';
import type { Payment } from './model.ts';
import { CLEAR_PENDING, RETRY, updateWithJournal } from './pending.ts';
import { updatePayment } from './repo.ts';

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
 * Returns reserved late funds to the payer. Used right after receiveLateFunds (`fresh`: this request
 * holds the claim) and by the reconciler, which first takes the claim over (a lapsed lease or an
 * unknown outcome) and asks the processor whether the reversal already happened.
 */
export async function reverseLateFunds(deps: CoreDeps, ctx: CallContext, p: Payment, fresh = false): Promise<Payment | typeof RETRY> {
  const amount = BigInt(String(p.pendingData?.amount ?? p.amount));
  const claimed = fresh
    ? p
    : await updatePayment(deps.db, p, null, { pendingState: 'in_flight', pendingUntil: new Date(deps.clock.now().getTime() + deps.leaseMs) }, deps.clock.now());
  if (!claimed) return RETRY;
  let refusal: string | null = null;
  try {
    const done = !fresh && (await deps.processor.query(claimed, 'cancel')) === 'done';
    const outcome = done ? { ok: true as const } : await deps.processor.cancel(claimed, 'reversal', amount);
    if (!outcome.ok) refusal = outcome.code;
  } catch (err) {
    // No answer: the funds stay reserved, the reconciler asks again later.
    await updatePayment(deps.db, claimed, 'outcome_unknown', { pendingState: 'unknown', pendingUntil: null }, deps.clock.now(), {
      dialect: ctx.dialect, requestId: ctx.requestId, data: { operation: LATE_REVERSAL, error: String((err as Error).message).slice(0, 200) },
    });
    return RETRY;
  }
  if (refusal) {
    // The payer's side refuses (e.g. the account is gone): retrying cannot help, an operator must act.
    // The funds stay reserved and the payment says so; the reconciler leaves 'refused' alone.
    await updatePayment(deps.db, claimed, 'outcome_unknown', { pendingState: 'refused', pendingUntil: null }, deps.clock.now(), {
      dialect: ctx.dialect, requestId: ctx.requestId, data: { operation: LATE_REVERSAL, refused: refusal },
    });
    return RETRY;
  }
  const now = deps.clock.now();
  const reversed = await updateWithJournal(deps, claimed, 'late_payment_reversed', CLEAR_PENDING, now, {
    dialect: ctx.dialect, requestId: ctx.requestId, amount,
  }, (q, u) => postPaidOut(q, u, amount, now, 'late_payment_reversal'));
  return reversed ?? RETRY;
}
