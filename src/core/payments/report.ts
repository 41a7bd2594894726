// Outcomes a processor reports after the fact — the buyer paid or failed at the processor, a
// notification arrived, a charge that "never answered" was settled — enter the core through this one
// operation. A report about a payment already canceled or expired never resurrects it: the late
// funds are recorded and returned to the payer (late-payment.ts, seed 001).
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import type { AuthorizeOutcome, OperationRecord } from '../processors/processor.ts';
import { recordAuthorization } from './confirm.ts';
import { receiveLateFunds, reverseLateFunds } from './late-payment.ts';
import type { Payment } from './model.ts';
import { RETRY } from './pending.ts';
import type { OutcomeSource } from './processor-call.ts';

/** Statuses in which a reported charge outcome is still news. */
const AWAITING = new Set(['requires_confirmation', 'requires_action', 'processing']);

/** A processor accepts one payment per order: late funds arrive at most once. */
async function hadLateFunds(deps: CoreDeps, p: Payment): Promise<boolean> {
  const { rows } = await deps.db.query(`SELECT 1 FROM payment_events WHERE payment_id = $1 AND type = 'late_payment_received'`, [p.id]);
  return rows.length > 0;
}

/** Whether a report about `p` can be applied at all (checked before a simulator books anything). */
export async function checkReportable(deps: CoreDeps, p: Payment, paid: boolean): Promise<'apply' | 'late_funds'> {
  // A cancel whose outcome is unknown was sent first: it wins, and a payment made afterwards never
  // resurrects the payment (seed 001: it stays canceled). Its retry or the reconciler finishes it.
  if (p.pendingOperation === 'cancel') {
    throw new KasirError('INVALID_STATE', 'Payment cannot be paid because it is being canceled', { details: { status: p.status } });
  }
  if ((p.status === 'canceled' || p.status === 'expired') && paid && !p.pendingOperation && !(await hadLateFunds(deps, p))) return 'late_funds';
  if (!AWAITING.has(p.status)) {
    throw new KasirError('INVALID_STATE', `Payment cannot be paid because its status is ${p.status}`, { details: { status: p.status } });
  }
  return 'apply';
}

export interface Report {
  /** The charge the report is about; `isNew` when Kasir had no record of it yet. */
  op: OperationRecord;
  isNew: boolean;
  outcome: AuthorizeOutcome;
  source: OutcomeSource;
}

/** Applies a reported charge outcome to `p` (already checked with checkReportable). RETRY = raced. */
export async function applyReport(deps: CoreDeps, ctx: CallContext, p: Payment, r: Report): Promise<Payment | typeof RETRY> {
  const paid = r.outcome.kind === 'succeeded' || r.outcome.kind === 'authorized';
  if ((await checkReportable(deps, p, paid)) === 'late_funds') {
    const charge = r.isNew ? { ...r.op, status: 'completed' as const, result: { outcome: r.outcome.kind, source: r.source, late: true } } : undefined;
    const received = await receiveLateFunds(deps, ctx, p, charge);
    if (!received) return RETRY;
    const reversed = await reverseLateFunds(deps, ctx, received, true);
    return reversed === RETRY ? received : reversed;
  }
  const recorded = await recordAuthorization(deps, ctx, p, r.op.id, r.outcome, r.source, r.isNew ? r.op : undefined);
  return recorded ?? RETRY;
}
