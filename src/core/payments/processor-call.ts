// One processor call on a payment (docs/architecture.md): claim the payment and write the operation
// record in one transaction, call the processor outside any transaction, then apply the answer with
// a guarded write that also completes the record. No answer leaves the operation 'unknown'; it is
// finished only by asking the processor (sync), by the same request or by the reconciler.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError, type ErrorCode } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { markRecoveryPoint } from '../idempotency.ts';
import {
  finishOperation, finishOperationWith, getOperation, insertOperation, insertOperationWith, newOperation, pendingOperationId, type Finish,
} from '../processors/operations.ts';
import { processorOf, ProcessorTimeout, type OperationKind, type OperationOutcome, type OperationRecord } from '../processors/processor.ts';
import type { Payment } from './model.ts';
import { CLEAR_PENDING, holdsLease, RETRY, updateWithJournal } from './pending.ts';
import { getPaymentById, updatePayment, type PaymentChanges, type WithChange } from './repo.ts';
import type { Queryable } from '../../db/db.ts';

export interface ClaimedCall {
  /** The payment's pending_operation while the call is open ('capture', 'cancel', 'refund', late reversal). */
  operation: string;
  kind: OperationKind;
  amount: bigint;
  refundId?: string;
  /** What was decided, kept so that a retry or the reconciler finishes the same operation. */
  data: Record<string, unknown>;
  /**
   * Guarded write of the success; must clear the pending columns and make `done`'s writes with it
   * (they complete the operation record).
   */
  record: (claimed: Payment, done: Completion, source: OutcomeSource) => Promise<Payment | null>;
  /**
   * Written in the claim's transaction (e.g. reserving the funds of a refund or reversal, so the
   * balance check happens before the processor moves money) and undone in the release's, when the
   * processor definitively refuses or never saw the call. Not repeated when a claim is resumed.
   */
  onClaim?: Post;
  onRelease?: (q: Queryable, payment: Payment, at: Date, why: 'refused' | 'rolled_back') => Promise<unknown>;
}

type Post = (q: Queryable, payment: Payment, at: Date) => Promise<unknown>;

/**
 * The writes that complete an operation record, in two equal forms: `post`, to run in the record's
 * transaction beside other work (ledger postings), and `writes`, to put into the record's own
 * statement when there is nothing else to write (updateWithJournal takes either).
 */
export interface Completion {
  post: Post;
  writes: readonly WithChange[];
}

/** Where an outcome came from: the call's own answer, a later sync, the buyer, a notification. */
export type OutcomeSource = 'response' | 'sync' | 'buyer' | 'notification';

/** Who finishes an open operation: the same request calls again when the processor never saw it; the reconciler rolls it back. */
export type ResumeMode = 'request' | 'reconcile';

/** Nothing more to learn now: the processor is still working on the call (sync said pending). */
class StillPending extends Error {}

/** The pending data a claim stores: the decision, the operation's id and the key of the request that claimed it. */
export function claimData(ctx: CallContext, op: OperationRecord, data: Record<string, unknown>): Record<string, unknown> {
  return { ...data, operationId: op.id, requestKey: keyIdentity(ctx) };
}

/** Whether `p` is pending `operation` claimed by this very request (same idempotency key): a retry resumes it. */
export function ownsPending(ctx: CallContext, p: Payment, operation: string): boolean {
  const key = keyIdentity(ctx);
  return key !== null && p.pendingOperation === operation && p.pendingData?.requestKey === key;
}

/** The identity of the request's idempotency key, as stored on the claims it makes. */
export function keyIdentity(ctx: CallContext): string | null {
  const k = ctx.requestKey?.ref;
  return k ? `${k.scope}:${k.key}` : null;
}

/**
 * Whether a roll-back of the payment's open operation has begun: the claim that is about to `abandon`
 * it (the reconciler's) marks itself, as the processor may bar the operation from then on. Whoever
 * takes the claim over after that finishes the roll-back; nobody sends the operation again.
 */
export function abandoning(p: Payment): boolean {
  return p.pendingData?.abandoning === true;
}

/** The claim's pending data marked (`abandoning`) or unmarked again (the operation lives on). */
export function abandonMark(p: Payment, mark: boolean): Record<string, unknown> {
  const { abandoning: _, ...data } = p.pendingData ?? {};
  return mark ? { ...data, abandoning: true } : data;
}

async function callProcessor(deps: CoreDeps, op: OperationRecord, p: Payment): Promise<OperationOutcome> {
  const processor = await processorOf(deps.processors, p);
  switch (op.kind) {
    case 'capture':
      return processor.capture(op, p);
    case 'void':
      return processor.void(op, p);
    case 'refund':
      return processor.refund(op, p);
    case 'reversal':
    case 'late_reversal':
      return processor.reverse(op, p);
    default:
      throw new Error(`${op.kind} is not a follow-up call`);
  }
}

