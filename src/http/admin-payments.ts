// Admin API for payments across merchants: search (filters, any id, keyset pages), one payment with
// everything that happened to it, and the operator's cancel, capture and refund — the dialects' own
// core operations, recorded as the operator's (core/payments/operator.ts). Redelivery of a
// notification is the existing POST /deliveries/:id/redeliver (admin-money.ts).
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { CoreDeps } from '../core/deps.ts';
import { KasirError } from '../core/errors.ts';
import { formatMajor } from '../core/money.ts';
import type { Payment, Profile } from '../core/payments/model.ts';
import {
  CANCELLATION_REASONS, operatorCancel, operatorCapture, operatorRefund, paymentDetail, type PaymentDetail,
} from '../core/payments/operator.ts';
import type { Refund } from '../core/payments/refund.ts';
import { MAX_LIMIT, searchPayments, type PaymentFilters } from '../core/payments/search.ts';
import { isStatus } from '../core/payments/states.ts';
import { literals } from '../core/schema-helpers.ts';
import { ok, type Rendered } from '../dialects/native/render.ts';
import { rawBody } from './raw-body.ts';
import { parseJsonObject, validator } from './validate.ts';

type Route = (method: 'GET' | 'POST', url: string, op: (req: FastifyRequest) => Promise<Rendered>) => void;

const AMOUNT = Type.String({ minLength: 1, maxLength: 24 });
const checkCancel = validator(Type.Object({ amount: Type.Optional(AMOUNT), reason: Type.Optional(literals(CANCELLATION_REASONS)) }, { additionalProperties: false }));
const checkCapture = validator(Type.Object({ amount: Type.Optional(AMOUNT) }, { additionalProperties: false }));
const checkRefund = validator(Type.Object({ amount: Type.Optional(AMOUNT), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false }));

