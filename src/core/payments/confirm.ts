// confirm: submit the payment to its processor (an authorization). The transition to `processing`,
// the operation record and the request's recovery point are one transaction (the claim); the
// processor's answer is recorded with a second guarded write (docs/architecture.md). No answer leaves the
// payment `processing` until the processor's sync says what happened — never guessed.
import type { CallContext, CoreDeps } from '../deps.ts';
import { invalidParameter, KasirError } from '../errors.ts';
import { markRecoveryPoint } from '../idempotency.ts';
import { finishOperation, insertOperation, newOperation, recordAuthorizationResult } from '../processors/operations.ts';
import { authorizeOutcomeOf, processorOf, ProcessorTimeout, ProcessorUnavailable, type AuthorizeOutcome, type CardData, type OperationRecord } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { ownEarlier } from './own-earlier.ts';
import { CLEAR_PENDING, holdsLease, RETRY, updateWithJournal, WAIT, withPayment } from './pending.ts';
import { abandoning, abandonMark, afterLostWrite, claimData, markUnknown, openOperationOf, ownsPending, type OutcomeSource } from './processor-call.ts';
import { postCapture } from '../ledger/postings.ts';
import type { Queryable } from '../../db/db.ts';
import { updatePayment, type PaymentRef } from './repo.ts';
import { firstRoute, refuseTestFeatures } from './routing.ts';

export interface ConfirmInput {
  ref: PaymentRef;
  paymentMethod?: string;
  methodType?: string;
  card?: CardData;
}

export interface ConfirmResult {
  payment: Payment;
  /** The processor did not answer (yet): the payment stays `processing` until its sync settles it. */
  outcomeUnknown: boolean;
}

const PRE_SUBMIT = new Set(['requires_payment_method', 'requires_confirmation']);

export async function confirmPayment(deps: CoreDeps, ctx: CallContext, input: ConfirmInput): Promise<ConfirmResult> {
  return withPayment(deps, ctx, input.ref, null, async (p) => {
    const now = deps.clock.now();
    const own = await ownEarlier(deps, ctx, p);
    // This request's confirm was answered before (by the processor, a sync, or the buyer).
    if (own.kind === 'completed') return { payment: p, outcomeUnknown: false };
    if (own.kind === 'pending') return resumeOwnConfirm(deps, ctx, p, input.card);
    if (holdsLease(p, now)) return WAIT;
    if (!PRE_SUBMIT.has(p.status)) {
      throw new KasirError('INVALID_STATE', `Payment cannot be confirmed because its status is ${p.status}`, { details: { status: p.status } });
    }
    const method = input.paymentMethod ?? p.paymentMethod;
    if (!method) throw invalidParameter('paymentMethod', 'is required to confirm this payment');
    refuseTestFeatures(ctx, { card: input.card });
    const claim = await claimSubmission(deps, ctx, p, { paymentMethod: method, methodType: input.methodType ?? p.methodType });
    return claim ? authorize(deps, ctx, claim.claimed, claim.op, input.card) : RETRY;
  });
}

/**
 * A create-and-submit request (Antom pay, NICEPAY registration) run again after a crash: submits a
 * payment its first attempt made but never submitted, or finishes that attempt's own submission
 * left unanswered; any other payment is answered as it is.
 */
export async function submitIfOwed(deps: CoreDeps, ctx: CallContext, p: Payment, card?: CardData): Promise<Payment> {
  if (!PRE_SUBMIT.has(p.status) && !ownsPending(ctx, p, 'confirm')) return p;
  return (await confirmPayment(deps, ctx, { ref: { id: p.id }, card })).payment;
}

/**
 * The submission's claim: `processing`, the authorization's operation record and the request's
 * recovery point, in one transaction, before anything is sent. Null = lost a race.
 */
