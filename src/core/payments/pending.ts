// Processor calls follow DESIGN.md §1.4: claim the payment (commit the intent), call the processor
// outside any transaction, then record the outcome with a guarded write. A timeout leaves the claim
// in state 'unknown' for an identical retry or the reconciler; it is never guessed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { ProcessorTimeout, type OperationOutcome, type ProcessorOperation } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { findPayment, updatePayment, type EventInfo, type PaymentChanges, type PaymentRef } from './repo.ts';
import { postHold, postRelease } from '../ledger/postings.ts';
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

/** Unpaid payments lapse at expiresAt even between sweeper runs: apply it on access. Null = raced. */
export async function expireIfDue(deps: CoreDeps, p: Payment): Promise<Payment | null> {
  const now = deps.clock.now();
  if (!p.expiresAt || p.expiresAt > now || !EXPIRABLE.includes(p.status) || holdsLease(p, now)) return p;
  return updatePayment(deps.db, p, 'expired', { nextAction: null, pendingOperation: null, pendingState: null, pendingUntil: null, pendingData: null }, now, {
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
   * Funds leaving the merchant (refund, reversal): reserved in the ledger with the claim, so the
   * balance check happens before the processor moves money; released if the processor refuses.
   */
  hold?: bigint;
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

/**
 * Claims `p` for one processor call and runs it. Returns RETRY when the claim lost a race. A payment
 * already pending the same operation (an earlier call ended 'unknown') is resumed: the processor is
 * asked first whether that call took effect.
 */
export async function runClaimed(deps: CoreDeps, ctx: CallContext, p: Payment, c: ClaimedCall): Promise<Payment | typeof RETRY> {
  const now = deps.clock.now();
  // Resuming an earlier claim of the same operation: its funds are already reserved.
  const resuming = p.pendingOperation === c.operation;
  const hold = resuming ? undefined : c.hold;
  const claim: PaymentChanges = {
    pendingOperation: c.operation,
    pendingState: 'in_flight',
    pendingUntil: new Date(now.getTime() + deps.leaseMs),
    pendingData: c.data,
  };
  const claimed = hold
    ? await updateWithJournal(deps, p, null, claim, now, undefined, (q, u) => postHold(q, u, hold, now))
    : await updatePayment(deps.db, p, null, claim, now);
  if (!claimed) return RETRY;
  const release = () => {
    const at = deps.clock.now();
    return c.hold
      ? updateWithJournal(deps, claimed, null, CLEAR_PENDING, at, undefined, (q, u) => postRelease(q, u, c.hold!, at))
      : updatePayment(deps.db, claimed, null, CLEAR_PENDING, at);
  };
  let outcome: OperationOutcome;
  try {
    // A retry after an unknown outcome asks the processor first: the call may already have happened.
    const alreadyDone = resuming && (await deps.processor.query(claimed, c.operation)) === 'done';
    outcome = alreadyDone ? { ok: true } : await c.call(claimed);
  } catch (err) {
    if (err instanceof ProcessorTimeout) {
      await updatePayment(deps.db, claimed, 'outcome_unknown', { pendingState: 'unknown', pendingUntil: null }, deps.clock.now(), {
        dialect: ctx.dialect,
        requestId: ctx.requestId,
        data: { operation: c.operation },
      });
      throw new KasirError('OUTCOME_UNKNOWN', `The processor did not answer the ${c.operation} in time; retry with the same parameters`);
    }
    await release();
    throw err;
  }
  if (!outcome.ok) {
    await release();
    throw new KasirError(outcome.code, outcome.message);
  }
  const recorded = await c.record(claimed);
  // Only a takeover after our lease expired can beat us here; report what is stored then.
  return recorded ?? RETRY;
}
