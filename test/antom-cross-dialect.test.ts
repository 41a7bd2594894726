// One payment, two dialects: a payment made through the native API is read and canceled through the
// Antom API of the same merchant and vice versa, with one timeline. Each payment keeps the cancel
// rules of the profile that created it; only the rendering follows the caller (docs/cancel-rules.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeClientFor, startKasir, type NativeClient } from './helpers/harness.ts';
import { antomMerchant, cancel, checkout, expectResult, inquire, paid, pay, storedByAntomId } from './helpers/antom.ts';
import { antomTime } from '../src/dialects/antom/signature.ts';
import type { Payment } from '../src/core/payments/model.ts';
import { getPaymentById } from '../src/core/payments/repo.ts';

const h = await startKasir();
const m = await antomMerchant(h);
const native: NativeClient = nativeClientFor(h, m.merchantId, m.native.apiKey, m.native.apiSecret);

async function nativePayment(body: Record<string, unknown>): Promise<Payment> {
  const res = await native.request('POST', '/api/v1/payments', { amount: '10.00', currency: 'USD', confirm: true, ...body });
  assert.equal(res.status, 201, res.text);
  return (await getPaymentById(h.deps.core.db, res.body.data.id))!;
}

async function timeline(id: string): Promise<[string, string][]> {
  const res = await native.request('GET', `/api/v1/payments/${id}/events`);
  assert.equal(res.status, 200, res.text);
  return res.body.data.data.map((e: any) => [e.type, e.dialect]);
}

test('native-created: read and canceled through Antom, one timeline; a later Antom cancel replays it', async () => {
  const p = await nativePayment({ paymentMethod: 'promptpay' });
  assert.match(p.antomPaymentId!, /^\d{34}$/, 'every payment has an Antom paymentId');
  const read = expectResult(await inquire(m, p.antomPaymentId!), 'SUCCESS', 'S');
  assert.deepEqual([read.paymentStatus, read.paymentMethodType, read.paymentRequestId, read.paymentAmount], ['PROCESSING', 'PROMPTPAY', undefined, { currency: 'USD', value: '1000' }]);
  const res = expectResult(await cancel(m, { paymentId: p.antomPaymentId }), 'SUCCESS', 'S');
  assert.deepEqual(Object.keys(res).sort(), ['cancelTime', 'paymentId', 'result'], 'no paymentRequestId: the payment has none');
  const seen = (await native.request('GET', `/api/v1/payments/${p.id}`)).body.data;
  assert.equal(seen.status, 'canceled');
  assert.equal(antomTime(new Date(seen.canceledAt)), res.cancelTime);
  assert.deepEqual(await timeline(p.id), [['created', 'native'], ['submitted', 'native'], ['action_required', 'native'], ['canceled', 'antom']]);
  h.clock.advance(60_000);
  assert.deepEqual(expectResult(await cancel(m, { paymentId: p.antomPaymentId }), 'SUCCESS', 'S'), res);
  assert.equal((await native.request('POST', `/api/v1/payments/${p.id}/cancel`)).status, 400, 'natively, canceling twice is an error');
});

test('Antom-created: read and canceled through the native API; Antom then reports CANCELLED and replays the cancel', async () => {
  const a = await pay(m);
  const p = await storedByAntomId(h, a.paymentId);
  const seen = (await native.request('GET', `/api/v1/payments/${p.id}`)).body.data;
  assert.deepEqual([seen.status, seen.amount, seen.currency, seen.paymentMethod], ['requires_action', '10.00', 'USD', 'wallet']);
  const canceled = await native.request('POST', `/api/v1/payments/${p.id}/cancel`);
  assert.equal(canceled.status, 200, canceled.text);
  const read = expectResult(await inquire(m, a.paymentId), 'SUCCESS', 'S');
  assert.equal(read.paymentStatus, 'CANCELLED');
  const replay = expectResult(await cancel(m, { paymentRequestId: a.paymentRequestId }), 'SUCCESS', 'S');
  assert.equal(replay.cancelTime, antomTime(new Date(canceled.body.data.canceledAt)));
  assert.deepEqual(await timeline(p.id), [['created', 'antom'], ['submitted', 'antom'], ['action_required', 'antom'], ['canceled', 'native']]);
});

test('each payment keeps its own profile’s cancel rules, whichever dialect asks', async () => {
  // A paid native wallet: the native profile never cancels a succeeded payment.
  const n = await nativePayment({ paymentMethod: 'wallet' });
  await checkout(n.nextAction!.url as string);
  expectResult(await cancel(m, { paymentId: n.antomPaymentId }), 'PAYMENT_METHOD_NOT_SUPPORTED', 'F');
  assert.equal((await getPaymentById(h.deps.core.db, n.id))!.status, 'succeeded');
  // A paid Antom wallet: the antom profile reverses it within the window, even when asked natively.
  const a = await paid(m);
  const p = await storedByAntomId(h, a.paymentId);
  const res = await native.request('POST', `/api/v1/payments/${p.id}/cancel`);
  assert.equal(res.status, 200, res.text);
  const after = await storedByAntomId(h, a.paymentId);
  assert.deepEqual([after.status, after.amountCanceled], ['canceled', 1000n]);
  assert.deepEqual(await timeline(p.id), [['created', 'antom'], ['submitted', 'antom'], ['action_required', 'antom'], ['succeeded', 'antom'], ['canceled', 'native']]);
});

test('a native payment is refunded through Antom and inquiryPayment shows the refund', async () => {
  const n = await nativePayment({ paymentMethod: 'card', paymentMethodData: { card: { number: '4242424242424242' } } });
  assert.equal(n.status, 'succeeded');
  const rf = expectResult(await m.call('refund', { refundRequestId: `rf_${n.id}`, paymentId: n.antomPaymentId, refundAmount: { currency: 'USD', value: '250' } }), 'SUCCESS', 'S');
  const read = expectResult(await inquire(m, n.antomPaymentId!), 'SUCCESS', 'S');
  assert.deepEqual(read.transactions.map((t: any) => t.transactionType), ['CAPTURE', 'REFUND']);
  assert.equal(read.transactions[1].transactionId, rf.refundId);
  const seen = (await native.request('GET', `/api/v1/payments/${n.id}`)).body.data;
  assert.equal(seen.amountRefunded, '2.50');
});
