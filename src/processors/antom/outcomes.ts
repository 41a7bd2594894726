// Verified provider answers → the core's outcomes. Antom's resultStatus is the key: S done, F
// definitively not done (and the code says why), U unknown — never read as either. Which F codes
// mean "this account cannot take the payment at all" (nothing was created: the core tries the next
// route) is decided here, as is each refusal's row in the core's error table.
import type { ErrorCode } from '../../core/errors.ts';
import type { Payment } from '../../core/payments/model.ts';
import { ProcessorUnavailable, type AuthorizeOutcome, type OperationOutcome, type OperationRecord, type SyncResult } from '../../core/processors/processor.ts';
import type { AntomAnswer } from './client.ts';

/** A pay refused for one of these created nothing and concerns the account, not this buyer. */
const UNAVAILABLE = new Set([
  'PAYMENT_METHOD_NOT_SUPPORTED', 'CURRENCY_NOT_SUPPORT', 'ACCESS_DENIED', 'INVALID_CLIENT', 'KEY_NOT_FOUND', 'INVALID_API', 'NO_INTERFACE_DEF',
  // Our signature was refused: the request was not even authenticated, so nothing exists upstream.
  'INVALID_SIGNATURE',
]);

/**
 * F codes that are no definite outcome: the provider's own error (it may have done the work), or
 * the same request id already holding another request (something exists under it). Unknown.
 */
const NOT_AN_OUTCOME = new Set(['SYSTEM_ERROR', 'REPEAT_REQ_INCONSISTENT']);

/** Antom resultCode → the core's error table, for refused captures, cancels and refunds. */
const REFUSALS: Readonly<Record<string, ErrorCode>> = {
  CANCEL_WINDOW_EXCEED: 'CANCEL_WINDOW_EXCEEDED',
  REFUND_AMOUNT_EXCEED: 'AMOUNT_EXCEEDS_AVAILABLE',
  REFUND_WINDOW_EXCEED: 'REFUND_WINDOW_EXCEEDED',
  ORDER_STATUS_INVALID: 'INVALID_STATE',
  ORDER_IS_CLOSED: 'PAYMENT_CLOSED',
  USER_NOT_EXIST: 'PAYER_NOT_FOUND',
  USER_STATUS_ABNORMAL: 'PAYER_ABNORMAL',
  MERCHANT_BALANCE_NOT_ENOUGH: 'MERCHANT_BALANCE_NOT_ENOUGH',
};

