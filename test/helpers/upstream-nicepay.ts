// Two Kasirs for the NICEPAY connector tests: an upstream whose NICEPAY dialect plays NICEPAY (a
// test-mode merchant, made through the admin API: its payments go to its sandbox), and a downstream
// live merchant whose payments go to a NICEPAY connector account at that upstream. The account talks
// to the upstream through the fault-injecting proxy (fault-proxy.ts), which can hold an answer back
// (a lost answer: the upstream did the work, the downstream heard nothing in time).
import assert from 'node:assert/strict';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after } from 'node:test';
import { createConnector, type ConnectorAccount } from '../../src/core/connectors/accounts.ts';
import { setRoute } from '../../src/core/connectors/routes.ts';
import { createMerchant } from '../../src/core/merchants/merchants.ts';
import { deliverDue } from '../../src/core/notifications/worker.ts';
import type { Payment } from '../../src/core/payments/model.ts';
import { getPaymentById } from '../../src/core/payments/repo.ts';
import { listOperations } from '../../src/core/processors/operations.ts';
import type { OperationRecord } from '../../src/core/processors/processor.ts';
import { notificationToken } from '../../src/dialects/nicepay/token.ts';
import { nicepayConnector } from '../../src/processors/nicepay/connector.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { admin, nativeClientFor, startKasir, type Harness } from './harness.ts';
import { createPayment } from './native.ts';
import { cardFields, CARDS, redirectTarget, storedTx, type NicepayMerchant } from './nicepay.ts';

export interface Pair {
  up: Harness;
  down: Harness;
  /** The upstream's test merchant, as NICEPAY's merchant (the connector account's iMid and key). */
  upM: NicepayMerchant;
  /** Between the account and the upstream. */
  proxy: FaultProxy;
}

export const UPSTREAM = { iMid: 'UPSTREAM01', merchantKey: 'k3y-Of-The-Upstream-Account/0123456789+abcdefghij==' };

export async function startPair(): Promise<Pair> {
  const up = await startKasir({ connectorTimeoutMs: 1500 });
  const down = await startKasir({ connectorTimeoutMs: 1500 });
  const made = await admin(up, 'POST', '/merchants', { name: 'Upstream account', nicepay: UPSTREAM });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const d = made.body.data;
  const upM = { merchantId: d.id, ...UPSTREAM, native: nativeClientFor(up, d.id, d.native.apiKey, d.native.apiSecret) };
  const proxy = await startFaultProxy(up.baseUrl);
  after(() => proxy.close());
  return { up, down, upM, proxy };
}

export interface LiveShop extends NicepayMerchant {
  account: ConnectorAccount;
}

/** A downstream live merchant routed (every method, every currency) to a NICEPAY account at `baseUrl`. */
export async function liveShop(pair: Pair, baseUrl = pair.proxy.url, name = 'Shop'): Promise<LiveShop> {
  const { down } = pair;
  const { merchant, native, nicepay } = await createMerchant(down.deps.merchants, name, {}, 'live');
  const account = await createConnector(down.deps.merchants, {
    merchantId: merchant.id, type: 'nicepay', name: 'NICEPAY', baseUrl, ...nicepayConnector.parseSettings({ iMid: UPSTREAM.iMid, merchantKey: UPSTREAM.merchantKey }),
  });
  await setRoute(down.deps.merchants, { merchantId: merchant.id, connectorId: account.id });
  return { merchantId: merchant.id, iMid: nicepay.iMid, merchantKey: nicepay.merchantKey, native: nativeClientFor(down, merchant.id, native.apiKey, native.apiSecret), account };
}

/** The downstream payment's charge: the operation whose id is the upstream's referenceNo. */
export async function chargeOf(h: Harness, paymentId: string): Promise<OperationRecord> {
  const op = (await listOperations(h.deps.core.db, paymentId)).findLast((o) => o.kind === 'authorize');
  assert.ok(op, `no charge for ${paymentId}`);
  return op;
}

/** The upstream delivers the notifications it has due (to the downstream's connector notifyUrl). */
export const deliverUpstream = (pair: Pair) => deliverDue(pair.up.deps.delivery);

/** Hidden inputs of an HTML form (the upstream's approval page). */
export function formFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}

/** A downstream payment as stored. */
export async function downPayment(pair: Pair, id: string): Promise<Payment> {
  const p = await getPaymentById(pair.down.deps.core.db, id);
  assert.ok(p, `payment ${id} is not stored`);
  return p;
}

/** The upstream's payment behind a downstream payment (its processorRef is the upstream tXid). */
export async function upstreamOf(pair: Pair, p: Payment): Promise<Payment> {
  assert.ok(p.processorRef, `payment ${p.id} has no upstream tXid`);
  return storedTx(pair.up, p.processorRef);
}

/** The upstream transaction of a downstream payment as NICEPAY requests name it: tXid, referenceNo (the charge's id), amt. */
export async function upstreamRef(pair: Pair, p: Payment) {
  return { tXid: p.processorRef!, referenceNo: (await chargeOf(pair.down, p.id)).id, amt: String(p.amount / 100n) };
}

/** POSTs a notification to a connector account's notifyUrl, as a form (NICEPAY's way) or JSON. */
export async function notify(h: Harness, accountId: string, fields: Record<string, string>, form = true) {
  const res = await fetch(`${h.baseUrl}/connectors/${accountId}/notify`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
  });
  return { status: res.status, text: await res.text() };
}

/** A paid-notification as NICEPAY sends it, signed with `key` (the account's, unless forging). */
export function paidNotification(ref: { tXid: string; referenceNo: string; amt: string }, key = UPSTREAM.merchantKey): Record<string, string> {
  return {
    tXid: ref.tXid, referenceNo: ref.referenceNo, payMethod: ref.tXid.slice(10, 12), amt: ref.amt, currency: 'IDR', status: '0', matchCl: '1',
    merchantToken: notificationToken({ iMid: ref.tXid.slice(0, 10), tXid: ref.tXid, amt: ref.amt, merchantKey: key }),
  };
}

/** A native card payment of `amount` IDR, paid by its buyer on the upstream page, its notification delivered. */
export async function paidNativeCard(pair: Pair, shop: LiveShop, amount: string): Promise<Payment> {
  const created = await createPayment(shop.native, { amount, currency: 'IDR', paymentMethod: 'card', confirm: true });
  assert.equal(created.nextAction?.type, 'redirect_to_url', JSON.stringify(created));
  const url = new URL(created.nextAction.url);
  for (const [k, v] of Object.entries(cardFields(CARDS.approved))) url.searchParams.set(k, v); // typed at the upstream
  const page = await (await fetch(url)).text();
  assert.equal(redirectTarget(page).searchParams.get('resultCd'), '0000', page);
  await deliverUpstream(pair);
  const p = await downPayment(pair, created.id);
  assert.equal(p.status, 'succeeded');
  return p;
}

/** A URL where nothing listens (connection refused). */
export async function refusedUrl(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
