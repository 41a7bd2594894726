// The buyer's side of a simulated processor (test mode): paying or failing a payment that awaits the
// buyer (QR, wallet, VA, 3-D Secure) or whose charge is still pending at the processor. The
// processor books the buyer's outcome on the charge, then reports it through the core's one
// operation for late news (report.ts). Live processors have no such call: their buyers act upstream.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { listOperations, newOperation, pendingOperationId } from '../processors/operations.ts';
import { processorOf, type OperationRecord } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { holdsLease, RETRY, WAIT, withPayment } from './pending.ts';
import type { PaymentRef } from './repo.ts';
import { applyReport, checkReportable } from './report.ts';
import { ownEarlier } from './own-earlier.ts';

export type BuyerOutcome = 'succeeded' | 'failed';

/** The charge the buyer acts on: the open or last authorization, or a new one when none was made. */
async function chargeOf(deps: CoreDeps, p: Payment): Promise<{ op: OperationRecord; isNew: boolean }> {
  const ops = await listOperations(deps.db, p.id);
  const pendingId = pendingOperationId(p);
  const found = ops.find((o) => o.id === pendingId) ?? ops.findLast((o) => o.kind === 'authorize');
  return found ? { op: found, isNew: false } : { op: newOperation(deps.clock, p, { kind: 'authorize', amount: p.amount }), isNew: true };
}

export async function completeByBuyer(deps: CoreDeps, ctx: CallContext, ref: PaymentRef, outcome: BuyerOutcome): Promise<Payment> {
  return withPayment(deps, ctx, ref, null, async (p) => {
    // A cancel or capture being decided right now goes first; the buyer sees its result.
    if (holdsLease(p, deps.clock.now())) return WAIT;
    // The same keyed request again after its answer was lost: the buyer's outcome is already in place.
    if ((await ownEarlier(deps, ctx, p)).kind === 'completed') return p;
    await checkReportable(deps, p, outcome === 'succeeded');
    const processor = processorOf(deps.processors, p);
    if (!processor.simulateBuyer) throw new KasirError('API_NOT_ENABLED', 'The sandbox buyer is only available for test-mode payments');
    const { op, isNew } = await chargeOf(deps, p);
    const reported = await processor.simulateBuyer(op, p, outcome);
    const applied = await applyReport(deps, ctx, p, { op, isNew, outcome: reported, source: 'buyer' });
    return applied === RETRY ? RETRY : applied;
  });
}
