// capture: a manual-capture authorization is captured once (the rest is released). Claim → processor
// capture → guarded write (processor-call.ts); a retry of the same request resumes its own capture.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { effectiveContract } from '../contracts/defaults.ts';
import { CLEAR_PENDING, holdsLease, pendingElsewhere, RETRY, updateWithJournal, WAIT, withPayment } from './pending.ts';
import { runClaimed, type ResumeMode } from './processor-call.ts';
import { ownEarlier } from './own-earlier.ts';
import type { PaymentRef } from './repo.ts';
import { postCapture } from '../ledger/postings.ts';
import type { Payment } from './model.ts';

export interface CaptureInput {
  ref: PaymentRef;
  /** Absent = everything capturable; the rest of the authorization is released. */
  amount?: bigint;
  /** The reconciler: finish whatever capture is pending. */
  resume?: ResumeMode;
}

export async function capturePayment(deps: CoreDeps, ctx: CallContext, input: CaptureInput): Promise<Payment> {
  return withPayment(deps, ctx, input.ref, null, async (p) => {
    const now = deps.clock.now();
    if (!effectiveContract(p.profile, ctx.merchant.contract).apis.capture) {
      throw new KasirError('API_NOT_ENABLED', 'Capture is not enabled in the merchant contract');
    }
    const own = await ownEarlier(deps, ctx, p);
    if (own.kind === 'completed') return p;
    if (p.pendingOperation === 'cancel') {
      throw new KasirError('INVALID_STATE', 'Payment cannot be captured while a cancellation is in progress', { details: { status: p.status } });
    }
    if (own.kind !== 'pending' && holdsLease(p, now)) return WAIT;
    if (p.pendingOperation === 'capture') {
      // An earlier capture's outcome is unknown: only the same capture may finish it.
      const pendingAmount = BigInt(String(p.pendingData?.amount));
      if (own.kind !== 'pending' && !input.resume && input.amount !== undefined && input.amount !== pendingAmount) throw pendingElsewhere(p);
      return finish(p, pendingAmount, (p.pendingData?.requestId as string) ?? ctx.requestId);
    }
    if (p.pendingOperation) throw pendingElsewhere(p);
    if (p.status !== 'requires_capture') {
      throw new KasirError('INVALID_STATE', `Payment cannot be captured because its status is ${p.status}`, { details: { status: p.status } });
    }
    const amount = input.amount ?? p.amountCapturable;
    if (amount <= 0n || amount > p.amountCapturable) {
      throw new KasirError('AMOUNT_EXCEEDS_AVAILABLE', 'amountToCapture exceeds the amount capturable', { field: 'amountToCapture' });
    }
    return finish(p, amount, ctx.requestId);

    // The capture's request id (Antom captureRequestId) is kept with the claim, so the event names
    // it even when the reconciler finishes the capture.
    async function finish(current: Payment, amt: bigint, requestId: string): Promise<Payment | typeof RETRY> {
      return runClaimed(deps, ctx, current, {
        operation: 'capture',
        kind: 'capture',
        amount: amt,
        data: { amount: amt.toString(), requestId },
        record: (claimed, done, source) => {
          const at = deps.clock.now();
          // The uncaptured rest of the authorization is released: it counts as canceled (voided),
          // so what can later be refunded or reversed is exactly what was captured.
          const released = claimed.amountCapturable - amt;
          const data = { source, operationId: claimed.pendingData?.operationId, ...(released > 0n ? { released: released.toString() } : {}) };
          return updateWithJournal(deps, claimed, 'captured', {
            ...CLEAR_PENDING, amountReceived: amt, amountCapturable: 0n, amountCanceled: claimed.amountCanceled + released, capturedAt: at, succeededAt: at,
          }, at, { dialect: ctx.dialect, requestId, amount: amt, data }, async (q, u) => {
            await postCapture(q, u, amt, at);
            await done.post(q, u, at);
          });
        },
      }, input.resume);
    }
  });
}
