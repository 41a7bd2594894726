// Access to a payment for an operation: resolve it within the caller's merchant, apply expiry, and
// retry the attempt when it lost a race or must wait for another request's processor call.
// The processor call itself: processor-call.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import type { Payment } from './model.ts';
import { findPaymentBatched } from './find-batched.ts';
import { updatePayment, type EventInfo, type PaymentChanges, type PaymentRef, type WithChange } from './repo.ts';
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
    let p = await findPaymentBatched(deps.db, ctx.merchant.id, ref, accountId);
    if (!p) throw new KasirError('PAYMENT_NOT_FOUND', 'Payment not found');
    p = await expireIfDue(deps, p);
    if (!p) continue;
    const result = await attempt(p);
    if (result === RETRY) continue;
    if (result !== WAIT) return result;
    if (Date.now() - started > deps.waitMs) {
      throw new KasirError('REQUEST_IN_FLIGHT', 'Another request is still processing this payment; retry shortly', { details: { retryAfterSeconds: 1 } });
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
  // A charge waiting for its buyer at an upstream provider may have been paid there in time: only
  // the provider can say it lapsed (it was told the same expiry). The poller asks and applies.
  if (awaitsUpstream(p)) return p;
  return updatePayment(deps.db, p, 'expired', { nextAction: null }, now, {
    dialect: 'system',
  });
}

/** Submitted to an upstream provider and waiting there for the buyer: its outcome is the provider's to report. */
export function awaitsUpstream(p: Pick<Payment, 'status' | 'processor'>): boolean {
  return p.status === 'requires_action' && p.processor !== 'sandbox';
}

const CLEAR_PENDING = { pendingOperation: null, pendingState: null, pendingUntil: null, pendingData: null } as const;
export { CLEAR_PENDING };

/**
 * The payment change and its journal commit together; `null` = lost the race, nothing posted. A
 * journal that is only SQL (WithChange) goes into the change's own statement: no transaction needed.
 */
export function updateWithJournal(
  deps: CoreDeps,
  p: Payment,
  event: PaymentEvent | null,
  changes: PaymentChanges,
  now: Date,
  info: EventInfo | undefined,
  post: ((q: Queryable, updated: Payment) => Promise<unknown>) | readonly WithChange[],
): Promise<Payment | null> {
  if (typeof post !== 'function') return updatePayment(deps.db, p, event, changes, now, info, post);
  return deps.db.tx(async (q) => {
    const updated = await updatePayment(q, p, event, changes, now, info);
    if (updated) await post(q, updated);
    return updated;
  });
}

/** Another operation's processor call is pending on this payment: nothing else may start meanwhile. */
export function pendingElsewhere(p: Payment): KasirError {
  const state = p.pendingState === 'in_flight' ? 'is in progress' : 'has an unknown outcome and is being reconciled';
  return new KasirError('REQUEST_IN_FLIGHT', `An earlier ${p.pendingOperation} of this payment ${state}; retry later`, { details: { retryAfterSeconds: 1 } });
}
