// Admin API for money and notifications: a merchant's balances, the journal of a payment, its
// processor operations, payouts of settled funds, a payment's deliveries and redelivery of one of them.
// Amounts are decimal strings in major units ("1000.00"), as in the merchant APIs: an operator
// reading a balance or typing a payout should not have to know each currency's exponent.
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { KasirError } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import { merchantBalances, paymentJournals } from '../core/ledger/journal.ts';
import { postPayout } from '../core/ledger/postings.ts';
import { getMerchant, type MerchantDeps } from '../core/merchants/merchants.ts';
import { DECIMAL_FORM, formatMajor, isCurrency, parseMajor } from '../core/money.ts';
import { listDeliveries, redeliver } from '../core/notifications/worker.ts';
import { listOperations } from '../core/processors/operations.ts';
import { ok, type Rendered } from '../dialects/native/render.ts';
import { rawBody } from './raw-body.ts';
import { expecting, parseJsonObject, validator } from './validate.ts';

type Route = (method: 'GET' | 'POST', url: string, op: (req: FastifyRequest) => Promise<Rendered>) => void;

const PayoutBody = Type.Object(
  { currency: Type.String({ pattern: '^[A-Z]{3}$' }), amount: expecting(Type.String({ minLength: 1, maxLength: 20 }), DECIMAL_FORM) },
  { additionalProperties: false },
);
const checkPayout = validator(PayoutBody);

const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];
const money = (entries: { account: string; amount: bigint }[], currency: string) =>
  entries.map((e) => ({ account: e.account, amount: formatMajor(e.amount, currency) }));

async function paymentOf(deps: MerchantDeps, merchantId: string, paymentId: string): Promise<string> {
  const { rows } = await deps.db.query('SELECT id FROM payments WHERE merchant_id = $1 AND id::text = $2', [merchantId, isUuid(paymentId) ? paymentId.toLowerCase() : '']);
  if (!rows[0]) throw new KasirError('PAYMENT_NOT_FOUND', 'Payment not found');
  return paymentId.toLowerCase();
}

export function moneyAdminRoutes(route: Route, deps: MerchantDeps): void {
  route('GET', '/merchants/:id/balances', async (req) => {
    const m = await getMerchant(deps.db, param(req, 'id'));
    const rows = await merchantBalances(deps.db, m.id);
    return ok({ merchantId: m.id, balances: rows.map((b) => ({ account: b.account.split(':').pop(), currency: b.currency, balance: formatMajor(b.balance, b.currency) })) });
  });
  route('GET', '/merchants/:id/payments/:paymentId/journal', async (req) => {
    const m = await getMerchant(deps.db, param(req, 'id'));
    const journals = await paymentJournals(deps.db, await paymentOf(deps, m.id, param(req, 'paymentId')));
    return ok({ object: 'list', data: journals.map((j) => ({ id: j.id, kind: j.kind, currency: j.currency, at: j.at.toISOString(), entries: money(j.entries, j.currency) })) });
  });
  route('POST', '/merchants/:id/payouts', async (req) => {
    const m = await getMerchant(deps.db, param(req, 'id'));
    const body = checkPayout.check(parseJsonObject(rawBody(req.body), false));
    if (!isCurrency(body.currency)) throw new KasirError('INVALID_PARAMETER', 'currency is not supported', { field: 'currency' });
    const amount = parseMajor(body.amount, body.currency);
    if (!amount.ok) throw new KasirError('INVALID_PARAMETER', `amount ${amount.reason}`, { field: 'amount' });
    const journalId = await deps.db.tx((q) => postPayout(q, m.id, body.currency, amount.minor, deps.clock.now()));
    return ok({ journalId, currency: body.currency, amount: formatMajor(amount.minor, body.currency) }, 201);
  });
  // Operation records: every processor call of the payment, with its status and what the processor
  // reported (and through which source); the timeline's events name them by operationId.
  route('GET', '/merchants/:id/payments/:paymentId/operations', async (req) => {
    const m = await getMerchant(deps.db, param(req, 'id'));
    const ops = await listOperations(deps.db, await paymentOf(deps, m.id, param(req, 'paymentId')));
    return ok({
      object: 'list',
      data: ops.map((o) => ({
        id: o.id, kind: o.kind, processor: o.processor, amount: formatMajor(o.amount, o.currency), currency: o.currency,
        refundId: o.refundId, status: o.status, result: o.result, createdAt: o.createdAt.toISOString(),
      })),
    });
  });
  route('GET', '/merchants/:id/payments/:paymentId/deliveries', async (req) => {
    const m = await getMerchant(deps.db, param(req, 'id'));
    return ok({ object: 'list', data: await listDeliveries(deps.db, await paymentOf(deps, m.id, param(req, 'paymentId'))) });
  });
  route('POST', '/deliveries/:id/redeliver', async (req) => {
    const found = await redeliver(deps.db, deps.clock, param(req, 'id'));
    if (!found) throw new KasirError('NOTIFICATION_NOT_FOUND');
    return ok({ id: param(req, 'id'), status: 'pending' });
  });
}
