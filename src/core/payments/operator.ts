// The operator acting on a payment (admin API, dashboard): the very operations the dialects call
// (cancel.ts, capture.ts, refund.ts), on behalf of the payment's own merchant — its mode and contract
// apply — recorded in the timeline with dialect 'operator' and request id `operator:<request id>`.
// Also everything the operator reads about one payment.
import type { CallContext, CoreDeps } from '../deps.ts';
import { KasirError } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { paymentJournals, type JournalView } from '../ledger/journal.ts';
import { getMerchant } from '../merchants/merchants.ts';
import { parseMajor } from '../money.ts';
import { listDeliveries, type DeliveryView } from '../notifications/worker.ts';
import { listOperations } from '../processors/operations.ts';
import type { OperationRecord } from '../processors/processor.ts';
import { CANCELLATION_REASONS, cancelPayment } from './cancel.ts';
import { capturePayment } from './capture.ts';
import type { Payment } from './model.ts';
import { listRefunds, refundPayment, type Refund } from './refund.ts';
import { getPaymentById, listEvents, type PaymentEventRow } from './repo.ts';

export type CancellationReason = (typeof CANCELLATION_REASONS)[number];
export { CANCELLATION_REASONS };

export interface PaymentDetail {
  payment: Payment;
  events: PaymentEventRow[];
  operations: OperationRecord[];
  deliveries: DeliveryView[];
  journals: JournalView[];
  refunds: Refund[];
}

/** Any payment by its core id; anything that is not one of ours is "not found" (never a cast error). */
export async function operatorPayment(deps: CoreDeps, id: string): Promise<Payment> {
  const p = isUuid(id) ? await getPaymentById(deps.db, id.toLowerCase()) : null;
  if (!p) throw new KasirError('PAYMENT_NOT_FOUND', 'Payment not found');
  return p;
}

export async function paymentDetail(deps: CoreDeps, id: string): Promise<PaymentDetail> {
  const payment = await operatorPayment(deps, id);
  const [events, operations, deliveries, journals, refunds] = await Promise.all([
    listEvents(deps.db, payment.id),
    listOperations(deps.db, payment.id),
    listDeliveries(deps.db, payment.id),
    paymentJournals(deps.db, payment.id),
    listRefunds(deps, payment.id),
  ]);
  return { payment, events, operations, deliveries, journals, refunds };
}

async function operatorContext(deps: CoreDeps, id: string, requestId: string): Promise<{ p: Payment; ctx: CallContext }> {
  const p = await operatorPayment(deps, id);
  const m = await getMerchant(deps.db, p.merchantId);
  return { p, ctx: { merchant: { id: m.id, mode: m.mode, contract: m.contract }, dialect: 'operator', requestId: `operator:${requestId}` } };
}

/** An operator's amount is a decimal string in the payment's currency ("100.50"); absent = all. */
function amountOf(p: Payment, text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const parsed = parseMajor(text, p.currency);
  if (!parsed.ok) throw new KasirError('INVALID_PARAMETER', `amount ${parsed.reason}`, { field: 'amount' });
  return parsed.minor;
}

export function isCancellationReason(text: unknown): text is CancellationReason {
  return typeof text === 'string' && (CANCELLATION_REASONS as readonly string[]).includes(text);
}

export async function operatorCancel(
  deps: CoreDeps, id: string, requestId: string, input: { amount?: string; reason?: CancellationReason },
): Promise<{ payment: Payment; amount: bigint }> {
  const { p, ctx } = await operatorContext(deps, id, requestId);
  return cancelPayment(deps, ctx, { ref: { id: p.id }, amount: amountOf(p, input.amount), reason: input.reason ?? null });
}

export async function operatorCapture(deps: CoreDeps, id: string, requestId: string, input: { amount?: string }): Promise<Payment> {
  const { p, ctx } = await operatorContext(deps, id, requestId);
  return capturePayment(deps, ctx, { ref: { id: p.id }, amount: amountOf(p, input.amount) });
}

export async function operatorRefund(
  deps: CoreDeps, id: string, requestId: string, input: { amount?: string; reason?: string },
): Promise<{ payment: Payment; refund: Refund }> {
  const { p, ctx } = await operatorContext(deps, id, requestId);
  return refundPayment(deps, ctx, { ref: { id: p.id }, amount: amountOf(p, input.amount), reason: input.reason ?? null });
}
