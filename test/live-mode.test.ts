// Live mode as a merchant meets it, in all three dialects. A live merchant's payments reach only its
// connector accounts: with no route, creating one is refused in the dialect's own words and nothing
// is stored. With a route, the sandbox's features (test cards, `sandbox:` words, the sandbox buyers,
// the checkout simulator) are refused and change nothing. The connector account here is real (made
// through the admin API) but points at a closed port: none of these refusals may reach it. A test
// merchant works exactly as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KasirMerchant } from '../src/dialects/registry.ts';
import { antomClientFor, checkout, expectResult as expectAntom, pay, payBody, type AntomClient } from './helpers/antom.ts';
import { assertUnchanged, fingerprint, REQUEST_BOOKKEEPING } from './helpers/db-fingerprint.ts';
import { admin, nativeClientFor, startKasir, type NativeClient } from './helpers/harness.ts';
import { buyerPays as nativeBuyerPays, CARDS, countPayments, create, expectStatus, stored } from './helpers/native.ts';
import * as np from './helpers/nicepay.ts';

const h = await startKasir();
const db = h.deps.core.db;

interface Shop {
  id: string;
  mode: string;
  native: NativeClient;
  antom: AntomClient;
  nicepay: np.NicepayMerchant;
}

/** A merchant made through the admin API, as a client of every dialect. */
async function shop(name: string, mode?: 'test' | 'live'): Promise<Shop> {
  const r = await admin(h, 'POST', '/merchants', { name, ...(mode ? { mode } : {}) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const d = r.body.data;
  const native = nativeClientFor(h, d.id, d.native.apiKey, d.native.apiSecret);
  return {
    id: d.id,
    mode: d.mode,
    native,
    antom: antomClientFor(h, { merchant: { id: d.id }, antom: d.antom, native: d.native } as unknown as KasirMerchant),
    nicepay: { merchantId: d.id, iMid: d.nicepay.iMid, merchantKey: d.nicepay.merchantKey, native },
  };
}

/** An Antom account at a closed port, routed for every method and currency. */
async function routed(s: Shop): Promise<string> {
  const key = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const connector = await admin(h, 'POST', `/merchants/${s.id}/connectors`, {
    type: 'antom',
    baseUrl: 'http://127.0.0.1:9',
    clientId: 'LIVE_UPSTREAM_CLIENT',
    privateKey: key().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    providerPublicKey: key().publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  assert.equal(connector.status, 201, JSON.stringify(connector.body));
  const route = await admin(h, 'POST', `/merchants/${s.id}/routes`, { connectorId: connector.body.data.id });
  assert.equal(route.status, 201, JSON.stringify(route.body));
  return connector.body.data.id;
}

const nothingChanged = async (before: Awaited<ReturnType<typeof fingerprint>>, what: string) => assertUnchanged(db, before, what, REQUEST_BOOKKEEPING);

function expectForbidden(res: { status: number; body: any; text: string }, message: RegExp) {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.error.code, 'FORBIDDEN', res.text);
  assert.match(res.body.error.message, message);
}

const unrouted = await shop('Live shop without a route', 'live');
const live = await shop('Live shop with a route', 'live');
const connectorId = await routed(live);

test('Antom client ids say the mode: SANDBOX_ for test merchants, LIVE_ for live ones', async () => {
  const sandbox = await shop('Default shop');
  assert.equal(sandbox.mode, 'test');
  assert.match(sandbox.antom.clientId, /^SANDBOX_/);
  assert.equal(live.mode, 'live');
  assert.match(live.antom.clientId, /^LIVE_/);
  assert.match(unrouted.antom.clientId, /^LIVE_/);
});

test('no route: native, Antom and NICEPAY each refuse in their own words, and no payment is created', async () => {
  const before = await fingerprint(db, REQUEST_BOOKKEEPING);
  for (const body of [{ amount: '10.00', currency: 'USD', paymentMethod: 'card' }, { amount: '10.00', currency: 'USD' }]) {
    const res = await create(unrouted.native, body);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    assert.match(res.body.error.message, /No connector route of this live merchant/);
  }
  expectAntom(await unrouted.antom.call('pay', payBody()), 'PAYMENT_METHOD_NOT_SUPPORTED', 'F');
  for (const payMethod of ['01', '02']) {
    np.expectResult(await np.post(h, '/nicepay/direct/v2/registration', np.registrationRequest(h, unrouted.nicepay, payMethod)), '9331');
  }
  assert.equal(await countPayments(h, unrouted.id), 0);
  await nothingChanged(before, 'refusals for want of a route');
});

test('a route lets a live payment be created, for the routed account; deleting the account takes it away', async () => {
  const other = await shop('Live shop, briefly routed', 'live');
  const id = await routed(other);
  const made = expectStatus(await create(other.native, { amount: '10.00', currency: 'USD', paymentMethod: 'card' }), 201).data;
  assert.equal(made.status, 'requires_confirmation');
  assert.equal((await stored(h, made.id)).processor, id, 'the payment is for the connector account, not the sandbox');
  assert.equal((await admin(h, 'DELETE', `/connectors/${id}`)).status, 200);
  const refused = await create(other.native, { amount: '10.00', currency: 'USD', paymentMethod: 'card' });
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.body.error.message, /No connector route/);
  assert.equal(await countPayments(h, other.id), 1);
});

test('with a route: test cards, sandbox: words, the sandbox buyers and the checkout simulator are refused; nothing changes', async () => {
  // Payments that exist before the refusals (none of them reaches the upstream: nothing is submitted).
  const card = expectStatus(await create(live.native, { amount: '10.00', currency: 'USD', paymentMethod: 'card' }), 201).data;
  const reg = np.expectResult(await np.post(h, '/nicepay/direct/v2/registration', np.registrationRequest(h, live.nicepay, '01')), '0000');
  for (const id of [card.id, (await np.storedTx(h, reg.tXid)).id]) assert.equal((await stored(h, id)).processor, connectorId);
  const { rows } = await db.query<{ checkout_token: string }>('SELECT checkout_token FROM payments WHERE id = $1', [card.id]);
  const checkoutUrl = `${h.baseUrl}/sandbox/checkout/${card.id}?token=${rows[0].checkout_token}`;
  const before = await fingerprint(db, REQUEST_BOOKKEEPING);

  // Test card numbers: a live buyer types the card on the provider's page, never through Kasir.
  expectForbidden(await live.native.request('POST', `/api/v1/payments/${card.id}/confirm`, { paymentMethodData: { card: { number: CARDS.succeeds } } }), /provider's payment page/);
  // Also in the same request that would create the payment: refused before anything is created.
  expectForbidden(await create(live.native, { amount: '10.00', currency: 'USD', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } }), /provider's payment page/);
  const cardPay = payBody({ paymentMethod: { paymentMethodType: 'CARD', paymentMethodMetaData: { cardNo: CARDS.succeeds } } });
  expectAntom(await live.antom.call('pay', cardPay), 'ACCESS_DENIED', 'F');
  const browser = await np.payment(h, np.paymentFields(h, live.nicepay, reg, np.cardFields(np.CARDS.approved)));
  assert.equal(np.redirectTarget(browser.text).searchParams.get('resultCd'), '9331', browser.text);
  // sandbox: trigger words.
  expectForbidden(await create(live.native, { amount: '10.00', currency: 'USD', paymentMethod: 'card', description: 'Coffee sandbox:confirm_timeout' }), /sandbox: trigger words/);
  const antomOrder = payBody();
  antomOrder.order.orderDescription = 'Coffee sandbox:cancel_timeout';
  expectAntom(await live.antom.call('pay', antomOrder), 'ACCESS_DENIED', 'F');
  np.expectResult(await np.post(h, '/nicepay/direct/v2/registration', np.registrationRequest(h, live.nicepay, '02', { description: 'sandbox:refund_timeout' })), '9331');
  // The Antom SDKs' sandbox path (SANDBOX_ client ids) is test mode's.
  expectAntom(await live.antom.call('pay', payBody(), { prefix: '/ams/sandbox/api/v1/payments' }), 'ACCESS_DENIED', 'F');
  // The sandbox buyers.
  expectForbidden(await nativeBuyerPays(live.native, card.id), /sandbox buyer is test-mode only/);
  np.expectResult(await np.buyerPays(h, live.nicepay, reg), '9331');
  // The checkout simulator does not know a live payment.
  assert.equal((await fetch(checkoutUrl)).status, 404);
  assert.equal((await checkout(checkoutUrl)).status, 404);

  await nothingChanged(before, 'refused test-mode features');
  assert.equal((await stored(h, card.id)).status, 'requires_confirmation');
  assert.equal((await np.storedTx(h, reg.tXid)).status, 'requires_confirmation');
  assert.equal(await countPayments(h, live.id), 2);
});

test('a test merchant keeps working exactly as before: test cards, sandbox buyers, the checkout page', async () => {
  const t = await shop('Sandbox shop');
  const paid = expectStatus(await create(t.native, { amount: '10.00', currency: 'USD', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } }), 201).data;
  assert.equal(paid.status, 'succeeded');
  assert.equal((await stored(h, paid.id)).processor, 'sandbox');
  const qr = expectStatus(await create(t.native, { amount: '10.00', currency: 'THB', paymentMethod: 'promptpay', confirm: true }), 201).data;
  assert.equal(expectStatus(await nativeBuyerPays(t.native, qr.id), 200).data.status, 'succeeded');
  const antom = await pay(t.antom);
  assert.equal((await checkout(antom.normalUrl)).status, 200);
  assert.equal(expectAntom(await t.antom.call('inquiryPayment', { paymentId: antom.paymentId }), 'SUCCESS', 'S').paymentStatus, 'SUCCESS');
  const reg = await np.register(h, t.nicepay, '02');
  np.expectResult(await np.buyerPays(h, t.nicepay, reg), '0000');
  assert.equal((await np.storedTx(h, reg.tXid)).status, 'succeeded');
});
