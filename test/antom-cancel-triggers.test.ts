// Antom cancel result codes decided by the payment's state, the caller's credentials, or the
// processor (documented sandbox triggers in orderDescription), through real HTTP, each with the
// stored payment checked: ACCESS_DENIED, KEY_NOT_FOUND, NO_INTERFACE_DEF, ORDER_STATUS_INVALID,
// PROCESS_FAIL, MERCHANT_BALANCE_NOT_ENOUGH, SYSTEM_ERROR, UNKNOWN_EXCEPTION, USER_NOT_EXIST,
// USER_STATUS_ABNORMAL; and a late buyer payment after a cancel (seed 001).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startKasir } from './helpers/harness.ts';
import { settleDue } from '../src/core/jobs/settlement.ts';
import { formatMajor } from '../src/core/money.ts';
import { antomMerchant, cancel, checkout, expectResult, inquire, paid, pay, storedByAntomId, type AntomClient } from './helpers/antom.ts';
import { formatSignatureHeader, parsePrivateKey, signedText, signRsa256 } from '../src/dialects/antom/signature.ts';

const h = await startKasir();
const m = await antomMerchant(h);

async function expectCode(client: AntomClient, paymentId: string, code: string, status: 'F' | 'U', stored: string) {
  const res = await cancel(client, { paymentId });
  expectResult(res, code, status);
  assert.deepEqual(Object.keys(res.body), ['result']);
  const p = await storedByAntomId(h, paymentId);
  assert.equal(p.status, stored, `${code}: stored status`);
  assert.equal(p.canceledAt, null);
  return p;
}

const trigger = (word: string) => ({ order: { orderDescription: `Order sandbox:${word}` } });

test('ACCESS_DENIED: a suspended merchant', async () => {
  const c = await antomMerchant(h, 'Suspended');
  const p = await pay(c);
  assert.equal((await admin(h, 'POST', `/merchants/${c.merchantId}/suspend`)).status, 200);
  await expectCode(c, p.paymentId, 'ACCESS_DENIED', 'F', 'requires_action');
  await admin(h, 'POST', `/merchants/${c.merchantId}/activate`);
  expectResult(await cancel(c, { paymentId: p.paymentId }), 'SUCCESS', 'S');
});

test('KEY_NOT_FOUND: an unknown keyVersion, or a client without a registered public key', async () => {
  const c = await antomMerchant(h, 'Keys');
  const p = await pay(c);
  const path = '/ams/api/v1/payments/cancel';
  const raw = JSON.stringify({ paymentId: p.paymentId });
  const time = String(h.clock.now().getTime());
  const sig = signRsa256(parsePrivateKey(c.privateKeyPkcs8), signedText('POST', path, c.clientId, time, raw));
  const v2 = await c.call('cancel', undefined, { raw, requestTime: time, signature: formatSignatureHeader(sig, 2) });
  expectResult(v2, 'KEY_NOT_FOUND', 'F');
  await h.deps.core.db.query(`UPDATE credentials SET data = data - 'merchantPublicKey' WHERE key_id = $1`, [c.clientId]);
  h.deps.credentials.invalidate();
  await expectCode(c, p.paymentId, 'KEY_NOT_FOUND', 'F', 'requires_action');
});

test('NO_INTERFACE_DEF: an unknown operation, or another method, under every prefix', async () => {
  const p = await pay(m);
  for (const path of ['/ams/api/v1/payments/cancelPayment', '/v1/payments/cancel/now', '/ams/sandbox/api/v1/payments/void', '/v1/payments/constructor', '/ams/api/v1/payments']) {
    expectResult(await m.call('cancel', { paymentId: p.paymentId }, { path }), 'NO_INTERFACE_DEF', 'F');
  }
  const get = await fetch(`${h.baseUrl}/v1/payments/cancel`, { headers: { 'client-id': m.clientId } });
  assert.equal(get.status, 200);
  assert.equal((await get.json()).result.resultCode, 'NO_INTERFACE_DEF');
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'requires_action');
});

test('ORDER_STATUS_INVALID: a captured card, a failed payment', async () => {
  const card = { paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } };
  const p = await paid(m, card);
  expectResult(await m.call('capture', { captureRequestId: `cap_${p.paymentId}`, paymentId: p.paymentId, captureAmount: { currency: 'USD', value: '1000' } }), 'SUCCESS', 'S');
  await expectCode(m, p.paymentId, 'ORDER_STATUS_INVALID', 'F', 'succeeded');
  const failed = await pay(m);
  await checkout(failed.normalUrl, 'failed');
  await expectCode(m, failed.paymentId, 'ORDER_STATUS_INVALID', 'F', 'payment_failed');
});

