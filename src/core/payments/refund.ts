import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { effectiveContract } from '../contracts/defaults.ts';
import { isUuid, uuidv7 } from '../ids.ts';
import { remainingAmount, type Payment } from './model.ts';
import { requireAbility } from './routing.ts';
import { CLEAR_PENDING, holdsLease, pendingElsewhere, RETRY, updateWithJournal, WAIT, withPayment } from './pending.ts';
import { runClaimed, type ResumeMode } from './processor-call.ts';
import { ownEarlier } from './own-earlier.ts';
import type { PaymentRef } from './repo.ts';
import { postHold, postPaidOut, postRelease } from '../ledger/postings.ts';
import type { Queryable } from '../../db/db.ts';

export interface Refund {
  id: string;
  paymentId: string;
  amount: bigint;
  currency: string;
  /** 'pending' while its processor call is under way or its outcome unknown. */
  status: 'pending' | 'succeeded' | 'failed';
  reason: string | null;
  requestId: string | null;
  createdAt: Date;
}

export interface RefundInput {
  ref: PaymentRef;
  amount?: bigint;
  reason?: string | null;
  /** The dialect's refund request id (Antom refundRequestId), unique per merchant. */
  requestId?: string | null;
  /** Where this refund's result is notified (Antom refundNotifyUrl); default: the payment's URL. */
  notifyUrl?: string | null;
  /** The reconciler: finish whatever refund is pending, whatever this input says. */
  resume?: ResumeMode;
}

interface PendingRefund {
  amount: string;
  refundId: string;
  reason: string | null;
  requestId: string | null;
  notifyUrl: string | null;
}

/** Whether `input` is the refund already pending: only that one may finish it. */
function sameRefund(pending: PendingRefund, input: RefundInput): boolean {
  if (input.resume) return true;
  if (input.requestId || pending.requestId) return input.requestId === pending.requestId;
  return input.amount === undefined || String(input.amount) === pending.amount;
}

export async function refundPayment(deps: CoreDeps, ctx: CallContext, input: RefundInput): Promise<{ payment: Payment; refund: Refund }> {
  return withPayment(deps, ctx, input.ref, null, async (p) => {
    const now = deps.clock.now();
    if (!effectiveContract(p.profile, ctx.merchant.contract).apis.refund) {
      throw new KasirError('API_NOT_ENABLED', 'Refund is not enabled in the merchant contract');
    }
    const own = await ownEarlier(deps, ctx, p);
    if (own.kind === 'completed' && own.op?.refundId) {
      // This request's refund went through before (a crash lost the answer): the same refund again.
      const earlier = await findRefund(deps, p.merchantId, { id: own.op.refundId });
      if (earlier) return { payment: p, refund: earlier };
    }
    if (own.kind !== 'pending' && holdsLease(p, now)) return WAIT;
    if (p.pendingOperation === 'refund') {
      const pending = p.pendingData as unknown as PendingRefund;
      if (own.kind !== 'pending' && !sameRefund(pending, input)) throw pendingElsewhere(p);
      return execute(deps, ctx, p, pending, input.resume);
    }
    if (p.pendingOperation) throw pendingElsewhere(p);
    if (p.status !== 'succeeded') {
      throw new KasirError('INVALID_STATE', `Payment cannot be refunded because its status is ${p.status}`, { details: { status: p.status } });
    }
    if (input.requestId) {
      // The same request id again (after its idempotency record expired): the same refund, or a conflict.
      const earlier = await findRefund(deps, p.merchantId, { requestId: input.requestId });
      if (earlier) {
        const same = earlier.paymentId === p.id && (input.amount === undefined || input.amount === earlier.amount);
        if (same && earlier.status === 'failed') throw new KasirError('PROCESSOR_DECLINED', 'The processor declined this refund');
        if (same) return { payment: p, refund: earlier };
        throw new KasirError('IDEMPOTENCY_MISMATCH', 'This refund request id was used for a different refund');
      }
    }
    // Voids and releases count in amountCanceled, so what remains is exactly what can go back.
    const refundable = remainingAmount(p);
    const amount = input.amount ?? refundable;
    if (amount <= 0n || amount > refundable) {
      throw new KasirError('AMOUNT_EXCEEDS_AVAILABLE', 'The refund amount exceeds what is left to refund', { field: 'amount' });
    }
    if (amount < refundable) await requireAbility(deps, p, 'partialRefund', 'A partial refund');
    return execute(deps, ctx, p, {
      amount: amount.toString(),
      refundId: uuidv7(deps.clock),
      reason: input.reason ?? null,
      requestId: input.requestId ?? null,
      notifyUrl: input.notifyUrl ?? null,
    });
  });
}

