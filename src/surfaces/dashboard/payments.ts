// Payments: the searchable list (core searchPayments, keyset pages) and one payment with its amounts,
// timeline, processor operations, notifications and ledger, plus the operator's cancel, capture,
// refund and redelivery — the same core operations as the admin API (core/payments/operator.ts).
import type { FastifyRequest } from 'fastify';
import { KasirError } from '../../core/errors.ts';
import { listMerchants } from '../../core/merchants/merchants.ts';
import { redeliver } from '../../core/notifications/worker.ts';
import {
  CANCELLATION_REASONS, isCancellationReason, operatorCancel, operatorCapture, operatorRefund, paymentDetail, type PaymentDetail,
} from '../../core/payments/operator.ts';
import { searchPayments } from '../../core/payments/search.ts';
import { STATUSES } from '../../core/payments/states.ts';
import { parseSearchQuery, PROFILES } from '../../http/admin-payments.ts';
import { BASE, definitions, esc, input, link, money, param, postForm, select, table, time } from './html.ts';
import type { DashboardDeps, Surface } from './plugin.ts';

const FILTERS = ['merchant', 'status', 'dialect', 'method', 'connector', 'from', 'to', 'q'] as const;
const paymentPath = (id: string) => `${BASE}/payments/${encodeURIComponent(id)}`;
/** An optional form field: empty means "not given" (e.g. the whole remaining amount). */
const optional = (form: URLSearchParams, name: string) => {
  const v = form.get(name)?.trim();
  return v ? v : undefined;
};

async function listPage(deps: DashboardDeps, req: FastifyRequest) {
  const query = (req.query ?? {}) as Record<string, string>;
  const merchants = await listMerchants(deps.core.db);
  const names = new Map(merchants.map((m) => [m.id, m.name]));
  let results = '';
  let status = 200;
  try {
    const { filters, limit, cursor } = parseSearchQuery(query, 25);
    const page = await searchPayments(deps.core.db, filters, { limit, cursor });
    const rows = page.payments.map((p) => [
      esc(time(p.createdAt)), link(paymentPath(p.id), p.id), esc(names.get(p.merchantId) ?? p.merchantId), esc(p.profile),
      `<span data-status="${esc(p.status)}">${esc(p.status)}</span>`, esc(money(p.amount, p.currency)), esc(p.paymentMethod), esc(p.processor), esc(p.referenceId),
    ]);
    const kept = new URLSearchParams(FILTERS.flatMap((f) => (query[f] ? [[f, query[f]]] : [])));
    const next = page.nextCursor ? link(`${BASE}/payments?${new URLSearchParams([...kept, ['cursor', page.nextCursor]])}`, 'Next page →', 'next') : '';
    const first = cursor ? link(`${BASE}/payments?${kept}`, '← First page') : '';
    results = `${table(['Created', 'Payment', 'Merchant', 'Dialect', 'Status', 'Amount', 'Method', 'Connector', 'Reference'], rows, 'No payment matches.')}
<div class="pager">${first}${next}</div>`;
  } catch (err) {
    if (!(err instanceof KasirError)) throw err;
    status = 400;
    results = `<p class="flash error" id="search-error">${esc(err.message)}</p>`;
  }
  const merchantOptions: [string, string][] = [['', 'Any merchant'], ...merchants.map((m): [string, string] => [m.id, `${m.name} (${m.mode})`])];
  const filterForm = `<form class="row" method="get" action="${BASE}/payments">
${input('q', 'Any id or reference', { value: query.q, placeholder: 'payment id, tXid, paymentRequestId, reference…' })}
${select('merchant', 'Merchant', merchantOptions, query.merchant)}
${select('status', 'Status', [['', 'Any'], ...STATUSES.map((s): [string, string] => [s, s])], query.status)}
${select('dialect', 'Dialect', [['', 'Any'], ...PROFILES.map((s): [string, string] => [s, s])], query.dialect)}
${input('method', 'Method', { value: query.method, placeholder: 'card, qris…' })}
${input('connector', 'Connector', { value: query.connector, placeholder: 'sandbox or con_…' })}
${input('from', 'Created from', { value: query.from, type: 'date' })}${input('to', 'Created to (inclusive)', { value: query.to, type: 'date' })}
<button type="submit" id="search">Search</button></form>`;
  return { status, title: 'Payments', body: `<h1>Payments</h1><section>${filterForm}</section><section>${results}</section>` };
}