/**
 * An open operation is finished by asking the processor what became of it. The same request calls
 * again when the processor never saw the call (same operation id: it cannot happen twice); the
 * reconciler instead makes sure it never will (`abandon`) and rolls it back.
 */
async function resumeAtProcessor(deps: CoreDeps, op: OperationRecord, p: Payment, mode: ResumeMode): Promise<OperationOutcome | 'rolled_back'> {
  const processor = await processorOf(deps.processors, p);
  const found = mode === 'reconcile' ? await processor.abandon(op, p) : await processor.sync(op, p);
  switch (found.status) {
    case 'succeeded':
      return { ok: true };
    case 'canceled':
      // A void's success; for anything else the processor canceled the call: it did not happen.
      return op.kind === 'void' ? { ok: true } : { ok: false, code: 'PROCESSOR_DECLINED', message: 'The processor canceled the operation' };
    case 'failed':
      return { ok: false, code: found.code, message: found.reason };
    case 'not_found':
      return mode === 'reconcile' ? 'rolled_back' : callProcessor(deps, op, p);
    default:
      throw new StillPending();
  }
}

/** The call got no answer (or the processor is still working): the outcome stays unknown, recorded in the timeline. */
export function markUnknown(deps: CoreDeps, ctx: CallContext, p: Payment, op: OperationRecord, error: string, also: PaymentChanges = {}) {
  const now = deps.clock.now();
  return updateWithJournal(deps, p, 'outcome_unknown', { ...also, pendingState: 'unknown', pendingUntil: null }, now, {
    dialect: ctx.dialect, requestId: ctx.requestId, data: { operation: op.kind, operationId: op.id, error },
  }, [finishOperationWith({ id: op.id, status: 'unknown', result: { error } }, now)]);
}

/**
 * Once the processor has answered, a write that loses its race is never a reason to decide the
 * request again (that could make a second call). Whoever won — the reconciler, a retry that resumed
 * the same operation — recorded the operation's fate: answer with it.
 */
export async function afterLostWrite(deps: CoreDeps, op: OperationRecord): Promise<Payment> {
  const now = await getOperation(deps.db, op.id);
  const payment = await getPaymentById(deps.db, op.paymentId);
  if (now?.status === 'completed' && payment) return payment;
  if (now?.status === 'refused') throw new KasirError(String(now.result?.code ?? 'PROCESSOR_DECLINED') as ErrorCode, String(now.result?.message ?? 'The processor refused the operation'));
  throw new KasirError('OUTCOME_UNKNOWN', `The outcome of this ${op.kind} is being settled; retry with the same parameters`);
}

/**
 * Claims `p` for one processor call and runs it. Returns RETRY only when the claim itself lost a
 * race (nothing was called yet). A payment already pending the same operation (an earlier call ended
 * 'unknown', or its claimant died) is resumed: the processor is asked first what became of that very
 * operation. Callers make sure a resume is the same request (pendingElsewhere otherwise). Only a
 * definitive refusal, or the processor having no trace of the call, releases the claim; anything
 * else leaves the outcome unknown, for a retry or the reconciler.
 */
