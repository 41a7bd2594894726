import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { effectiveContract } from '../contracts/defaults.ts';
import { isUuid, uuidv7 } from '../ids.ts';
import { remainingAmount, type Payment } from './model.ts';
import { CLEAR_PENDING, holdsLease, RETRY, runClaimed, WAIT, withPayment } from './pending.ts';
import { updatePayment, type PaymentRef } from './repo.ts';
import { postPaidOut } from '../ledger/postings.ts';

export interface Refund {
  id: string;
  paymentId: string;
  amount: bigint;
  currency: string;
  status: 'succeeded';
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
}

export async function refundPayment(deps: CoreDeps, ctx: CallContext, input: RefundInput): Promise<{ payment: Payment; refund: Refund }> {
  return withPayment(deps, ctx, input.ref, null, async (p) => {
    const now = deps.clock.now();
    if (!effectiveContract(p.profile, ctx.merchant.contract).apis.refund) {
      throw new KasirError('API_NOT_ENABLED', 'Refund is not enabled in the merchant contract');
    }
    const resuming = p.pendingOperation === 'refund' && !holdsLease(p, now);
    if (!resuming && holdsLease(p, now)) return WAIT;
    if (!resuming && p.status !== 'succeeded') {
      throw new KasirError('INVALID_STATE', `Payment cannot be refunded because its status is ${p.status}`, { details: { status: p.status } });
    }
    const refundable = remainingAmount(p) - (p.amount - p.amountReceived);
    const amount = resuming ? BigInt(String(p.pendingData?.amount)) : (input.amount ?? refundable);
    if (amount <= 0n || amount > refundable) {
      throw new KasirError('AMOUNT_EXCEEDS_AVAILABLE', 'The refund amount exceeds what is left to refund', { field: 'amount' });
    }
    const refund: Refund = {
      id: resuming ? String(p.pendingData?.refundId) : uuidv7(deps.clock),
      paymentId: p.id,
      amount,
      currency: p.currency,
      status: 'succeeded',
      reason: resuming ? ((p.pendingData?.reason as string) ?? null) : (input.reason ?? null),
      requestId: resuming ? ((p.pendingData?.requestId as string) ?? null) : (input.requestId ?? null),
      createdAt: now,
    };
    const done = await runClaimed(deps, ctx, p, {
      operation: 'refund',
      data: {
        amount: amount.toString(), refundId: refund.id, reason: refund.reason, requestId: refund.requestId,
        notifyUrl: resuming ? ((p.pendingData?.notifyUrl as string) ?? null) : (input.notifyUrl ?? null),
      },
      call: (claimed) => deps.processor.refund(claimed, amount),
      record: (claimed) => recordRefund(deps, ctx, claimed, refund, (claimed.pendingData?.notifyUrl as string) ?? null),
      hold: amount,
    });
    return done === RETRY ? RETRY : { payment: done, refund };
  });
}

/** The payment's new totals, its event and the refund row commit together. */
function recordRefund(deps: CoreDeps, ctx: CallContext, p: Payment, r: Refund, notifyUrl: string | null): Promise<Payment | null> {
  return deps.db.tx(async (q) => {
    const now = deps.clock.now();
    const updated = await updatePayment(q, p, 'refunded', { ...CLEAR_PENDING, amountRefunded: p.amountRefunded + r.amount }, now, {
      // The refund's own request id (Antom refundRequestId) names the event, also when the
      // reconciler finishes it; a native refund keeps the HTTP request's id.
      dialect: ctx.dialect, requestId: r.requestId ?? ctx.requestId, amount: r.amount, data: notifyUrl ? { refundId: r.id, notifyUrl } : { refundId: r.id },
    });
    if (!updated) return null;
    await postPaidOut(q, updated, r.amount, now, 'refund');
    await q.query(
      `INSERT INTO refunds (id, payment_id, merchant_id, amount, currency, status, reason, request_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [r.id, p.id, p.merchantId, r.amount, r.currency, r.status, r.reason, r.requestId, now],
    );
    return updated;
  });
}

const REFUND_SELECT = 'SELECT id, payment_id, amount, currency, status, reason, request_id, created_at FROM refunds';

function rowToRefund(r: Record<string, unknown>): Refund {
  return {
    id: r.id as string,
    paymentId: r.payment_id as string,
    amount: BigInt(r.amount as string),
    currency: r.currency as string,
    status: 'succeeded',
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
