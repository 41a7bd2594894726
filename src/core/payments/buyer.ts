// The buyer's side of a simulated processor (test mode): paying or failing a payment that awaits the
// buyer (QR, wallet, VA, 3-D Secure) or whose charge is still pending at the processor. Same
// discipline as every processor call: the charge is claimed (and its operation record written)
// before the simulator books the buyer's outcome, so a crash in between is finished by the
// reconciler's sync; then the booked outcome is reported through the core's one operation for late
// news (report.ts). Live processors have no such call: their buyers act upstream.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { listOperations, newOperation } from '../processors/operations.ts';
import { processorOf, type OperationRecord } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { claimSubmission, syncConfirm } from './confirm.ts';
import { ownEarlier } from './own-earlier.ts';
import { holdsLease, RETRY, WAIT, withPayment } from './pending.ts';
import { afterLostWrite, claimData, openOperationOf } from './processor-call.ts';
import { updatePayment, type PaymentRef } from './repo.ts';
import { applyReport, checkReportable } from './report.ts';
import { sandboxOnly } from './routing.ts';

export type BuyerOutcome = 'succeeded' | 'failed';

const PRE_SUBMIT = new Set(['requires_payment_method', 'requires_confirmation']);

/**
 * Claims the charge the buyer acts on: a payment never submitted is submitted now; a charge waiting
 * for the buyer (or pending at the processor) is claimed again under its own operation record.
 */
async function claimCharge(deps: CoreDeps, ctx: CallContext, p: Payment): Promise<{ claimed: Payment; op: OperationRecord } | null> {
  if (PRE_SUBMIT.has(p.status)) return claimSubmission(deps, ctx, p, { paymentMethod: p.paymentMethod ?? 'card', methodType: p.methodType });
  const now = deps.clock.now();
  const lease = { pendingState: 'in_flight' as const, pendingUntil: new Date(now.getTime() + deps.leaseMs) };
  if (p.pendingOperation === 'confirm') {
    const op = await openOperationOf(deps, p);
    const claimed = await updatePayment(deps.db, p, null, lease, now);
    return claimed ? { claimed, op } : null;
  }
  const op = (await listOperations(deps.db, p.id)).findLast((o) => o.kind === 'authorize');
  if (!op) throw new KasirError('INVALID_STATE', 'The payment has no charge at the processor to pay');
  const claimed = await deps.db.tx(async (q) => {
    const u = await updatePayment(q, p, null, { ...lease, pendingOperation: 'confirm', pendingData: claimData(ctx, op, {}) }, now);
    if (u) await q.query(`UPDATE processor_operations SET status = 'pending', updated_at = $2 WHERE id = $1 AND status = 'completed'`, [op.id, now]);
    return u;
  });
  return claimed ? { claimed, op } : null;
}

export async function completeByBuyer(deps: CoreDeps, ctx: CallContext, ref: PaymentRef, outcome: BuyerOutcome): Promise<Payment> {
  if (ctx.merchant.mode === 'live') throw sandboxOnly('The sandbox buyer');
  return withPayment(deps, ctx, ref, null, async (p) => {
    // A cancel or capture being decided right now goes first; the buyer sees its result.
    if (holdsLease(p, deps.clock.now())) return WAIT;
    // The same keyed request again after its answer was lost: the buyer's outcome is already in place.
    if ((await ownEarlier(deps, ctx, p)).kind === 'completed') return p;
    const late = (await checkReportable(deps, p, outcome === 'succeeded')) === 'late_funds';
    const processor = await processorOf(deps.processors, p);
    if (!processor.simulateBuyer) throw sandboxOnly('The sandbox buyer');
    if (late) {
      // Money sent after the cancel or expiry is a charge of its own at the processor (recorded with
      // the late funds, then reversed).
      const op = newOperation(deps.clock, p, { kind: 'authorize', amount: p.amount });
      const reported = await processor.simulateBuyer(op, p, outcome);
      return applyReport(deps, ctx, p, { op, isNew: true, outcome: reported, source: 'buyer' });
    }
    const claim = await claimCharge(deps, ctx, p);
    if (!claim) return RETRY;
    let reported;
    try {
      reported = await processor.simulateBuyer(claim.op, claim.claimed, outcome);
    } catch (err) {
      // The charge was already settled at the processor: apply what it holds now, then say so.
      if (err instanceof KasirError) await syncConfirm(deps, ctx, claim.claimed);
      throw err;
    }
    const applied = await applyReport(deps, ctx, claim.claimed, { op: claim.op, isNew: false, outcome: reported, source: 'buyer' });
    return applied === RETRY ? afterLostWrite(deps, claim.op) : applied;
  });
}