export async function claimSubmission(
  deps: CoreDeps,
  ctx: CallContext,
  p: Payment,
  method: { paymentMethod: string | null; methodType: string | null },
): Promise<{ claimed: Payment; op: OperationRecord } | null> {
  // The route is chosen again now: the method may only be known at this point, routes may have changed.
  const processor = await firstRoute(deps, ctx, { method: method.paymentMethod, currency: p.currency, captureMethod: p.captureMethod });
  const now = deps.clock.now();
  const op = newOperation(deps.clock, { ...p, processor }, { kind: 'authorize', amount: p.amount });
  const claimed = await deps.db.tx(async (q) => {
    const u = await updatePayment(q, p, 'submitted', {
      ...method,
      processor,
      confirmedAt: now,
      pendingOperation: 'confirm',
      pendingState: 'in_flight',
      pendingUntil: new Date(now.getTime() + deps.leaseMs),
      pendingData: claimData(ctx, op, {}),
    }, now, { dialect: ctx.dialect, requestId: ctx.requestId, data: { operationId: op.id } });
    if (!u) return null;
    await insertOperation(q, op);
    await markRecoveryPoint(q, ctx.requestKey, 'claimed', { paymentId: u.id, operationId: op.id });
    return u;
  });
  return claimed ? { claimed, op } : null;
}

async function authorize(deps: CoreDeps, ctx: CallContext, claimed: Payment, op: OperationRecord, card: CardData | undefined): Promise<ConfirmResult | typeof RETRY> {
  let outcome: AuthorizeOutcome;
  try {
    outcome = await (await processorOf(deps.processors, claimed)).authorize(op, claimed, card);
  } catch (err) {
    if (err instanceof ProcessorUnavailable) return failOver(deps, ctx, claimed, op, card, err.message);
    // A timeout or any failure without an answer: the processor may have authorized or charged.
    const error = err instanceof ProcessorTimeout ? 'timeout' : String((err as Error).message).slice(0, 200);
    const unknown = await markUnknown(deps, ctx, claimed, op, error);
    return unknown ? { payment: unknown, outcomeUnknown: true } : settledElsewhere(deps, op);
  }
  const recorded = await recordAuthorization(deps, ctx, claimed, op.id, outcome, 'response');
  return recorded ? { payment: recorded, outcomeUnknown: false } : settledElsewhere(deps, op);
}

/**
 * The processor said "not available" before creating anything: the submission moves to the next
 * route not tried yet, under a new operation record (same claim, same lease). With none left, the
 * submission is rolled back — nothing exists anywhere — and the caller may send it again later.
 */
async function failOver(deps: CoreDeps, ctx: CallContext, p: Payment, op: OperationRecord, card: CardData | undefined, why: string): Promise<ConfirmResult | typeof RETRY> {
  const now = deps.clock.now();
  const tried = new Set([...((p.pendingData?.tried as string[] | undefined) ?? []), p.processor]);
  const routes = await deps.processors.candidates(ctx.merchant, { method: p.paymentMethod, currency: p.currency, captureMethod: p.captureMethod });
  const next = routes.find((name) => !tried.has(name));
  const released = { source: 'response', unavailable: why.slice(0, 200) };
  const info = { dialect: ctx.dialect, requestId: ctx.requestId };
  if (!next) {
    const undone = await updateWithJournal(deps, p, 'submission_rolled_back', { ...CLEAR_PENDING, confirmedAt: null }, now, {
      ...info, data: { operation: 'authorize', operationId: op.id, ...released },
    }, (q) => finishOperation(q, op.id, 'rolled_back', released, now));
    if (!undone) return settledElsewhere(deps, op);
    throw new KasirError('PROCESSOR_UNAVAILABLE', `No connector could take the payment (${why}); nothing was created upstream, send the same request again later`);
  }
  const nextOp = newOperation(deps.clock, { ...p, processor: next }, { kind: 'authorize', amount: p.amount });
  const moved = await deps.db.tx(async (q) => {
    const u = await updatePayment(q, p, 'rerouted', {
      processor: next,
      pendingUntil: new Date(now.getTime() + deps.leaseMs),
      pendingData: claimData(ctx, nextOp, { tried: [...tried] }),
    }, now, { ...info, data: { from: p.processor, to: next, operationId: nextOp.id, reason: why.slice(0, 200) } });
    if (!u) return null;
    await finishOperation(q, op.id, 'rolled_back', released, now);
    await insertOperation(q, nextOp);
    await markRecoveryPoint(q, ctx.requestKey, 'claimed', { paymentId: u.id, operationId: nextOp.id });
    return u;
  });
  return moved ? authorize(deps, ctx, moved, nextOp, card) : settledElsewhere(deps, op);
}