/**
 * Claim: the funds are reserved and the refund row written as 'pending' in one transaction, so a
 * request id used twice is refused before any money moves. Record: the payment's totals, its
 * event, the pay-out and the row's 'succeeded' commit together. Refusal: released, row 'failed'.
 */
async function execute(deps: CoreDeps, ctx: CallContext, p: Payment, r: PendingRefund, resume?: ResumeMode): Promise<{ payment: Payment; refund: Refund } | typeof RETRY> {
  const amount = BigInt(r.amount);
  const refund: Refund = { id: r.refundId, paymentId: p.id, amount, currency: p.currency, status: 'succeeded', reason: r.reason, requestId: r.requestId, createdAt: deps.clock.now() };
  const setStatus = (q: Queryable, status: Refund['status'], at: Date) =>
    q.query('UPDATE refunds SET status = $2, updated_at = $3 WHERE id = $1', [r.refundId, status, at]);
  const done = await runClaimed(deps, ctx, p, {
    operation: 'refund',
    kind: 'refund',
    amount,
    refundId: r.refundId,
    data: { ...r },
    onClaim: async (q, claimed, at) => {
      await postHold(q, claimed, amount, at);
      const inserted = await q.query(
        `INSERT INTO refunds (id, payment_id, merchant_id, amount, currency, status, reason, request_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING id`,
        [r.refundId, p.id, p.merchantId, amount, p.currency, r.reason, r.requestId, at],
      );
      if (!inserted.rows.length) throw new KasirError('IDEMPOTENCY_MISMATCH', 'This refund request id was used for a different refund');
    },
    onRelease: async (q, released, at, why) => {
      await postRelease(q, released, amount, at);
      await setStatus(q, 'failed', at);
      // Never seen by the processor: the refund did not happen, so its request id is free for a
      // retry to make it (and inquiryRefund finds nothing, as at the processor).
      if (why === 'rolled_back') await q.query('UPDATE refunds SET request_id = NULL WHERE id = $1', [r.refundId]);
    },
    record: (claimed, finished, source) => {
      const at = deps.clock.now();
      // The refund's own request id (Antom refundRequestId) names the event, also when the
      // reconciler finishes it; a native refund keeps the HTTP request's id.
      return updateWithJournal(deps, claimed, 'refunded', { ...CLEAR_PENDING, amountRefunded: claimed.amountRefunded + amount }, at, {
        dialect: ctx.dialect,
        requestId: r.requestId ?? ctx.requestId,
        amount,
        data: { refundId: r.refundId, source, operationId: claimed.pendingData?.operationId, ...(r.notifyUrl ? { notifyUrl: r.notifyUrl } : {}) },
      }, async (q, u) => {
        await postPaidOut(q, u, amount, at, 'refund');
        await setStatus(q, 'succeeded', at);
        await finished.post(q, u, at);
      });
    },
  }, resume);
  return done === RETRY ? RETRY : { payment: done, refund };
}

const REFUND_SELECT = 'SELECT id, payment_id, amount, currency, status, reason, request_id, created_at FROM refunds';

function rowToRefund(r: Record<string, unknown>): Refund {
  return {
    id: r.id as string,
    paymentId: r.payment_id as string,
    amount: BigInt(r.amount as string),
    currency: r.currency as string,
    status: r.status as Refund['status'],
    reason: (r.reason as string) ?? null,
    requestId: (r.request_id as string) ?? null,
    createdAt: new Date(r.created_at as string),
  };
}

export async function listRefunds(deps: CoreDeps, paymentId: string): Promise<Refund[]> {
  const { rows } = await deps.db.query<Record<string, unknown>>(`${REFUND_SELECT} WHERE payment_id = $1 ORDER BY created_at, id`, [paymentId]);
  return rows.map(rowToRefund);
}

/** One of the merchant's refunds, by its id or by the dialect's refund request id (Antom inquiryRefund). */
export async function findRefund(deps: CoreDeps, merchantId: string, ref: { id: string } | { requestId: string }): Promise<Refund | null> {
  if ('id' in ref && !isUuid(ref.id)) return null; // cannot name any refund; never a cast error
  const [where, value] = 'id' in ref ? ['id = $2', ref.id.toLowerCase()] : ['request_id = $2', ref.requestId];
  const { rows } = await deps.db.query<Record<string, unknown>>(`${REFUND_SELECT} WHERE merchant_id = $1 AND ${where}`, [merchantId, value]);
  return rows[0] ? rowToRefund(rows[0]) : null;
}
