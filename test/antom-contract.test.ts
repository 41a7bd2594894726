// The seeds' JSON examples as fixtures (test/fixtures/antom, copied verbatim from seeds 000 and 001):
// the requests are sent as written (ids substituted only where Antom assigns them), and Kasir's
// answers in the same situations have the same fields, codes, statuses and messages — bodies without
// variable values are compared whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startKasir } from './helpers/harness.ts';
import { antomMerchant, paid, pay, storedByAntomId } from './helpers/antom.ts';

const h = await startKasir();
const m = await antomMerchant(h);

const text = (name: string) => readFileSync(new URL(`./fixtures/antom/${name}.json`, import.meta.url), 'utf8');
const fixture = (name: string) => JSON.parse(text(name));
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

/** Same fields at every level, same JSON types, the same Result; date-times in the example's format. */
function assertLike(actual: any, example: any, path = 'body'): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(example).sort(), `${path}: fields`);
  for (const [k, v] of Object.entries<any>(example)) {
    if (k === 'result') assert.deepEqual(actual.result, v, `${path}.result`);
    else if (v && typeof v === 'object') assertLike(actual[k], v, `${path}.${k}`);
    else {
      assert.equal(typeof actual[k], typeof v, `${path}.${k}`);
      if (DATE_TIME.test(String(v))) assert.match(actual[k], DATE_TIME, `${path}.${k}`);
    }
  }
}

test('seed 000 request (paymentId + merchantAccountId) → the SUCCESS example of seeds 000 and 001', async () => {
  const p = await pay(m, { paymentRequestId: fixture('seed000-cancel-success').paymentRequestId, merchantAccountId: fixture('seed000-cancel-request').merchantAccountId });
  const raw = text('seed000-cancel-request').replace(fixture('seed000-cancel-request').paymentId, p.paymentId);
  const res = await m.call('cancel', undefined, { raw });
  assert.ok(res.verified);
  assertLike(res.body, fixture('seed000-cancel-success'));
  assertLike(res.body, fixture('seed001-cancel-success'));
  assert.equal(res.body.paymentRequestId, 'pay_2089760038715669_20277574507XXXX');
  assert.equal(res.body.paymentId, p.paymentId);
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'canceled');
});

test('seed 001 requests, by paymentRequestId (sent byte for byte) and by paymentId', async () => {
  const byRequestId = await pay(m, { paymentRequestId: fixture('seed001-cancel-request-by-payment-request-id').paymentRequestId });
  const res = await m.call('cancel', undefined, { raw: text('seed001-cancel-request-by-payment-request-id') });
  assertLike(res.body, fixture('seed001-cancel-success'));
  assert.equal(res.body.paymentId, byRequestId.paymentId);
  const byId = await pay(m);
  const raw = text('seed001-cancel-request-by-payment-id').replace('2019061218401080010018882020035XXXX', byId.paymentId);
  assertLike((await m.call('cancel', undefined, { raw })).body, fixture('seed001-cancel-success'));
});

test('TRANSACTION_TO_BE_CANCELED_NOT_EXIST: the seed requests as written name no payment → the example, whole', async () => {
  for (const request of ['seed000-cancel-request', 'seed001-cancel-request-by-payment-id']) {
    const res = await m.call('cancel', undefined, { raw: text(request) });
    assert.ok(res.verified);
    assert.deepEqual(res.body, fixture('seed000-order-not-exist'), request);
  }
});

test('TRANSACTION_TO_BE_CANCELED_ALREADY_REFUNDED → the example, whole', async () => {
  const p = await paid(m);
  await m.call('refund', { refundRequestId: `rf_${p.paymentId}`, paymentId: p.paymentId, refundAmount: { currency: 'USD', value: '1000' } });
  const res = await m.call('cancel', { paymentId: p.paymentId });
  assert.deepEqual(res.body, fixture('seed000-already-refunded'));
  assert.equal((await storedByAntomId(h, p.paymentId)).amountRefunded, 1000n);
});

test('EXCEED_CANCELLABLE_WINDOW → the example, whole', async () => {
  const p = await paid(m);
  h.clock.advance(2 * 86_400_000); // past 00:15 UTC+8 of the day after payment, whenever it was paid
  const res = await m.call('cancel', { paymentId: p.paymentId });
  assert.deepEqual(res.body, fixture('seed000-cancel-window-exceed'));
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'succeeded');
});
