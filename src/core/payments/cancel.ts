// cancel(merchant, ref, options): docs/cancel-rules.md. The decision is pure (cancel-decision.ts); this file
// executes it: one guarded write for a payment never submitted to a processor, otherwise claim →
// processor call → guarded write. An identical retry after a timeout finishes the same cancel.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { effectiveContract } from '../contracts/defaults.ts';
import { decideCancel, type CancelDecision, type CancelRequest } from './cancel-decision.ts';
import { remainingAmount, type Payment } from './model.ts';
import { requireAbility } from './routing.ts';
import { CLEAR_PENDING, holdsLease, pendingElsewhere, RETRY, updateWithJournal, WAIT, withPayment } from './pending.ts';
import { runClaimed, type Completion, type OutcomeSource, type ResumeMode } from './processor-call.ts';
import { ownEarlier } from './own-earlier.ts';
import { syncConfirm } from './confirm.ts';
import { markRecoveryPoint } from '../idempotency.ts';
import { updatePayment, type PaymentChanges, type PaymentRef } from './repo.ts';
import { postHold, postPaidOut, postRelease } from '../ledger/postings.ts';

export const CANCELLATION_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;

export interface CancelInput extends Partial<CancelRequest> {
  ref: PaymentRef;
  merchantAccountId?: string | null;
  reason?: string | null;
  /** The reconciler: finish whatever cancel is pending, whatever this input says. */
  resume?: ResumeMode;
}

export interface CancelResult {
  payment: Payment;
  /** The amount this cancel gave back or voided. */
  amount: bigint;
}

export async function cancelPayment(deps: CoreDeps, ctx: CallContext, input: CancelInput): Promise<CancelResult> {
  const req: CancelRequest = { amount: input.amount, full: input.full ?? false, partial: input.partial ?? false };
  return withPayment(deps, ctx, input.ref, input.merchantAccountId, async (p) => {
    const now = deps.clock.now();
    const contract = effectiveContract(p.profile, ctx.merchant.contract);
    if (!contract.apis.cancel) throw new KasirError('API_NOT_ENABLED', 'Cancel is not enabled in the merchant contract');
    const own = await ownEarlier(deps, ctx, p);
    // This request's own cancel already happened (before a crash, or finished by the reconciler).
    if (own.kind === 'completed') return { payment: p, amount: own.op?.amount ?? p.amountCanceled };
    if (p.pendingOperation === 'cancel') {
      // Another request is cancelling: wait for it. An earlier one that ended unknown: finish it,
      // when this is the same cancel (a partial cancel of another amount is not).
      if (own.kind !== 'pending' && holdsLease(p, now)) return WAIT;
      const stored = p.pendingData as unknown as StoredCancel;
      if (own.kind !== 'pending' && !input.resume && req.amount !== undefined && String(req.amount) !== stored.decision.amount) throw pendingElsewhere(p);
      return execute(deps, ctx, p, stored, input.resume);
    }
    if (p.pendingOperation && p.pendingOperation !== 'capture') {
      if (holdsLease(p, now)) return WAIT;
      // A pending refund or late-funds reversal must be finished first.
      if (p.pendingOperation !== 'confirm') throw pendingElsewhere(p);
      // A confirm whose outcome is unknown: ask the processor first (the buyer may have paid, or the
      // charge never arrived), decide again on what it says. Only a charge still waiting there is
      // covered by the cancel: the void closes it at the processor.
      if ((await syncConfirm(deps, ctx, p)) !== 'still_pending') return RETRY;
    }
    const decision = decideCancel(p, contract, now, req);
    const reachesProcessor = !(decision.kind === 'void' && !decision.submitted);
    if (reachesProcessor && BigInt(decision.amount) < remainingAmount(p)) await requireAbility(deps, p, 'partialCancel', 'A partial cancel');
    return execute(deps, ctx, p, { decision, reason: input.reason ?? null });
  });
}

interface StoredCancel {
  decision: { kind: CancelDecision['kind']; amount: string; submitted?: boolean; closes?: boolean };
  reason: string | null;
}

async function execute(
  deps: CoreDeps,
  ctx: CallContext,
  p: Payment,
  stored: { decision: CancelDecision; reason: string | null } | StoredCancel,
  resume?: ResumeMode,
): Promise<CancelResult | typeof RETRY> {
  const d = stored.decision;
  const amount = BigInt(d.amount);
  if (d.kind === 'void' && !d.submitted) {
    // Never reached a processor: nothing to void there, so one guarded write is the whole cancel
    // (in a transaction with the key's recovery point only when the request has a key).
    const key = ctx.requestKey;
    const done = await recordCancel(deps, ctx, p, d.kind, amount, stored.reason, 'response', key
      ? { post: (q, u) => markRecoveryPoint(q, key, 'done', { paymentId: u.id }) }
      : undefined);
    return done ? { payment: done, amount } : RETRY;
  }
  const data = { decision: { ...d, amount: amount.toString() }, reason: stored.reason };
  const done = await runClaimed(deps, ctx, p, {
    operation: 'cancel',
    kind: d.kind,
    amount,
    data,
    record: (claimed, finished, source) => recordCancel(deps, ctx, claimed, d.kind, amount, stored.reason, source, finished),
    // A reversal gives paid money back: reserve it first (the real MERCHANT_BALANCE_NOT_ENOUGH check).
    ...(d.kind === 'reversal'
      ? { onClaim: (q, u, at) => postHold(q, u, amount, at), onRelease: (q, u, at) => postRelease(q, u, amount, at) }
      : {}),
  }, resume);
  return done === RETRY ? RETRY : { payment: done, amount };
}

/**
 * The cancel's guarded write. `finished`: what must commit with it (the operation record's
 * completion, the key's recovery point); its `writes`, when given, are the same as SQL.
 */
function recordCancel(
  deps: CoreDeps, ctx: CallContext, p: Payment, kind: CancelDecision['kind'], amount: bigint, reason: string | null,
  source: OutcomeSource, finished: Pick<Completion, 'post'> & Partial<Pick<Completion, 'writes'>> | undefined,
) {
  const now = deps.clock.now();
  const canceledTotal = p.amountCanceled + amount;
  const closes = canceledTotal + p.amountRefunded >= p.amount;
  const info = { dialect: ctx.dialect, requestId: ctx.requestId, amount, data: { kind, source, operationId: p.pendingData?.operationId } };
  // Only a reversal moves money (reserved → payer); a void never had any. A void with nothing to
  // write but SQL is the single guarded statement, no transaction (the hot paths).
  const write = (event: 'canceled' | 'partially_canceled', changes: PaymentChanges) =>
    kind !== 'reversal' && (!finished || finished.writes)
      ? updatePayment(deps.db, p, event, changes, now, info, finished?.writes)
      : updateWithJournal(deps, p, event, changes, now, info, async (q, u) => {
        if (kind === 'reversal') await postPaidOut(q, u, amount, now, 'reversal');
        if (finished) await finished.post(q, u, now);
      });
  if (!closes) {
    return write('partially_canceled', {
      ...CLEAR_PENDING,
      amountCanceled: canceledTotal,
      amountCapturable: p.status === 'requires_capture' ? p.amountCapturable - amount : p.amountCapturable,
    });
  }
  return write('canceled', {
    ...CLEAR_PENDING,
    amountCanceled: canceledTotal,
    amountCapturable: 0n,
    canceledAt: now,
    cancellationReason: reason,
    clientSecret: null,
    nextAction: null,
  });
}

