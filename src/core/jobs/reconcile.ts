// Reconciliation of unknown outcomes: a processor call that timed out (or whose claimant died and
// let its lease lapse) is finished by asking the processor what became of that very operation
// (sync), on a schedule, and applying exactly what it says: done → recorded, refused → released,
// still waiting (a buyer, an issuer that has not answered) → left waiting, never seen → rolled back
// with reserved funds released. Nothing is inferred from "the call finished". Every outcome lands in
// the timeline with its source ('sync').
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { getMerchant } from '../merchants/merchants.ts';
import { capturePayment } from '../payments/capture.ts';
import { cancelPayment } from '../payments/cancel.ts';
import { syncConfirm } from '../payments/confirm.ts';
import { LATE_REVERSAL, reverseLateFunds } from '../payments/late-payment.ts';
import { PAYMENT_SELECT, rowToPayment, type Payment } from '../payments/model.ts';
import { getPaymentById } from '../payments/repo.ts';
import { refundPayment } from '../payments/refund.ts';

export interface ReconcileReport {
  resolved: number;
  stillUnknown: number;
  errors: { paymentId: string; error: string }[];
}

export async function reconcileUnknown(deps: CoreDeps, batch = 50): Promise<ReconcileReport> {
  const now = deps.clock.now();
  // Due: an unknown outcome whose next look is due (never looked at: NULL first), or a claim whose
  // request died (lease lapsed). Charges that stay pending for long are looked at again only after
  // a pause, so they never crowd out the rest of the batch.
  const { rows } = await deps.db.query(
    `SELECT ${PAYMENT_SELECT} FROM payments
      WHERE pending_operation IS NOT NULL
        AND ((pending_state = 'unknown' AND (pending_until IS NULL OR pending_until <= $1)) OR (pending_state = 'in_flight' AND pending_until <= $1))
      ORDER BY pending_until NULLS FIRST, updated_at LIMIT $2`,
    [now, batch],
  );
  const report: ReconcileReport = { resolved: 0, stillUnknown: 0, errors: [] };
  for (const row of rows) {
    const p = rowToPayment(row);
    try {
      const after = await resolve(deps, p);
      if (after.pendingOperation) {
        report.stillUnknown++;
        await lookAgainLater(deps, p.id);
      } else report.resolved++;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // A definitive refusal heard from the processor is a resolution too: the claim was released.
      const refusalApplied = err instanceof KasirError && !(await getPaymentById(deps.db, p.id))?.pendingOperation;
      if (refusalApplied) report.resolved++;
      else if (code === 'OUTCOME_UNKNOWN' || code === 'REQUEST_IN_FLIGHT') report.stillUnknown++;
      else report.errors.push({ paymentId: p.id, error: (err as Error).message });
      if (!refusalApplied) await lookAgainLater(deps, p.id);
    }
  }
  return report;
}

/**
 * Settles one payment's unknown call now, as a pass of the reconciler would: the provider just told
 * us something about it (a capture or refund notification), so its sync will have the answer.
 * A call still in flight belongs to its own request, which records the answer itself.
 */
export async function reconcilePayment(deps: CoreDeps, paymentId: string): Promise<void> {
  const p = await getPaymentById(deps.db, paymentId);
  if (!p?.pendingOperation || p.pendingState !== 'unknown') return;
  await resolve(deps, p);
}

/** An unknown outcome that is still unknown: its next look is one lease from now (pending_until). */
async function lookAgainLater(deps: CoreDeps, id: string): Promise<void> {
  const next = new Date(deps.clock.now().getTime() + deps.leaseMs);
  await deps.db.query(`UPDATE payments SET pending_until = $2 WHERE id = $1 AND pending_state = 'unknown'`, [id, next]);
}

async function resolve(deps: CoreDeps, p: Payment): Promise<Payment> {
  const merchant = await getMerchant(deps.db, p.merchantId);
  const ctx: CallContext = { merchant: { id: merchant.id, mode: merchant.mode, contract: merchant.contract }, dialect: 'system', requestId: 'reconciler' };
  const ref = { id: p.id };
  switch (p.pendingOperation) {
    case 'cancel':
      return (await cancelPayment(deps, ctx, { ref, resume: 'reconcile' })).payment;
    case 'capture':
      return capturePayment(deps, ctx, { ref, resume: 'reconcile' });
    case 'refund':
      return (await refundPayment(deps, ctx, { ref, resume: 'reconcile' })).payment;
    case 'confirm': {
      await syncConfirm(deps, ctx, p); // a lost race: the next run looks again
      return (await getPaymentById(deps.db, p.id)) ?? p;
    }
    case LATE_REVERSAL: {
      const done = await reverseLateFunds(deps, ctx, p);
      return typeof done === 'symbol' ? p : done;
    }
    default:
      throw new Error(`unknown pending operation ${p.pendingOperation}`);
  }
}
