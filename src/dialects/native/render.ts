// The native wire format: the {success, data|error} envelope, the payment object of seed 002 with
// every field present (null, never omitted), amounts as major-unit decimal strings.
import { KasirError } from '../../core/errors.ts';
import { formatMajor } from '../../core/money.ts';
import type { Payment } from '../../core/payments/model.ts';
import type { Refund } from '../../core/payments/refund.ts';
import type { PaymentEventRow } from '../../core/payments/repo.ts';
import { InputError } from '../../http/validate.ts';
import { NATIVE_ERRORS } from './error-map.ts';

export interface Rendered {
  status: number;
  body: unknown;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function renderPayment(p: Payment) {
  const money = (m: bigint) => formatMajor(m, p.currency);
  return {
    id: p.id,
    amount: money(p.amount),
    currency: p.currency,
    status: p.status,
    paymentMethod: p.paymentMethod,
    referenceId: p.referenceId,
    description: p.description,
    metadata: p.metadata,
    clientSecret: p.clientSecret,
    nextAction: p.nextAction,
    confirmedAt: iso(p.confirmedAt),
    capturedAt: iso(p.capturedAt),
    canceledAt: iso(p.canceledAt),
    expiresAt: iso(p.expiresAt),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    captureMethod: p.captureMethod,
    amountCapturable: money(p.amountCapturable),
    amountReceived: money(p.amountReceived),
    amountRefunded: money(p.amountRefunded),
    amountCanceled: money(p.amountCanceled),
    cancellationReason: p.cancellationReason,
  };
}

export function renderRefund(r: Refund) {
  return {
    id: r.id,
    paymentId: r.paymentId,
    amount: formatMajor(r.amount, r.currency),
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    createdAt: iso(r.createdAt),
  };
}

export function renderEvent(e: PaymentEventRow, currency: string) {
  return {
    id: e.id,
    type: e.type,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    amount: e.amount === null ? null : formatMajor(e.amount, currency),
    dialect: e.dialect,
    requestId: e.requestId,
    at: iso(e.at),
  };
}

export const ok = (data: unknown, status = 200): Rendered => ({ status, body: { success: true, data } });

/** Any thrown value → the envelope; internals of unexpected errors never reach the caller. */
export function renderError(err: unknown): Rendered {
  if (err instanceof InputError) {
    return { status: 400, body: { success: false, error: { code: 'VALIDATION_ERROR', message: err.message, details: { field: err.problem.field } } } };
  }
  if (err instanceof KasirError) {
    const { http, code } = NATIVE_ERRORS[err.code];
    const details = err.field ? { field: err.field, ...err.details } : err.details;
    return { status: http, body: { success: false, error: { code, message: err.message, ...(details ? { details } : {}) } } };
  }
  return { status: 500, body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal error' } } };
}