export async function runClaimed(deps: CoreDeps, ctx: CallContext, p: Payment, c: ClaimedCall, mode: ResumeMode = 'request'): Promise<Payment | typeof RETRY> {
  const now = deps.clock.now();
  const lease = { pendingState: 'in_flight' as const, pendingUntil: new Date(now.getTime() + deps.leaseMs) };
  const resuming = p.pendingOperation === c.operation;
  // The same request resuming an operation the reconciler began to roll back: the processor may bar
  // it already, and a barred call syncs as "canceled" — a void's success, anything else's refusal,
  // neither true. So the roll-back is finished (once its claimant is gone) and the request decides anew.
  const finishing = resuming && mode === 'request' && abandoning(p);
  if (finishing && holdsLease(p, now)) {
    throw new KasirError('REQUEST_IN_FLIGHT', `The ${c.operation} is being reconciled; retry shortly`, { details: { retryAfterSeconds: 1 } });
  }
  if (finishing) mode = 'reconcile';
  let op: OperationRecord;
  let claimed: Payment | null;
  if (resuming) {
    const found = await openOperationOf(deps, p);
    op = found;
    // The reconciler's claim is marked before it abandons (see `abandoning`).
    claimed = await updatePayment(deps.db, p, null, mode === 'reconcile' ? { ...lease, pendingData: abandonMark(p, true) } : lease, now);
  } else {
    op = newOperation(deps.clock, p, { kind: c.kind, amount: c.amount, refundId: c.refundId });
    // A cancel may cover a charge still pending at the processor (a confirm whose issuer never
    // answered): the void closes it there, and its record is closed with the void's success. Should
    // the void not happen, the charge's claim comes back as it was.
    const covers = p.pendingOperation ? { pendingOperation: p.pendingOperation, pendingData: p.pendingData } : null;
    const claim = { ...lease, pendingOperation: c.operation, pendingData: claimData(ctx, op, { ...c.data, ...(covers ? { covers } : {}) }) };
    // The claim and its operation record in one statement, unless there is more to write with them
    // (reserved funds, the key's recovery point, which can refuse the claim): then in a transaction.
    claimed = !c.onClaim && !ctx.requestKey
      ? await updatePayment(deps.db, p, null, claim, now, undefined, [insertOperationWith(op)])
      : await deps.db.tx(async (q) => {
        const u = await updatePayment(q, p, null, claim, now);
        if (!u) return null;
        await insertOperation(q, op);
        if (c.onClaim) await c.onClaim(q, u, now);
        await markRecoveryPoint(q, ctx.requestKey, 'claimed', { paymentId: u.id, operationId: op.id });
        return u;
      });
  }
  if (!claimed) return RETRY;
  let outcome: OperationOutcome | 'rolled_back';
  try {
    outcome = resuming ? await resumeAtProcessor(deps, op, claimed, mode) : await callProcessor(deps, op, claimed);
  } catch (err) {
    // A timeout, a reset connection, anything but an answer: the call may have taken effect.
    const error = err instanceof StillPending ? 'still_pending' : err instanceof ProcessorTimeout ? 'timeout' : String((err as Error).message).slice(0, 200);
    // Still pending there: it exists, so nothing was barred — the mark goes.
    await markUnknown(deps, ctx, claimed, op, error, err instanceof StillPending ? { pendingData: abandonMark(claimed, false) } : {});
    throw new KasirError('OUTCOME_UNKNOWN', `The processor did not answer the ${c.operation}; retry with the same parameters`);
  }
  const source: OutcomeSource = resuming ? 'sync' : 'response';
  if (outcome === 'rolled_back' || !outcome.ok) {
    const released = await releaseClaim(deps, ctx, claimed, op, c, outcome === 'rolled_back' ? null : outcome, source);
    if (!released) return afterLostWrite(deps, op);
    if (outcome === 'rolled_back') return finishing ? RETRY : released;
    throw new KasirError(outcome.code, outcome.message);
  }
  const at = deps.clock.now();
  const covered = coveredClaim(claimed);
  const coveredId = covered ? String(covered.pendingData?.operationId ?? '') : '';
  const finishes: Finish[] = [
    { id: op.id, status: 'completed', result: { source } },
    ...(coveredId ? [{ id: coveredId, status: 'completed' as const, result: { outcome: 'canceled', coveredBy: op.id, source } }] : []),
  ];
  const recorded = await c.record(claimed, {
    post: async (q) => {
      for (const f of finishes) await finishOperation(q, f.id, f.status, f.result, at);
    },
    writes: finishes.map((f) => finishOperationWith(f, at)),
  }, source);
  return recorded ?? afterLostWrite(deps, op);
}

/** The operation a payment is pending, as recorded by its claim. */
export async function openOperationOf(deps: CoreDeps, p: Payment): Promise<OperationRecord> {
  const id = pendingOperationId(p);
  const found = id && isUuid(id) ? await getOperation(deps.db, id) : null;
  if (!found) throw new Error(`payment ${p.id} is pending a ${p.pendingOperation} without an operation record`);
  return found;
}

/** The claim (a still-pending confirm) that this claim covers, if any. */
function coveredClaim(p: Payment): { pendingOperation: string; pendingData: Record<string, unknown> | null } | null {
  const covers = p.pendingData?.covers as { pendingOperation: string; pendingData: Record<string, unknown> | null } | undefined;
  return covers ?? null;
}

/**
 * The processor refused the call (`refusal`), or never saw it (null: rolled back). Either way nothing
 * moved there: the claim is released (a covered charge's claim restored, still unknown) and reserved
 * funds go back, with the outcome in the timeline.
 */
async function releaseClaim(deps: CoreDeps, ctx: CallContext, p: Payment, op: OperationRecord, c: ClaimedCall, refusal: { code: string; message: string } | null, source: OutcomeSource) {
  const at = deps.clock.now();
  const status = refusal ? 'refused' : 'rolled_back';
  const result = refusal ? { code: refusal.code, message: refusal.message, source } : { source };
  const post = async (q: Queryable, u: Payment) => {
    if (c.onRelease) await c.onRelease(q, u, at, status);
    await finishOperation(q, op.id, status, result, at);
  };
  const covered = coveredClaim(p);
  const released = covered ? { pendingOperation: covered.pendingOperation, pendingData: covered.pendingData, pendingState: 'unknown' as const, pendingUntil: null } : CLEAR_PENDING;
  // A refusal answers the caller, as always; a roll-back happens behind its back, so the timeline says so.
  if (refusal) return updateWithJournal(deps, p, null, released, at, undefined, post);
  return updateWithJournal(deps, p, 'operation_rolled_back', released, at, {
    dialect: ctx.dialect, requestId: ctx.requestId, amount: op.amount, data: { operation: op.kind, operationId: op.id, source },
  }, post);
}
