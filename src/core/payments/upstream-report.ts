// What an upstream provider says about one charge — a verified notification, or its inquiry asked by
// the poller (jobs/poll-upstream.ts) — applied through the core's one operation for late news
// (report.ts). Only the charge's own processor may report on it. A report that changes nothing (the
// outcome is already recorded, the buyer has not acted yet) is no error: providers resend until
// they are acknowledged, and the answer must stay the same.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { getMerchant } from '../merchants/merchants.ts';
import { getOperation, recordAuthorizationResult } from '../processors/operations.ts';
import type { OperationRecord } from '../processors/processor.ts';
import { authorizeOutcomeOf, type SyncResult } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { awaitsUpstream, holdsLease, RETRY, updateWithJournal, WAIT, withPayment } from './pending.ts';
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
  if (!(await isCurrentCharge(deps, op))) {
    // A failure of a charge Kasir no longer waits on (rolled back, replaced) means nothing. Money
    // arriving on one must be returned at the provider, which Kasir cannot decide alone: refused,
    // so the provider keeps the notification visible and retrying until an operator acts.
    if (found.status !== 'succeeded' && found.status !== 'authorized') return 'unchanged';
    throw new KasirError('INVALID_STATE', `Charge ${op.id} was given up by Kasir but the provider reports it paid: return it at the provider`);
  }
  const merchant = await getMerchant(deps.db, op.merchantId);
  const ctx: CallContext = { merchant: { id: merchant.id, mode: merchant.mode, contract: merchant.contract }, dialect: 'system', requestId: `${source}:${operationId}` };
  const outcome = authorizeOutcomeOf(found, op);
  const paid = outcome.kind === 'succeeded' || outcome.kind === 'authorized';
  let applied = false;
  await withPayment(deps, ctx, { id: op.paymentId }, null, async (p: Payment) => {
    if (p.processor !== processor) return p;
    const now = deps.clock.now();
    if (holdsLease(p, now)) return WAIT;
    if (found.status === 'canceled' && awaitsUpstream(p) && p.expiresAt && p.expiresAt <= now) {
      // The provider closed the charge at the expiry it was given: the payment lapsed, unpaid.
      const expired = await updateWithJournal(deps, p, 'expired', { nextAction: null }, now, { dialect: 'system', requestId: ctx.requestId, data: { operationId, source } },
        (q) => recordAuthorizationResult(q, op.id, { outcome: 'expired', source }, now));
      if (!expired) return RETRY;
      applied = true;
      return expired;
    }
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

/** The payment's latest charge, still standing (not rolled back): the one whose outcome it waits for. */
async function isCurrentCharge(deps: CoreDeps, op: OperationRecord): Promise<boolean> {
  if (op.status === 'rolled_back') return false;
  const { rows } = await deps.db.query<{ id: string }>(
    `SELECT id FROM processor_operations WHERE payment_id = $1 AND kind = 'authorize' ORDER BY created_at DESC, id DESC LIMIT 1`,
    [op.paymentId],
  );
  return rows[0]?.id === op.id;
}
