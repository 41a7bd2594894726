// inquiryPayment's transactions[]: one entry per authorization, capture, refund and cancel, read
// from the payment's timeline (payment_events) and its refunds, so every dialect's changes appear.
import type { CoreDeps } from '../../core/deps.ts';
import type { Payment } from '../../core/payments/model.ts';
import { listRefunds } from '../../core/payments/refund.ts';
import { listEvents, type PaymentEventRow } from '../../core/payments/repo.ts';
import { amount, compact, SUCCESS, time, type Amount, type Result } from './render.ts';

export interface Transaction {
  transactionType: 'AUTHORIZATION' | 'CAPTURE' | 'REFUND' | 'CANCEL';
  transactionStatus: 'SUCCESS';
  transactionAmount: Amount;
  transactionRequestId?: string;
  transactionId: string;
  transactionTime?: string;
  transactionResult: Result;
}

/** A capture (or cancel) is an event, not a row of its own: its id is the payment id and the event's. */
export const eventTransactionId = (p: Payment, eventId: string): string => `${p.antomPaymentId ?? p.id}${eventId.padStart(8, '0')}`;

function typeOf(p: Payment, e: PaymentEventRow): Transaction['transactionType'] | null {
  switch (e.type) {
    case 'authorized':
      return 'AUTHORIZATION';
    case 'captured':
      return 'CAPTURE';
    case 'succeeded':
      // A card with automatic capture: Antom captures for the merchant right after authorization.
      return p.paymentMethod === 'card' ? 'CAPTURE' : null;
    case 'refunded':
      return 'REFUND';
    case 'canceled':
    case 'partially_canceled':
      return 'CANCEL';
    default:
      return null;
  }
}

export async function transactionsOf(deps: CoreDeps, p: Payment): Promise<Transaction[]> {
  const [events, refunds] = await Promise.all([listEvents(deps.db, p.id), listRefunds(deps, p.id)]);
  const refundById = new Map(refunds.map((r) => [r.id, r]));
  const out: Transaction[] = [];
  for (const e of events) {
    const type = typeOf(p, e);
    if (!type) continue;
    const refund = type === 'REFUND' ? refundById.get(String(e.data.refundId)) : undefined;
    out.push(
      compact({
        transactionType: type,
        transactionStatus: 'SUCCESS' as const,
        transactionAmount: amount(e.amount ?? p.amount, p.currency),
        // Antom request ids: the refund's refundRequestId; for a capture the dialect records its
        // captureRequestId as the event's request id.
        transactionRequestId: refund ? (refund.requestId ?? undefined) : type === 'CAPTURE' && e.dialect === 'antom' ? (e.requestId ?? undefined) : undefined,
        transactionId: refund ? refund.id : eventTransactionId(p, e.id),
        transactionTime: time(e.at),
        transactionResult: SUCCESS(),
      }),
    );
  }
  return out;
}