export const refusalCode = (resultCode: string): ErrorCode => REFUSALS[resultCode] ?? 'PROCESSOR_DECLINED';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** What the provider's page is for the buyer: redirected there, the provider's paymentId kept with it. */
export function redirectAction(a: AntomAnswer): { processorRef: string; nextAction: Record<string, unknown> } | null {
  const url = text(a.body.normalUrl);
  const paymentId = text(a.body.paymentId);
  if (!url || !paymentId || !/^https?:\/\//i.test(url)) return null;
  return { processorRef: paymentId, nextAction: { type: 'redirect_to_url', url, upstreamPaymentId: paymentId } };
}

const paidStatus = (p: Payment) => (p.captureMethod === 'manual' ? 'authorized' : 'succeeded') as 'authorized' | 'succeeded';

/** pay's answer. Throws ProcessorUnavailable (next route) or Error (unknown: synced later). */
export function authorizeOutcome(a: AntomAnswer, op: OperationRecord, p: Payment): AuthorizeOutcome {
  const { resultCode, resultStatus } = a.result;
  const processorRef = text(a.body.paymentId) ?? `op_${op.id}`;
  if (resultStatus === 'S') return { kind: paidStatus(p), processorRef };
  if (resultStatus === 'U') {
    const action = resultCode === 'PAYMENT_IN_PROCESS' ? redirectAction(a) : null;
    if (action) return { kind: 'action', ...action };
    throw new Error(`antom pay: ${resultCode} (U) without a page for the buyer`);
  }
  if (UNAVAILABLE.has(resultCode)) throw new ProcessorUnavailable(resultCode);
  if (NOT_AN_OUTCOME.has(resultCode)) throw new Error(`antom pay: ${resultCode}`);
  return { kind: 'failed', processorRef, reason: resultCode };
}

/** capture / cancel / refund's answer. Throws on U (unknown: synced later). */
export function operationOutcome(a: AntomAnswer, op: OperationRecord): OperationOutcome {
  const { resultCode, resultStatus, resultMessage } = a.result;
  if (resultStatus === 'S') return { ok: true };
  if (resultStatus === 'U' || NOT_AN_OUTCOME.has(resultCode)) throw new Error(`antom ${op.kind}: ${resultCode} (${resultStatus})`);
  return { ok: false, code: refusalCode(resultCode), message: resultMessage };
}

/** The same, for a re-sent follow-up (abandon): an answer that is no outcome is `pending`. */
export function resentOutcome(a: AntomAnswer, op: OperationRecord): SyncResult {
  try {
    const out = operationOutcome(a, op);
    return out.ok ? { status: 'succeeded' } : { status: 'failed', code: out.code, reason: out.message };
  } catch {
    return { status: 'pending' };
  }
}

interface Transaction {
  transactionType?: unknown;
  transactionStatus?: unknown;
  transactionRequestId?: unknown;
}

const transactionsOf = (a: AntomAnswer): Transaction[] => (Array.isArray(a.body.transactions) ? (a.body.transactions as Transaction[]) : []);

/**
 * inquiryPayment's answer about the charge, or 'processing' when the buyer has not finished (the
 * caller then needs the buyer's page). A manual-capture payment reads as authorized until captured.
 */
export function chargeSync(a: AntomAnswer, p: Payment): SyncResult | 'processing' {
  if (a.result.resultStatus !== 'S') return a.result.resultCode === 'ORDER_NOT_EXIST' ? { status: 'not_found' } : { status: 'pending' };
  const processorRef = text(a.body.paymentId);
  const ref = processorRef ? { processorRef } : {};
  switch (a.body.paymentStatus) {
    case 'SUCCESS': {
      const captured = transactionsOf(a).some((t) => t.transactionType === 'CAPTURE' && t.transactionStatus === 'SUCCESS');
      return { status: p.captureMethod === 'manual' && !captured ? 'authorized' : 'succeeded', ...ref };
    }
    case 'FAIL':
      // ORDER_IS_CLOSED: nobody paid and the provider closed it (at the expiry it was given): no
      // decline, the charge lapsed — the core ends an expired payment as expired, not failed.
      if (a.body.paymentResultCode === 'ORDER_IS_CLOSED') return { status: 'canceled' };
      return { status: 'failed', code: 'PROCESSOR_DECLINED', reason: text(a.body.paymentResultCode) ?? 'FAIL' };
    case 'CANCELLED':
      return { status: 'canceled' };
    case 'PROCESSING':
    case 'PENDING':
      return 'processing';
    default:
      return { status: 'pending' };
  }
}

/** inquiryPayment's answer about capture `op`: its CAPTURE transaction, by captureRequestId. */
export function captureSync(a: AntomAnswer, op: OperationRecord): SyncResult {
  if (a.result.resultStatus !== 'S') return a.result.resultCode === 'ORDER_NOT_EXIST' ? { status: 'not_found' } : { status: 'pending' };
  const t = transactionsOf(a).find((x) => x.transactionType === 'CAPTURE' && x.transactionRequestId === op.id);
  if (!t) return { status: 'not_found' };
  return t.transactionStatus === 'SUCCESS' ? { status: 'succeeded' } : t.transactionStatus === 'FAIL' ? { status: 'failed', code: 'PROCESSOR_DECLINED', reason: 'capture failed' } : { status: 'pending' };
}

/** inquiryPayment's answer about a void or reversal: done when the provider shows the payment CANCELLED. */
export function cancelSync(a: AntomAnswer): SyncResult {
  if (a.result.resultStatus !== 'S') return a.result.resultCode === 'ORDER_NOT_EXIST' ? { status: 'not_found' } : { status: 'pending' };
  return a.body.paymentStatus === 'CANCELLED' ? { status: 'succeeded' } : { status: 'not_found' };
}

/** inquiryRefund's answer about refund `op` (by refundRequestId). */
export function refundSync(a: AntomAnswer): SyncResult {
  if (a.result.resultStatus !== 'S') return a.result.resultCode === 'ORDER_NOT_EXIST' ? { status: 'not_found' } : { status: 'pending' };
  switch (a.body.refundStatus) {
    case 'SUCCESS':
      return { status: 'succeeded' };
    case 'FAIL':
      return { status: 'failed', code: 'PROCESSOR_DECLINED', reason: 'refund failed' };
    default:
      return { status: 'pending' };
  }
}