/** The processor answered but someone else wrote first (a sync, a rollback): never submit again, answer with what they recorded. */
async function settledElsewhere(deps: CoreDeps, op: OperationRecord): Promise<ConfirmResult> {
  return { payment: await afterLostWrite(deps, op), outcomeUnknown: false };
}

/** The same request again, its own confirm still open: ask the processor, call again only if it never saw it. */
async function resumeOwnConfirm(deps: CoreDeps, ctx: CallContext, p: Payment, card: CardData | undefined): Promise<ConfirmResult | typeof RETRY | typeof WAIT> {
  if (abandoning(p)) {
    // The reconciler (or a cancel) is rolling this operation back: the processor may bar it already,
    // so it is never sent again — it would come back "canceled" and read as a decline. Once it is
    // rolled back, this request submits anew (ownEarlier: rolled back → a fresh claim).
    if (holdsLease(p, deps.clock.now())) return WAIT;
    await syncConfirm(deps, ctx, p); // whoever began the roll-back died: finish it
    return RETRY;
  }
  const op = await openOperationOf(deps, p);
  const now = deps.clock.now();
  const claimed = await updatePayment(deps.db, p, null, { pendingState: 'in_flight', pendingUntil: new Date(now.getTime() + deps.leaseMs) }, now);
  if (!claimed) return RETRY;
  const found = await (await processorOf(deps.processors, claimed)).sync(op, claimed);
  if (found.status === 'not_found') return authorize(deps, ctx, claimed, op, card);
  if (found.status === 'pending') {
    const unknown = await markUnknown(deps, ctx, claimed, op, 'still_pending');
    return unknown ? { payment: unknown, outcomeUnknown: true } : settledElsewhere(deps, op);
  }
  const recorded = await recordAuthorization(deps, ctx, claimed, op.id, authorizeOutcomeOf(found, op), 'sync');
  return recorded ? { payment: recorded, outcomeUnknown: false } : settledElsewhere(deps, op);
}

/**
 * A submitted payment whose confirm is open (unknown outcome, or its caller died): the reconciler,
 * or a cancel about to decide, asks the processor and applies what it says. A charge the processor
 * never saw is rolled back: the payment is to be confirmed again, nothing was taken.
 */