function actions(d: PaymentDetail, csrf: string): string {
  const p = d.payment;
  const base = paymentPath(p.id);
  const closed = p.status === 'canceled' || p.status === 'expired' || p.status === 'payment_failed';
  const forms: string[] = [];
  if (!closed) {
    forms.push(postForm(`${base}/cancel`, csrf, `${input('amount', `Amount (${p.currency})`, { placeholder: 'all that remains' })}
${select('reason', 'Reason', [['', 'none'], ...CANCELLATION_REASONS.map((r): [string, string] => [r, r])])}
<button type="submit" class="danger" id="cancel">Cancel payment</button>`));
  }
  if (p.status === 'requires_capture') {
    forms.push(postForm(`${base}/capture`, csrf, `${input('amount', `Amount (${p.currency})`, { placeholder: 'all capturable' })}<button type="submit" id="capture">Capture</button>`));
  }
  if (p.status === 'succeeded') {
    forms.push(postForm(`${base}/refund`, csrf, `${input('amount', `Amount (${p.currency})`, { placeholder: 'all that remains' })}
${input('reason', 'Reason')}<button type="submit" class="danger" id="refund">Refund</button>`));
  }
  return forms.length ? `<section><h2>Operator actions</h2>${forms.join('')}</section>` : '';
}

function detailPage(d: PaymentDetail, csrf: string, merchantName: string) {
  const p = d.payment;
  const m = (v: bigint) => esc(money(v, p.currency));
  const summary = definitions([
    ['Payment', `<code>${esc(p.id)}</code>`],
    ['Merchant', link(`${BASE}/merchants/${encodeURIComponent(p.merchantId)}`, merchantName)],
    ['Status', `<strong id="status" data-status="${esc(p.status)}">${esc(p.status)}</strong>${p.pendingOperation ? ` <span class="muted">(${esc(p.pendingOperation)} ${esc(p.pendingState)})</span>` : ''}`],
    ['Dialect', esc(p.profile)], ['Connector', esc(p.processor)], ['Connector reference', esc(p.processorRef)],
    ['Amount', `<span id="amount">${m(p.amount)}</span>`], ['Capturable', m(p.amountCapturable)], ['Received', m(p.amountReceived)],
    ['Refunded', `<span id="amount-refunded">${m(p.amountRefunded)}</span>`], ['Canceled', `<span id="amount-canceled">${m(p.amountCanceled)}</span>`],
    ['Method', esc(p.methodType ?? p.paymentMethod)], ['Capture', esc(p.captureMethod)], ['Reference', esc(p.referenceId)], ['Description', esc(p.description)],
    ['Antom paymentId / requestId', `${esc(p.antomPaymentId)} / ${esc(p.antomPaymentRequestId)}`],
    ['NICEPAY tXid / referenceNo', `${esc(p.nicepayTxid)} / ${esc(p.nicepayReferenceNo)}`],
    ['Created', esc(time(p.createdAt))], ['Updated', esc(time(p.updatedAt))], ['Expires', esc(time(p.expiresAt))],
  ]);
  const timeline = table(
    ['At', 'Event', 'Status', 'Amount', 'By', 'Request'],
    d.events.map((e) => [esc(time(e.at)), esc(e.type), `${esc(e.fromStatus ?? '—')} → ${esc(e.toStatus)}`, e.amount === null ? '' : m(e.amount), esc(e.dialect), `<code>${esc(e.requestId)}</code>`]),
    'No events.',
    d.events.map((e) => ` data-type="${esc(e.type)}" data-by="${esc(e.dialect)}"`),
  );
  const operations = table(
    ['Created', 'Kind', 'Connector', 'Amount', 'Status', 'Result'],
    d.operations.map((o) => [esc(time(o.createdAt)), esc(o.kind), esc(o.processor), esc(money(o.amount, o.currency)), esc(o.status), `<pre>${esc(o.result ? JSON.stringify(o.result) : '')}</pre>`]),
    'No processor call yet.',
  );
  const deliveries = table(
    ['Event', 'Format', 'Target', 'Status', 'Attempts', ''],
    d.deliveries.map((n) => [
      esc(n.eventType), esc(n.format), `<code>${esc(n.targetUrl)}</code>`, `<span data-delivery-status="${esc(n.status)}">${esc(n.status)}</span>`,
      esc(n.attempts.map((a) => `#${a.attempt} ${a.statusCode ?? a.error ?? ''}`).join(', ')),
      postForm(`${paymentPath(p.id)}/deliveries/${encodeURIComponent(n.id)}/redeliver`, csrf, '<button type="submit">Redeliver</button>', 'inline'),
    ]),
    'No notification.',
  );
  const ledger = table(
    ['At', 'Journal', 'Entries'],
    d.journals.map((j) => [esc(time(j.at)), esc(j.kind), j.entries.map((e) => `<code>${esc(e.account)}</code> ${esc(money(e.amount, j.currency))}`).join('<br>')]),
    'No ledger entry.',
  );
  const refunds = table(
    ['Created', 'Refund', 'Amount', 'Status', 'Reason'],
    d.refunds.map((r) => [esc(time(r.createdAt)), `<code>${esc(r.id)}</code>`, esc(money(r.amount, r.currency)), esc(r.status), esc(r.reason)]),
    'No refund.',
  );
  return {
    title: `Payment ${p.id}`,
    body: `<h1>Payment ${esc(money(p.amount, p.currency))}</h1><section>${summary}</section>${actions(d, csrf)}
<section><h2>Timeline</h2><div id="timeline">${timeline}</div></section><section><h2>Processor operations</h2>${operations}</section>
<section><h2>Notifications</h2>${deliveries}</section><section><h2>Ledger</h2>${ledger}</section><section><h2>Refunds</h2>${refunds}</section>`,
  };
}

