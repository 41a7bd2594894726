// What an upstream provider says about one charge — a verified notification, or its inquiry asked by
// the poller (jobs/poll-upstream.ts) — applied through the core's one operation for late news
// (report.ts). Only the charge's own processor may report on it. A report that changes nothing (the
// outcome is already recorded, the buyer has not acted yet) is no error: providers resend until
// they are acknowledged, and the answer must stay the same.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { getMerchant } from '../merchants/merchants.ts';
import { getOperation } from '../processors/operations.ts';
import { authorizeOutcomeOf, type SyncResult } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { holdsLease, RETRY, WAIT, withPayment } from './pending.ts';
import type { OutcomeSource } from './processor-call.ts';
import { applyReport, checkReportable } from './report.ts';

/** Outcomes that settle a charge (the others leave it waiting). */
type Settled = Exclude<SyncResult, { status: 'pending' | 'not_found' | 'action' }>;

function settles(found: SyncResult): found is Settled {
  return found.status !== 'pending' && found.status !== 'not_found' && found.status !== 'action';
}

export type ReportAnswer = 'applied' | 'unchanged' | 'unknown_charge';

/**
 * Applies `found` to the payment of charge `operationId`, if `processor` is the one it went to.
 * Throws only when the report cannot be applied yet (a cancel of the payment is in flight): the
 * provider's resend, or the poller, brings it again.
 */
export async function reportCharge(deps: CoreDeps, processor: string, operationId: string, found: SyncResult, source: OutcomeSource): Promise<ReportAnswer> {
  const op = await getOperation(deps.db, operationId);
  if (!op || op.processor !== processor || op.kind !== 'authorize') return 'unknown_charge';
  if (!settles(found)) return 'unchanged';
  const merchant = await getMerchant(deps.db, op.merchantId);
  const ctx: CallContext = { merchant: { id: merchant.id, mode: merchant.mode, contract: merchant.contract }, dialect: 'system', requestId: `${source}:${operationId}` };
  const outcome = authorizeOutcomeOf(found, op);
  const paid = outcome.kind === 'succeeded' || outcome.kind === 'authorized';
  let applied = false;
  await withPayment(deps, ctx, { id: op.paymentId }, null, async (p: Payment) => {
    if (p.processor !== processor) return p;
    if (holdsLease(p, deps.clock.now())) return WAIT;
    try {
      await checkReportable(deps, p, paid);
    } catch (err) {
      // Already decided (the answer, a sync or an earlier copy of this report got there first).
      if (err instanceof KasirError && err.code === 'INVALID_STATE' && p.pendingOperation !== 'cancel') return p;
      throw err;
    }
    const after = await applyReport(deps, ctx, p, { op, isNew: false, outcome, source });
    if (after === RETRY) return RETRY;
    applied = true;
    return after;
  });
  return applied ? 'applied' : 'unchanged';
}