export async function syncConfirm(deps: CoreDeps, ctx: CallContext, p: Payment): Promise<'settled' | 'still_pending' | 'raced'> {
  const op = await openOperationOf(deps, p);
  const processor = await processorOf(deps.processors, p);
  // Asking changes nothing at the processor: whatever it says is applied with a guarded write. Not
  // once a roll-back has begun: the operation may be barred there, and its "canceled" is that bar.
  if (!abandoning(p)) {
    const found = await processor.sync(op, p);
    if (found.status === 'pending') {
      if (p.pendingState !== 'unknown') await markUnknown(deps, ctx, p, op, 'still_pending');
      return 'still_pending';
    }
    if (found.status !== 'not_found') return (await recordAuthorization(deps, ctx, p, op.id, authorizeOutcomeOf(found, op), 'sync')) ? 'settled' : 'raced';
  }
  // Never seen: it must also never arrive later (abandon bars it), then it is rolled back. The
  // payment is claimed first, marked: the same request's retry would send this very operation
  // (resumeOwnConfirm), and one that already took the claim over makes this claim lose instead.
  const now = deps.clock.now();
  const claimed = await updatePayment(deps.db, p, null, {
    pendingState: 'in_flight', pendingUntil: new Date(now.getTime() + deps.leaseMs), pendingData: abandonMark(p, true),
  }, now);
  if (!claimed) return 'raced';
  const found = await processor.abandon(op, claimed);
  if (found.status === 'pending') {
    // It did arrive, and waits there: nothing is abandoned, the claim is as it was, outcome unknown.
    const pendingData = abandonMark(claimed, false);
    const restored = p.pendingState === 'unknown'
      ? await updatePayment(deps.db, claimed, null, { pendingState: 'unknown', pendingUntil: p.pendingUntil, pendingData }, now)
      : await markUnknown(deps, ctx, claimed, op, 'still_pending', { pendingData });
    return restored ? 'still_pending' : 'raced';
  }
  // `canceled`: the bar itself, put there by an earlier abandon of this operation whose claimant
  // died before rolling it back — the processor took nothing, it is no decline.
  const done = found.status === 'not_found' || found.status === 'canceled'
    ? await updateWithJournal(deps, claimed, 'submission_rolled_back', { ...CLEAR_PENDING, confirmedAt: null }, now, {
      dialect: ctx.dialect, requestId: ctx.requestId, data: { operation: 'authorize', operationId: op.id, source: 'sync' },
    }, (q) => finishOperation(q, op.id, 'rolled_back', { source: 'sync' }, now))
    : await recordAuthorization(deps, ctx, claimed, op.id, authorizeOutcomeOf(found, op), 'sync');
  return done ? 'settled' : 'raced';
}

/**
 * Writes what the processor decided about a submitted payment — from its answer, a sync, or a
 * report arriving later (the buyer, a notification) — and completes the authorization's record in
 * the same transaction. Null = lost a race (re-read and decide again).
 */
export function recordAuthorization(
  deps: CoreDeps,
  ctx: Pick<CallContext, 'dialect' | 'requestId' | 'requestKey'>,
  p: Payment,
  operationId: string | null,
  outcome: AuthorizeOutcome,
  source: OutcomeSource,
  /** A charge Kasir had not recorded yet (the buyer paid before anything was submitted): written here. */
  newRecord?: OperationRecord,
) {
  const now = deps.clock.now();
  const info = { dialect: ctx.dialect, requestId: ctx.requestId, data: { source, ...(operationId ? { operationId } : {}) } };
  const base = { ...CLEAR_PENDING, processorRef: outcome.processorRef };
  const completeRecord = async (q: Queryable) => {
    if (newRecord) await insertOperation(q, newRecord);
    if (operationId) await recordAuthorizationResult(q, operationId, { outcome: outcome.kind, [`${source}At`]: now.toISOString(), source }, now);
    // A keyed buyer request (native sandbox pay) is done with this write: its retry answers with it.
    if (source === 'buyer') await markRecoveryPoint(q, ctx.requestKey, 'done', { paymentId: p.id });
  };
  switch (outcome.kind) {
    case 'succeeded':
      return updateWithJournal(deps, p, 'succeeded', {
        ...base, amountReceived: p.amount, amountCapturable: 0n, capturedAt: now, succeededAt: now, authorizedAt: p.authorizedAt ?? now, nextAction: null,
      }, now, { ...info, amount: p.amount }, async (q, u) => {
        await postCapture(q, u, p.amount, now);
        await completeRecord(q);
      });
    case 'authorized':
      return updateWithJournal(deps, p, 'authorized', { ...base, amountCapturable: p.amount, authorizedAt: now, nextAction: null }, now, { ...info, amount: p.amount }, completeRecord);
    case 'action':
      return updateWithJournal(deps, p, 'action_required', { ...base, nextAction: outcome.nextAction }, now, info, completeRecord);
    case 'failed':
      return updateWithJournal(deps, p, 'failed', { ...base, nextAction: null }, now, { ...info, data: { ...info.data, reason: outcome.reason } }, completeRecord);
  }
}
