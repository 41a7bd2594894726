// Reconciliation of unknown outcomes: a processor call that timed out (or whose claimant died and
// let its lease lapse) is finished by asking the processor what happened, on a schedule. Nothing is
// guessed: each operation's own resume path queries the processor first (pending.ts runClaimed).
import type { CallContext, CoreDeps } from '../deps.ts';
import { getMerchant } from '../merchants/merchants.ts';
import { capturePayment } from '../payments/capture.ts';
import { cancelPayment } from '../payments/cancel.ts';
import { recordConfirmOutcome } from '../payments/confirm.ts';
import { LATE_REVERSAL, reverseLateFunds } from '../payments/late-payment.ts';
import { PAYMENT_SELECT, rowToPayment, type Payment } from '../payments/model.ts';
import { refundPayment } from '../payments/refund.ts';

export interface ReconcileReport {
  resolved: number;
  stillUnknown: number;
  errors: { paymentId: string; error: string }[];
}

export async function reconcileUnknown(deps: CoreDeps, batch = 50): Promise<ReconcileReport> {
  const now = deps.clock.now();
  const { rows } = await deps.db.query(
    `SELECT ${PAYMENT_SELECT} FROM payments
      WHERE pending_operation IS NOT NULL AND (pending_state = 'unknown' OR pending_until <= $1)
      ORDER BY updated_at LIMIT $2`,
    [now, batch],
  );
  const report: ReconcileReport = { resolved: 0, stillUnknown: 0, errors: [] };
  for (const row of rows) {
    const p = rowToPayment(row);
    try {
      const after = await resolve(deps, p);
      if (after.pendingOperation) report.stillUnknown++;
      else report.resolved++;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'OUTCOME_UNKNOWN' || code === 'REQUEST_IN_FLIGHT') report.stillUnknown++;
      else report.errors.push({ paymentId: p.id, error: (err as Error).message });
    }
  }
  return report;
}

async function resolve(deps: CoreDeps, p: Payment): Promise<Payment> {
  const merchant = await getMerchant(deps.db, p.merchantId);
  const ctx: CallContext = { merchant: { id: merchant.id, contract: merchant.contract }, dialect: 'system', requestId: 'reconciler' };
  const ref = { id: p.id };
  switch (p.pendingOperation) {
    case 'cancel':
      return (await cancelPayment(deps, ctx, { ref, resume: true })).payment;
    case 'capture':
      return capturePayment(deps, ctx, { ref, resume: true });
    case 'refund':
      return (await refundPayment(deps, ctx, { ref, resume: true })).payment;
    case 'confirm':
      return resolveConfirm(deps, ctx, p);
    case LATE_REVERSAL: {
      const done = await reverseLateFunds(deps, ctx, p);
      return typeof done === 'symbol' ? p : done;
    }
    default:
      throw new Error(`unknown pending operation ${p.pendingOperation}`);
  }
}

/** The processor either has the authorization/charge (record it) or has no trace of it (failed). */
async function resolveConfirm(deps: CoreDeps, ctx: CallContext, p: Payment): Promise<Payment> {
  const answer = await deps.processor.query(p, 'confirm');
  const processorRef = p.processorRef ?? `sim_reconciled_${p.id.slice(0, 8)}`;
  const outcome =
    answer === 'done'
      ? ({ kind: p.captureMethod === 'manual' ? 'authorized' : 'succeeded', processorRef } as const)
      : ({ kind: 'failed', processorRef, reason: 'processor_has_no_record' } as const);
  return (await recordConfirmOutcome(deps, ctx, p, outcome)) ?? p; // lost a race: the next run looks again
}