export function paymentPages(s: Surface, deps: DashboardDeps): void {
  const back = (req: FastifyRequest) => paymentPath(param(req, 'id'));
  s.page('/payments', async (req) => listPage(deps, req));
  s.page('/payments/:id', async (req, csrf) => {
    const d = await paymentDetail(deps.core, param(req, 'id'));
    const merchant = (await listMerchants(deps.core.db)).find((m) => m.id === d.payment.merchantId);
    return detailPage(d, csrf, merchant?.name ?? d.payment.merchantId);
  });
  s.action('/payments/:id/cancel', back, async (req, form) => {
    const reason = optional(form, 'reason');
    if (reason !== undefined && !isCancellationReason(reason)) throw new KasirError('INVALID_PARAMETER', 'reason is not a cancellation reason', { field: 'reason' });
    const { payment, amount } = await operatorCancel(deps.core, param(req, 'id'), req.id, { amount: optional(form, 'amount'), reason });
    return { redirect: back(req), flash: { kind: 'ok', text: `Canceled ${money(amount, payment.currency)}: the payment is ${payment.status}.` } };
  });
  s.action('/payments/:id/capture', back, async (req, form) => {
    const p = await operatorCapture(deps.core, param(req, 'id'), req.id, { amount: optional(form, 'amount') });
    return { redirect: back(req), flash: { kind: 'ok', text: `Captured ${money(p.amountReceived, p.currency)}.` } };
  });
  s.action('/payments/:id/refund', back, async (req, form) => {
    const { refund } = await operatorRefund(deps.core, param(req, 'id'), req.id, { amount: optional(form, 'amount'), reason: optional(form, 'reason')?.slice(0, 500) });
    return { redirect: back(req), flash: { kind: 'ok', text: `Refunded ${money(refund.amount, refund.currency)}.` } };
  });
  s.action('/payments/:id/deliveries/:deliveryId/redeliver', back, async (req) => {
    const d = await paymentDetail(deps.core, param(req, 'id'));
    // Only this payment's notifications: the button names one, a forged id of another is not ours here.
    const delivery = d.deliveries.find((n) => n.id === param(req, 'deliveryId'));
    if (!delivery || !(await redeliver(deps.core.db, deps.core.clock, delivery.id))) throw new KasirError('NOTIFICATION_NOT_FOUND', 'Notification not found');
    return { redirect: back(req), flash: { kind: 'ok', text: `Notification ${delivery.eventType} to ${delivery.targetUrl} scheduled for delivery now.` } };
  });
}
