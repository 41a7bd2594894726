// The buyer's side of the sandbox: paying or failing a payment that awaits the buyer (QR, wallet,
// VA, 3-D Secure) or whose processor outcome is pending. This is the processor reporting an outcome,
// so it is a single guarded write, never a processor call — except for funds arriving after a
// cancel or expiry, which are returned to the payer (late-payment.ts).
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { token } from '../ids.ts';
import type { Payment } from './model.ts';
import { holdsLease, RETRY, WAIT, withPayment } from './pending.ts';
import { recordConfirmOutcome } from './confirm.ts';
import type { PaymentRef } from './repo.ts';
import { receiveLateFunds, reverseLateFunds } from './late-payment.ts';

/** A processor accepts one payment per order: late funds arrive at most once. */
async function hadLateFunds(deps: CoreDeps, p: Payment): Promise<boolean> {
  const { rows } = await deps.db.query(`SELECT 1 FROM payment_events WHERE payment_id = $1 AND type = 'late_payment_received'`, [p.id]);
  return rows.length > 0;
}

export type BuyerOutcome = 'succeeded' | 'failed';

export async function completeByBuyer(deps: CoreDeps, ctx: CallContext, ref: PaymentRef, outcome: BuyerOutcome): Promise<Payment> {
  return withPayment(deps, ctx, ref, null, async (p) => {
    // A cancel or capture being decided right now goes first; the buyer sees its result.
    if (holdsLease(p, deps.clock.now())) return WAIT;
    // A cancel whose outcome is unknown was sent first: it wins, and a buyer paying afterwards never
    // resurrects the payment (seed 001: it stays canceled). Its retry or the reconciler finishes it.
    if (p.pendingOperation === 'cancel') {
      throw new KasirError('INVALID_STATE', 'Payment cannot be paid because it is being canceled', { details: { status: p.status } });
    }
    if ((p.status === 'canceled' || p.status === 'expired') && outcome === 'succeeded' && !p.pendingOperation && !(await hadLateFunds(deps, p))) {
      // Paid after the cancel or expiry: never resurrected; the funds go back to the payer.
      const received = await receiveLateFunds(deps, ctx, p);
      if (!received) return RETRY;
      const reversed = await reverseLateFunds(deps, ctx, received, true);
      return reversed === RETRY ? received : reversed;
    }
    if (p.status !== 'requires_action' && p.status !== 'processing' && p.status !== 'requires_confirmation') {
      throw new KasirError('INVALID_STATE', `Payment cannot be paid because its status is ${p.status}`, { details: { status: p.status } });
    }
    const processorRef = p.processorRef ?? token('sim_', 12);
    const kind = outcome === 'failed' ? 'failed' : p.captureMethod === 'manual' ? 'authorized' : 'succeeded';
    const recorded = await recordConfirmOutcome(deps, ctx, p, kind === 'failed' ? { kind, processorRef, reason: 'buyer_failed' } : { kind, processorRef });
    return recorded ?? RETRY;
  });
}
