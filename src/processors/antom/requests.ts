// Request bodies sent to the provider. Each is a pure function of the operation record and the
// payment: the provider's idempotency compares the whole body under the request id (pay's
// paymentRequestId, capture's captureRequestId, refund's refundRequestId), so a call re-sent — by a
// sync, a retry, the reconciler — must be byte-for-byte the same request. No current time in here.
import type { Payment } from '../../core/payments/model.ts';
import type { OperationRecord } from '../../core/processors/processor.ts';
import { antomTime } from '../../dialects/antom/signature.ts';

const amount = (minor: bigint, currency: string) => ({ currency, value: minor.toString() });

/** Antom's orderDescription is at most 256 characters. */
const description = (p: Payment) => (p.description ?? 'Kasir payment').slice(0, 256);

export interface PayContext {
  paymentMethodType: string;
  notifyUrl: string;
  /** Where the buyer returns after the provider's page: the merchant's own URL, else Kasir's. */
  redirectUrl: string;
}

export function payRequest(op: OperationRecord, p: Payment, c: PayContext): Record<string, unknown> {
  const total = amount(op.amount, op.currency);
  return {
    productCode: 'CASHIER_PAYMENT',
    paymentRequestId: op.id,
    paymentAmount: total,
    paymentMethod: { paymentMethodType: c.paymentMethodType },
    order: { referenceOrderId: p.id, orderDescription: description(p), orderAmount: total },
    paymentNotifyUrl: c.notifyUrl,
    paymentRedirectUrl: c.redirectUrl,
    // The payment's own expiry, so the provider closes it when Kasir would (fixed on the payment).
    ...(p.expiresAt ? { paymentExpiryTime: antomTime(p.expiresAt) } : {}),
    paymentFactor: { captureMode: p.captureMethod === 'manual' ? 'MANUAL' : 'AUTOMATIC' },
    env: { terminalType: 'WEB' },
  };
}

/** The merchant's return URL when a dialect recorded a web address, else Kasir's public URL. */
export function redirectUrlOf(p: Payment, publicUrl: string): string {
  const given = p.dialectData.redirectUrl;
  return typeof given === 'string' && /^https?:\/\//i.test(given) ? given : publicUrl;
}

/**
 * Which upstream payment a follow-up names: its paymentId once the provider answered the pay; a
 * cancel covering a charge whose answer never came names that charge by its paymentRequestId (the
 * covered operation's id, recorded on the cancel's claim).
 */
export function paymentKey(p: Payment): { paymentId: string } | { paymentRequestId: string } {
  if (p.processorRef) return { paymentId: p.processorRef };
  const covers = p.pendingData?.covers as { pendingData?: { operationId?: unknown } } | undefined;
  const covered = covers?.pendingData?.operationId;
  if (typeof covered === 'string' && covered) return { paymentRequestId: covered };
  throw new Error(`payment ${p.id} has no upstream payment to name`);
}

export function captureRequest(op: OperationRecord, p: Payment): Record<string, unknown> {
  return { captureRequestId: op.id, ...paymentKeyById(p), captureAmount: amount(op.amount, op.currency), isLastCapture: true };
}

export function cancelRequest(p: Payment): Record<string, unknown> {
  return paymentKey(p);
}

export function refundRequest(op: OperationRecord, p: Payment, notifyUrl: string): Record<string, unknown> {
  return { refundRequestId: op.id, ...paymentKeyById(p), refundAmount: amount(op.amount, op.currency), refundNotifyUrl: notifyUrl };
}

/** Capture and refund name the payment by paymentId only (Antom has no other field for them). */
function paymentKeyById(p: Payment): { paymentId: string } {
  if (!p.processorRef) throw new Error(`payment ${p.id} has no upstream paymentId`);
  return { paymentId: p.processorRef };
}
