// pay (CASHIER_PAYMENT): PAYMENT_IN_PROCESS with a hosted checkout page, the method families, the
// default expiry, paymentRequestId idempotency, server-to-server cards, and input checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKasir } from './helpers/harness.ts';
import { antomMerchant, expectResult, inquire, pay, payBody, storedByAntomId } from './helpers/antom.ts';
import { DEFAULT_EXPIRY_MS } from '../src/dialects/antom/routes/pay.ts';

const h = await startKasir();
const m = await antomMerchant(h);

const ANTOM_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

async function paymentsWithRequestId(id: string): Promise<number> {
  const { rows } = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE antom_payment_request_id = $1', [id]);
  return Number(rows[0].n);
}

test('a wallet payment: PAYMENT_IN_PROCESS, a checkout page, stored in the antom profile', async () => {
  const body = payBody({ paymentNotifyUrl: 'https://merchant.example/notify', merchantAccountId: 'store_1' });
  const res = expectResult(await m.call('pay', body), 'PAYMENT_IN_PROCESS', 'U');
  assert.deepEqual(Object.keys(res).sort(), ['normalUrl', 'paymentAmount', 'paymentCreateTime', 'paymentId', 'paymentRequestId', 'result']);
  assert.equal(res.paymentRequestId, body.paymentRequestId);
  assert.match(res.paymentId, /^\d{34}$/);
  assert.deepEqual(res.paymentAmount, { currency: 'USD', value: '1000' });
  assert.match(res.paymentCreateTime, ANTOM_TIME);
  assert.ok(res.normalUrl.startsWith(h.baseUrl + '/sandbox/checkout/'), res.normalUrl);
  const p = await storedByAntomId(h, res.paymentId);
  assert.equal(p.profile, 'antom');
  assert.equal(p.status, 'requires_action');
  assert.equal(p.paymentMethod, 'wallet');
  assert.equal(p.methodType, 'ALIPAY_CN');
  assert.equal(p.amount, 1000n);
  assert.equal(p.merchantAccountId, 'store_1');
  assert.equal(p.referenceId, body.order.referenceOrderId);
  assert.equal(p.expiresAt!.getTime() - p.createdAt.getTime(), DEFAULT_EXPIRY_MS);
  assert.equal(p.dialectData.notifyUrl, 'https://merchant.example/notify');
  assert.equal(res.normalUrl, `${h.baseUrl}/sandbox/checkout/${p.id}?token=${p.checkoutToken}`);
  const page = await fetch(res.normalUrl);
  assert.equal(page.status, 200);
});

test('each paymentMethodType lands in its method family', async () => {
  const cases: [string, string, string, Record<string, unknown>?][] = [
    ['GCASH', 'wallet', 'requires_action'],
    ['DANA', 'wallet', 'requires_action'],
    ['PROMPTPAY', 'promptpay', 'requires_action', { paymentAmount: { currency: 'THB', value: '10000' } }],
    ['QRIS', 'qris', 'requires_action', { paymentAmount: { currency: 'IDR', value: '1000000' } }],
    ['BANKTRANSFER_BNI', 'va', 'requires_action', { paymentAmount: { currency: 'IDR', value: '1000000' } }],
    ['KRUNGTHAIBANK', 'thai_banking', 'requires_action', { paymentAmount: { currency: 'THB', value: '10000' } }],
    // A cashier card payment: the buyer enters the card on the checkout page, nothing is submitted yet.
    ['CARD', 'card', 'requires_confirmation'],
  ];
  for (const [type, method, status, extra] of cases) {
    const res = await pay(m, { paymentMethod: { paymentMethodType: type }, ...extra });
    const p = await storedByAntomId(h, res.paymentId);
    assert.deepEqual([p.paymentMethod, p.status, p.methodType], [method, status, type], type);
  }
  const manual = await pay(m, { paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } });
  assert.equal((await storedByAntomId(h, manual.paymentId)).captureMethod, 'manual');
  const walletManual = await pay(m, { paymentFactor: { captureMode: 'MANUAL' } });
  assert.equal((await storedByAntomId(h, walletManual.paymentId)).captureMethod, 'automatic', 'wallets have no authorization step');
});

test('server-to-server cards: the test card numbers decide at once', async () => {
  const ok = expectResult(await m.call('pay', payBody({ paymentMethod: { paymentMethodType: 'CARD', paymentMethodMetaData: { cardNo: '4242424242424242' } } })), 'SUCCESS', 'S');
  assert.match(ok.paymentTime, ANTOM_TIME);
  assert.equal(ok.normalUrl, undefined);
  assert.equal((await storedByAntomId(h, ok.paymentId)).status, 'succeeded');
  const declined = expectResult(await m.call('pay', payBody({ paymentMethod: { paymentMethodType: 'CARD', paymentMethodMetaData: { cardNo: '4000000000000002' } } })), 'PROCESS_FAIL', 'F');
  assert.equal((await storedByAntomId(h, declined.paymentId)).status, 'payment_failed');
  const threeDS = expectResult(await m.call('pay', payBody({ paymentMethod: { paymentMethodType: 'CARD', paymentMethodMetaData: { cardNo: '4000002500003155' } } })), 'PAYMENT_IN_PROCESS', 'U');
  assert.ok(threeDS.normalUrl);
});