export const PROFILES: readonly Profile[] = ['native', 'antom', 'nicepay'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

const invalid = (field: string, why: string) => new KasirError('INVALID_PARAMETER', `${field} ${why}`, { field });

/**
 * `from`/`to` as an ISO date-time with its zone, or a date (UTC). `to` is exclusive; a date `to`
 * includes that whole day, as "payments up to 2024-01-31" means to a person.
 */
function parseTime(field: 'from' | 'to', text: string): Date {
  const date = DATE.test(text);
  if (!date && !DATE_TIME.test(text)) throw invalid(field, 'must be a date (2024-01-31) or a date-time with its zone (2024-01-31T10:00:00Z)');
  const ms = Date.parse(date ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw invalid(field, 'is not a valid date');
  return new Date(date && field === 'to' ? ms + DAY_MS : ms);
}

/** The list's query string → filters and page; shared by the admin API and the dashboard. Empty = absent. */
export function parseSearchQuery(query: unknown, defaultLimit = 20): { filters: PaymentFilters; limit: number; cursor: string | null } {
  const raw = (query ?? {}) as Record<string, unknown>;
  const get = (name: string): string | undefined => {
    const v = raw[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw invalid(name, 'must be given once');
    if (v.length > 200) throw invalid(name, 'is too long');
    return v.trim() === '' ? undefined : v.trim();
  };
  const f: PaymentFilters = {};
  const merchant = get('merchant');
  if (merchant !== undefined) f.merchantId = merchant;
  const status = get('status');
  if (status !== undefined) {
    if (!isStatus(status)) throw invalid('status', 'is not a payment status');
    f.status = status;
  }
  const dialect = get('dialect');
  if (dialect !== undefined) {
    if (!(PROFILES as readonly string[]).includes(dialect)) throw invalid('dialect', `must be one of ${PROFILES.join(', ')}`);
    f.dialect = dialect as Profile;
  }
  const method = get('method');
  if (method !== undefined) f.method = method;
  const connector = get('connector');
  if (connector !== undefined) f.connector = connector;
  const from = get('from');
  if (from !== undefined) f.from = parseTime('from', from);
  const to = get('to');
  if (to !== undefined) f.to = parseTime('to', to);
  const q = get('q');
  if (q !== undefined) f.q = q;
  const limitText = get('limit');
  const limit = limitText === undefined ? defaultLimit : /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw invalid('limit', `must be between 1 and ${MAX_LIMIT}`);
  return { filters: f, limit, cursor: get('cursor') ?? null };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The operator's view of a payment: amounts as decimal strings; never its client secret or checkout token. */
export function renderAdminPayment(p: Payment) {
  const money = (m: bigint) => formatMajor(m, p.currency);
  return {
    id: p.id, merchantId: p.merchantId, status: p.status, dialect: p.profile, processor: p.processor, processorRef: p.processorRef,
    amount: money(p.amount), currency: p.currency, amountCapturable: money(p.amountCapturable), amountReceived: money(p.amountReceived),
    amountRefunded: money(p.amountRefunded), amountCanceled: money(p.amountCanceled),
    paymentMethod: p.paymentMethod, methodType: p.methodType, captureMethod: p.captureMethod,
    referenceId: p.referenceId, description: p.description, metadata: p.metadata,
    antomPaymentId: p.antomPaymentId, antomPaymentRequestId: p.antomPaymentRequestId, nicepayTxid: p.nicepayTxid, nicepayReferenceNo: p.nicepayReferenceNo,
    pending: p.pendingOperation ? { operation: p.pendingOperation, state: p.pendingState, until: iso(p.pendingUntil) } : null,
    cancellationReason: p.cancellationReason,
    createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt), confirmedAt: iso(p.confirmedAt), authorizedAt: iso(p.authorizedAt),
    capturedAt: iso(p.capturedAt), succeededAt: iso(p.succeededAt), canceledAt: iso(p.canceledAt), settledAt: iso(p.settledAt), expiresAt: iso(p.expiresAt),
  };
}

export function renderAdminRefund(r: Refund) {
  return { id: r.id, paymentId: r.paymentId, amount: formatMajor(r.amount, r.currency), currency: r.currency, status: r.status, reason: r.reason, createdAt: iso(r.createdAt) };
}

function renderDetail(d: PaymentDetail) {
  const money = (m: bigint, currency = d.payment.currency) => formatMajor(m, currency);
  return {
    ...renderAdminPayment(d.payment),
    timeline: d.events.map((e) => ({
      id: e.id, type: e.type, fromStatus: e.fromStatus, toStatus: e.toStatus, amount: e.amount === null ? null : money(e.amount),
      dialect: e.dialect, requestId: e.requestId, data: e.data, at: iso(e.at),
    })),
    operations: d.operations.map((o) => ({
      id: o.id, kind: o.kind, processor: o.processor, amount: money(o.amount, o.currency), currency: o.currency, refundId: o.refundId,
      status: o.status, result: o.result, createdAt: iso(o.createdAt),
    })),
    deliveries: d.deliveries,
    ledger: d.journals.map((j) => ({
      id: j.id, kind: j.kind, currency: j.currency, memo: j.memo, at: iso(j.at),
      entries: j.entries.map((e) => ({ account: e.account, amount: money(e.amount, j.currency) })),
    })),
    refunds: d.refunds.map(renderAdminRefund),
  };
}

const paymentId = (req: FastifyRequest) => (req.params as { id: string }).id;

export function paymentAdminRoutes(route: Route, core: CoreDeps): void {
  route('GET', '/payments', async (req) => {
    const { filters, limit, cursor } = parseSearchQuery(req.query);
    const page = await searchPayments(core.db, filters, { limit, cursor });
    return ok({ object: 'list', data: page.payments.map(renderAdminPayment), nextCursor: page.nextCursor });
  });
  route('GET', '/payments/:id', async (req) => ok(renderDetail(await paymentDetail(core, paymentId(req)))));
  route('POST', '/payments/:id/cancel', async (req) => {
    const body = checkCancel.check(parseJsonObject(rawBody(req.body), true));
    const { payment } = await operatorCancel(core, paymentId(req), req.id, body);
    return ok(renderAdminPayment(payment));
  });
  route('POST', '/payments/:id/capture', async (req) => {
    const body = checkCapture.check(parseJsonObject(rawBody(req.body), true));
    return ok(renderAdminPayment(await operatorCapture(core, paymentId(req), req.id, body)));
  });
  route('POST', '/payments/:id/refunds', async (req) => {
    const body = checkRefund.check(parseJsonObject(rawBody(req.body), true));
    const { payment, refund } = await operatorRefund(core, paymentId(req), req.id, body);
    return ok({ ...renderAdminRefund(refund), payment: renderAdminPayment(payment) }, 201);
  });
}
