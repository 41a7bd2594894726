// confirm: submit the payment to the processor. The transition to `processing` is the claim; the
// processor's answer is recorded with a second guarded write (DESIGN.md §1.4).
import type { CallContext, CoreDeps } from '../deps.ts';
import { invalidParameter, KasirError } from '../errors.ts';
import { ProcessorTimeout, type CardData, type ConfirmOutcome } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { CLEAR_PENDING, holdsLease, RETRY, updateWithJournal, WAIT, withPayment } from './pending.ts';
import { postCapture } from '../ledger/postings.ts';
import { updatePayment, type PaymentRef } from './repo.ts';

export interface ConfirmInput {
  ref: PaymentRef;
  paymentMethod?: string;
  methodType?: string;
  card?: CardData;
}

export interface ConfirmResult {
  payment: Payment;
  /** The processor did not answer in time: the payment stays `processing` until reconciled. */
  outcomeUnknown: boolean;
}

export async function confirmPayment(deps: CoreDeps, ctx: CallContext, input: ConfirmInput): Promise<ConfirmResult> {
  return withPayment(deps, ctx, input.ref, null, async (p) => {
    const now = deps.clock.now();
    if (holdsLease(p, now)) return WAIT;
    if (p.status !== 'requires_payment_method' && p.status !== 'requires_confirmation') {
      throw new KasirError('INVALID_STATE', `Payment cannot be confirmed because its status is ${p.status}`, { details: { status: p.status } });
    }
    const method = input.paymentMethod ?? p.paymentMethod;
    if (!method) throw invalidParameter('paymentMethod', 'is required to confirm this payment');
    const claimed = await updatePayment(deps.db, p, 'submitted', {
      paymentMethod: method,
      methodType: input.methodType ?? p.methodType,
      confirmedAt: now,
      pendingOperation: 'confirm',
      pendingState: 'in_flight',
      pendingUntil: new Date(now.getTime() + deps.leaseMs),
      pendingData: {},
    }, now, { dialect: ctx.dialect, requestId: ctx.requestId });
    if (!claimed) return RETRY;
    let outcome: ConfirmOutcome;
    try {
      outcome = await deps.processor.confirm(claimed, input.card);
    } catch (err) {
      // A timeout or any failure without an answer: the processor may have authorized or charged.
      // The payment stays `processing` with the confirm pending, for the reconciler to ask.
      const unknown = await updatePayment(deps.db, claimed, 'outcome_unknown', { pendingState: 'unknown', pendingUntil: null }, deps.clock.now(), {
        dialect: ctx.dialect, requestId: ctx.requestId,
        data: { operation: 'confirm', error: err instanceof ProcessorTimeout ? 'timeout' : String((err as Error).message).slice(0, 200) },
      });
      return { payment: unknown ?? claimed, outcomeUnknown: true };
    }
    const recorded = await recordConfirmOutcome(deps, ctx, claimed, outcome);
    return recorded ? { payment: recorded, outcomeUnknown: false } : RETRY;
  });
}

/** Writes what the processor (or, in the sandbox, the buyer) decided about a submitted payment. */
export function recordConfirmOutcome(deps: CoreDeps, ctx: Pick<CallContext, 'dialect' | 'requestId'>, p: Payment, outcome: ConfirmOutcome) {
  const now = deps.clock.now();
  const info = { dialect: ctx.dialect, requestId: ctx.requestId };
  const base = { ...CLEAR_PENDING, processorRef: outcome.processorRef };
  switch (outcome.kind) {
    case 'succeeded':
      return updateWithJournal(deps, p, 'succeeded', {
        ...base, amountReceived: p.amount, amountCapturable: 0n, capturedAt: now, succeededAt: now, authorizedAt: p.authorizedAt ?? now, nextAction: null,
      }, now, { ...info, amount: p.amount }, (q, u) => postCapture(q, u, p.amount, now));
    case 'authorized':
      return updatePayment(deps.db, p, 'authorized', { ...base, amountCapturable: p.amount, authorizedAt: now, nextAction: null }, now, { ...info, amount: p.amount });
    case 'action':
      return updatePayment(deps.db, p, 'action_required', { ...base, nextAction: outcome.nextAction }, now, info);
    case 'failed':
      return updatePayment(deps.db, p, 'failed', { ...base, nextAction: null }, now, { ...info, data: { reason: outcome.reason } });
  }
}