test('paymentRequestId: the same request (however formatted) gets the same answer; another gets REPEAT_REQ_INCONSISTENT', async () => {
  const body = payBody();
  const first = expectResult(await m.call('pay', body), 'PAYMENT_IN_PROCESS', 'U');
  // Another SDK's style: indented, explicit nulls, the amount as a number.
  const restyled = JSON.stringify({ ...body, paymentAmount: { currency: 'USD', value: 1000 }, env: null }, null, 2);
  const again = expectResult(await m.call('pay', undefined, { raw: restyled }), 'PAYMENT_IN_PROCESS', 'U');
  assert.deepEqual(again, first);
  const other = await m.call('pay', { ...body, paymentAmount: { currency: 'USD', value: '2000' } });
  expectResult(other, 'REPEAT_REQ_INCONSISTENT', 'F');
  assert.deepEqual(Object.keys(other.body), ['result']);
  assert.equal(await paymentsWithRequestId(body.paymentRequestId), 1);
  // The stored answer is kept 24 h; afterwards the payment itself is compared with the request.
  h.clock.advance(25 * 3600_000);
  expectResult(await m.call('pay', { ...body, paymentAmount: { currency: 'USD', value: '3000' } }), 'REPEAT_REQ_INCONSISTENT', 'F');
  const late = expectResult(await m.call('pay', body), 'ORDER_IS_CLOSED', 'F');
  assert.equal(late.paymentId, first.paymentId, 'same payment, now expired');
  expectResult(await m.call('pay', { ...body, paymentAmount: { currency: 'USD', value: '3000' } }), 'REPEAT_REQ_INCONSISTENT', 'F');
  assert.equal(await paymentsWithRequestId(body.paymentRequestId), 1);
});

test('parallel identical pays create one payment', async () => {
  const body = payBody();
  const answers = await Promise.all(Array.from({ length: 6 }, () => m.call('pay', body)));
  const ids = new Set<string>();
  for (const a of answers) {
    assert.ok(a.verified);
    // The first runs; the others replay it or, while it still runs, are told to retry (U).
    if (a.body.result.resultCode === 'UNKNOWN_EXCEPTION') continue;
    expectResult(a, 'PAYMENT_IN_PROCESS', 'U');
    ids.add(a.body.paymentId);
  }
  assert.equal(ids.size, 1);
  assert.equal(await paymentsWithRequestId(body.paymentRequestId), 1);
});

test('paymentExpiryTime: kept when given, refused when past or malformed; an expired payment reads FAIL', async () => {
  const at = new Date(h.clock.now().getTime() + 3600_000);
  const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const res = await pay(m, { paymentExpiryTime: iso });
  assert.equal((await storedByAntomId(h, res.paymentId)).expiresAt!.getTime(), Date.parse(iso));
  expectResult(await m.call('pay', payBody({ paymentExpiryTime: new Date(h.clock.now().getTime() - 1000).toISOString() })), 'PARAM_ILLEGAL', 'F');
  expectResult(await m.call('pay', payBody({ paymentExpiryTime: 'tomorrow' })), 'PARAM_ILLEGAL', 'F');
  h.clock.advance(3601_000);
  const read = expectResult(await inquire(m, res.paymentId), 'SUCCESS', 'S');
  assert.equal(read.paymentStatus, 'FAIL');
  assert.equal(read.paymentResultCode, 'ORDER_IS_CLOSED');
  assert.equal((await storedByAntomId(h, res.paymentId)).status, 'expired');
});

test('input checks: PARAM_ILLEGAL (lengths, required fields, product), CURRENCY_NOT_SUPPORT; nothing stored', async () => {
  const before = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments');
  const illegal = [
    payBody({ paymentRequestId: 'x'.repeat(65) }),
    payBody({ paymentRequestId: undefined }),
    payBody({ productCode: 'AGREEMENT_PAYMENT' }),
    payBody({ paymentAmount: { currency: 'USD', value: '10.00' } }),
    payBody({ paymentAmount: { currency: 'USD', value: '0' } }),
    payBody({ merchantAccountId: 'x'.repeat(33) }),
    payBody({ paymentNotifyUrl: 'ftp://merchant.example/notify' }),
    payBody({ order: undefined }),
  ];
  for (const body of illegal) expectResult(await m.call('pay', body), 'PARAM_ILLEGAL', 'F');
  expectResult(await m.call('pay', undefined, { raw: '{"paymentRequestId": ' }), 'PARAM_ILLEGAL', 'F');
  expectResult(await m.call('pay', payBody({ paymentAmount: { currency: 'XXX', value: '1000' } })), 'CURRENCY_NOT_SUPPORT', 'F');
  const after = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments');
  assert.equal(after.rows[0].n, before.rows[0].n);
});
