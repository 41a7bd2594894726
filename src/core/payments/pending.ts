// Processor calls follow DESIGN.md §1.4: claim the payment (commit the intent), call the processor
// outside any transaction, then record the outcome with a guarded write. A timeout leaves the claim
// in state 'unknown' for an identical retry or the reconciler; it is never guessed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { ProcessorTimeout, type OperationOutcome, type ProcessorOperation } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { findPayment, updatePayment, type EventInfo, type PaymentChanges, type PaymentRef } from './repo.ts';
import type { Queryable } from '../../db/db.ts';
import type { PaymentEvent } from './states.ts';
import { EXPIRABLE } from './states.ts';

/** Returned by an attempt that lost a race (re-read and decide again) or must wait for another call. */
export const RETRY = Symbol('retry');
export const WAIT = Symbol('wait');
type Attempt<T> = (p: Payment) => Promise<T | typeof RETRY | typeof WAIT>;

export function holdsLease(p: Payment, now: Date): boolean {
  return p.pendingState === 'in_flight' && p.pendingUntil !== null && p.pendingUntil.getTime() > now.getTime();
}

/**
 * Resolves the payment within the calling merchant and runs `attempt` on a fresh read until it
 * neither loses a race nor has to wait for another request's processor call.
 */
export async function withPayment<T>(
  deps: CoreDeps,
  ctx: CallContext,
  ref: PaymentRef,
  accountId: string | null | undefined,
  attempt: Attempt<T>,
): Promise<T> {
  const started = Date.now(); // wall time on purpose: bounds real waiting, not simulated time
  for (let round = 0; ; round++) {
    let p = await findPayment(deps.db, ctx.merchant.id, ref, accountId);
    if (!p) throw new KasirError('PAYMENT_NOT_FOUND', 'Payment not found');
    p = await expireIfDue(deps, p);
    if (!p) continue;
    const result = await attempt(p);
    if (result === RETRY) continue;
    if (result !== WAIT) return result;
    if (Date.now() - started > deps.waitMs) {
      throw new KasirError('REQUEST_IN_FLIGHT', 'Another request is still processing this payment; retry shortly');
    }
    await sleep(Math.min(2 + round * 2, 25));
  }
}

/** The payment as the caller may see it now (within its merchant, expiry applied): reads only. */
export function readPayment(deps: CoreDeps, ctx: CallContext, ref: PaymentRef, accountId?: string | null): Promise<Payment> {
  return withPayment(deps, ctx, ref, accountId, async (p) => p);
}

/** Unpaid payments lapse at expiresAt even between sweeper runs: apply it on access. Null = raced. */
export async function expireIfDue(deps: CoreDeps, p: Payment): Promise<Payment | null> {
  const now = deps.clock.now();
  // A payment with a processor call pending (even one whose outcome is unknown) is not expired
  // under it: that call (a cancel, say) may have taken effect. Its resolution decides.
  if (!p.expiresAt || p.expiresAt > now || !EXPIRABLE.includes(p.status) || p.pendingOperation) return p;
  return updatePayment(deps.db, p, 'expired', { nextAction: null }, now, {
    dialect: 'system',
  });
}

const CLEAR_PENDING = { pendingOperation: null, pendingState: null, pendingUntil: null, pendingData: null } as const;
export { CLEAR_PENDING };

export interface ClaimedCall {
  operation: ProcessorOperation;
  /** What was decided, kept so that a retry or the reconciler finishes the same operation. */
  data: Record<string, unknown>;
  call: (claimed: Payment) => Promise<OperationOutcome>;
  /** Guarded write of the success; must clear the pending columns. */
  record: (claimed: Payment) => Promise<Payment | null>;
  /**
   * Written in the claim's transaction (e.g. reserving the funds of a refund or reversal, so the
   * balance check happens before the processor moves money) and undone in the release's, when the
   * processor definitively refuses. Not repeated when an earlier claim is resumed.
   */
  onClaim?: (q: Queryable, claimed: Payment, at: Date) => Promise<unknown>;
  onRelease?: (q: Queryable, released: Payment, at: Date) => Promise<unknown>;
}

/** The payment change and its journal commit together; `null` = lost the race, nothing posted. */
export function updateWithJournal(
  deps: CoreDeps,
  p: Payment,
  event: PaymentEvent | null,
  changes: PaymentChanges,
  now: Date,
  info: EventInfo | undefined,
  post: (q: Queryable, updated: Payment) => Promise<unknown>,
): Promise<Payment | null> {
  return deps.db.tx(async (q) => {
    const updated = await updatePayment(q, p, event, changes, now, info);
    if (updated) await post(q, updated);
    return updated;
  });
}

/** Another operation's processor call is pending on this payment: nothing else may start meanwhile. */
export function pendingElsewhere(p: Payment): KasirError {
  const state = p.pendingState === 'in_flight' ? 'is in progress' : 'has an unknown outcome and is being reconciled';
  return new KasirError('REQUEST_IN_FLIGHT', `An earlier ${p.pendingOperation} of this payment ${state}; retry later`);
}

/**
 * Claims `p` for one processor call and runs it. Returns RETRY when the claim lost a race. A payment
 * already pending the same operation (an earlier call ended 'unknown', or its claimant died) is
 * resumed: the processor is asked first whether that call took effect. Callers make sure a resume
 * is the same request (pendingElsewhere otherwise). Only a definitive refusal from the processor
 * releases the claim; any other failure leaves the outcome unknown, for a retry or the reconciler.
 */
export async function runClaimed(deps: CoreDeps, ctx: CallContext, p: Payment, c: ClaimedCall): Promise<Payment | typeof RETRY> {
  const now = deps.clock.now();
  const resuming = p.pendingOperation === c.operation;
  const claim: PaymentChanges = {
    pendingOperation: c.operation,
    pendingState: 'in_flight',
    pendingUntil: new Date(now.getTime() + deps.leaseMs),
    pendingData: resuming ? p.pendingData : c.data,
  };
  const onClaim = resuming ? undefined : c.onClaim;
  const claimed = onClaim
    ? await updateWithJournal(deps, p, null, claim, now, undefined, (q, u) => onClaim(q, u, now))
    : await updatePayment(deps.db, p, null, claim, now);
  if (!claimed) return RETRY;
  let outcome: OperationOutcome;
  try {
    const alreadyDone = resuming && (await deps.processor.query(claimed, c.operation)) === 'done';
    outcome = alreadyDone ? { ok: true } : await c.call(claimed);
  } catch (err) {
    // A timeout, a reset connection, anything but an answer: the call may have taken effect.
    await updatePayment(deps.db, claimed, 'outcome_unknown', { pendingState: 'unknown', pendingUntil: null }, deps.clock.now(), {
      dialect: ctx.dialect,
      requestId: ctx.requestId,
      data: { operation: c.operation, error: err instanceof ProcessorTimeout ? 'timeout' : String((err as Error).message).slice(0, 200) },
    });
    throw new KasirError('OUTCOME_UNKNOWN', `The processor did not answer the ${c.operation}; retry with the same parameters`);
  }
  if (!outcome.ok) {
    const at = deps.clock.now();
    const onRelease = c.onRelease;
    await (onRelease
      ? updateWithJournal(deps, claimed, null, CLEAR_PENDING, at, undefined, (q, u) => onRelease(q, u, at))
      : updatePayment(deps.db, claimed, null, CLEAR_PENDING, at));
    throw new KasirError(outcome.code, outcome.message);
  }
  const recorded = await c.record(claimed);
  // Only a takeover after our lease expired can beat us here; report what is stored then.
  return recorded ?? RETRY;
}