test('PROCESS_FAIL: a refunded payment (in part or in full)', async () => {
  const p = await paid(m);
  expectResult(await m.call('refund', { refundRequestId: `rf_${p.paymentId}`, paymentId: p.paymentId, refundAmount: { currency: 'USD', value: '100' } }), 'SUCCESS', 'S');
  const stored = await expectCode(m, p.paymentId, 'PROCESS_FAIL', 'F', 'succeeded');
  assert.equal(stored.amountRefunded, 100n);
});

test('MERCHANT_BALANCE_NOT_ENOUGH: the reversal of a settled payment after its funds were paid out', async () => {
  const c = await antomMerchant(h, 'Paid out');
  const p = await paid(c);
  await settleDue(h.deps.core, 0); // settles every paid payment of this file, this one included
  assert.ok((await storedByAntomId(h, p.paymentId)).settledAt, 'settled: its funds are available');
  const { rows } = await h.deps.core.db.query<{ balance: string }>(
    'SELECT balance FROM balances WHERE account = $1', [`merchant:${c.merchantId}:available`]);
  const payout = await admin(h, 'POST', `/merchants/${c.merchantId}/payouts`, { currency: 'USD', amount: formatMajor(BigInt(rows[0].balance), 'USD') });
  assert.equal(payout.status, 201, JSON.stringify(payout.body));
  const stored = await expectCode(c, p.paymentId, 'MERCHANT_BALANCE_NOT_ENOUGH', 'F', 'succeeded');
  assert.equal(stored.amountCanceled, 0n);
  assert.equal(stored.pendingOperation, null, 'nothing left pending, nothing reserved');
});

test('USER_NOT_EXIST, USER_STATUS_ABNORMAL: reversals of a paid wallet refused by the payer side', async () => {
  for (const [word, code] of [
    ['cancel_payer_not_found', 'USER_NOT_EXIST'],
    ['cancel_payer_abnormal', 'USER_STATUS_ABNORMAL'],
  ]) {
    const p = await paid(m, trigger(word));
    const stored = await expectCode(m, p.paymentId, code, 'F', 'succeeded');
    assert.equal(stored.amountCanceled, 0n);
    assert.equal(stored.pendingOperation, null, 'nothing left pending');
  }
});

test('SYSTEM_ERROR: the processor reports a system error', async () => {
  const p = await pay(m, trigger('cancel_system_error'));
  await expectCode(m, p.paymentId, 'SYSTEM_ERROR', 'F', 'requires_action');
});

test('UNKNOWN_EXCEPTION (U): the processor times out; the same request completes it', async () => {
  const p = await pay(m, trigger('cancel_timeout'));
  const unknown = await expectCode(m, p.paymentId, 'UNKNOWN_EXCEPTION', 'U', 'requires_action');
  assert.equal(unknown.pendingOperation, 'cancel');
  assert.equal(unknown.pendingState, 'unknown');
  // The buyer paying meanwhile does not resurrect it: the cancel was sent first.
  assert.equal((await checkout(p.normalUrl)).status, 409);
  const done = expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  const stored = await storedByAntomId(h, p.paymentId);
  assert.equal(stored.status, 'canceled');
  assert.equal(stored.pendingOperation, null);
  assert.equal(done.paymentId, p.paymentId);
});

test('seed 001: a payment canceled first and paid afterwards stays CANCELLED', async () => {
  const p = await pay(m);
  expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  const page = await checkout(p.normalUrl);
  assert.equal(page.status, 409);
  assert.match(page.html, /already closed: the money you paid was returned/);
  const read = expectResult(await inquire(m, p.paymentId), 'SUCCESS', 'S');
  assert.equal(read.paymentStatus, 'CANCELLED');
  const stored = await storedByAntomId(h, p.paymentId);
  assert.equal(stored.status, 'canceled');
  assert.equal(stored.amountReceived, 0n);
  // The late funds went back to the buyer automatically, and the merchant was never told "paid".
  const { rows } = await h.deps.core.db.query<{ type: string }>('SELECT type FROM payment_events WHERE payment_id = $1 ORDER BY id', [stored.id]);
  assert.deepEqual(rows.map((r) => r.type).slice(-3), ['canceled', 'late_payment_received', 'late_payment_reversed']);
  const outbox = await h.deps.core.db.query('SELECT 1 FROM outbox WHERE payment_id = $1', [stored.id]);
  assert.equal(outbox.rows.length, 0);
});
