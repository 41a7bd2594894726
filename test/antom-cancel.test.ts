// Antom cancel (seed 000, seed 001) through real HTTP: the success paths, the look-up rules
// (paymentId wins, both null, lengths, merchantAccountId), the replay of a successful cancel, and
// the codes decided by the contract (INVALID_API, CANCEL_WINDOW_EXCEED, PAYMENT_METHOD_NOT_SUPPORTED,
// REQUEST_TRAFFIC_EXCEED_LIMIT). Processor-side codes: antom-cancel-triggers.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKasir } from './helpers/harness.ts';
import { antomMerchant, cancel, expectResult, paid, pay, patchContract, storedByAntomId, type AntomClient } from './helpers/antom.ts';
import { antomTime } from '../src/dialects/antom/signature.ts';

const h = await startKasir();
const m = await antomMerchant(h);

/** A refused cancel: the Result, and a stored payment still in `status`. */
async function refused(client: AntomClient, paymentId: string, code: string, status: string, body: Record<string, unknown> = { paymentId }) {
  const res = await cancel(client, body);
  expectResult(res, code, code === 'REQUEST_TRAFFIC_EXCEED_LIMIT' || code === 'UNKNOWN_EXCEPTION' ? 'U' : 'F');
  assert.deepEqual(Object.keys(res.body), ['result'], 'a refusal carries only the result');
  const p = await storedByAntomId(h, paymentId);
  assert.equal(p.status, status);
  assert.equal(p.canceledAt, null);
  return p;
}

test('SUCCESS: an unpaid payment is canceled; the answer has paymentId, paymentRequestId, cancelTime', async () => {
  const p = await pay(m);
  const res = expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  assert.deepEqual(Object.keys(res).sort(), ['cancelTime', 'paymentId', 'paymentRequestId', 'result']);
  assert.equal(res.paymentId, p.paymentId);
  assert.equal(res.paymentRequestId, p.paymentRequestId);
  const stored = await storedByAntomId(h, p.paymentId);
  assert.equal(stored.status, 'canceled');
  assert.equal(res.cancelTime, antomTime(stored.canceledAt!));
  assert.equal(stored.nextAction, null);
});

test('SUCCESS by paymentRequestId; a retried success returns the same cancelTime, by either id', async () => {
  const p = await pay(m);
  const first = expectResult(await cancel(m, { paymentRequestId: p.paymentRequestId }), 'SUCCESS', 'S');
  h.clock.advance(90_000);
  const again = expectResult(await cancel(m, { paymentRequestId: p.paymentRequestId }), 'SUCCESS', 'S');
  const byId = expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  assert.deepEqual(again, first);
  assert.deepEqual(byId, first);
  const { rows } = await h.deps.core.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM payment_events e JOIN payments p ON p.id = e.payment_id WHERE p.antom_payment_id = $1 AND e.type = 'canceled'`,
    [p.paymentId],
  );
  assert.equal(Number(rows[0].n), 1, 'one transition');
});

test('a paid wallet payment canceled within its window refunds the payer in full', async () => {
  const p = await paid(m);
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'succeeded');
  expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  const stored = await storedByAntomId(h, p.paymentId);
  assert.equal(stored.status, 'canceled');
  assert.equal(stored.amountCanceled, stored.amount);
  assert.equal(stored.amountReceived, stored.amount);
});

test('paymentId wins over paymentRequestId', async () => {
  const a = await pay(m);
  const b = await pay(m);
  const res = expectResult(await cancel(m, { paymentId: a.paymentId, paymentRequestId: b.paymentRequestId }), 'SUCCESS', 'S');
  assert.equal(res.paymentId, a.paymentId);
  assert.equal((await storedByAntomId(h, a.paymentId)).status, 'canceled');
  assert.equal((await storedByAntomId(h, b.paymentId)).status, 'requires_action');
  // A paymentId that names nothing is not rescued by a valid paymentRequestId.
  await refused(m, b.paymentId, 'ORDER_NOT_EXIST', 'requires_action', { paymentId: '2019061218401080010018882020035XXXX', paymentRequestId: b.paymentRequestId });
});

test('PARAM_ILLEGAL: both ids null, lengths 64/64/32, wrong types', async () => {
  const p = await pay(m);
  const bodies = [
    {},
    { paymentId: null, paymentRequestId: null },
    { paymentId: 'x'.repeat(65) },
    { paymentRequestId: 'x'.repeat(65) },
    { paymentId: p.paymentId, merchantAccountId: 'x'.repeat(33) },
    { paymentId: 12345 },
  ];
  for (const body of bodies) await refused(m, p.paymentId, 'PARAM_ILLEGAL', 'requires_action', body);
});

test('ORDER_NOT_EXIST: unknown ids, another merchant’s payment, another merchantAccountId', async () => {
  const other = await antomMerchant(h, 'Other merchant');
  const p = await pay(m, { merchantAccountId: 'store_1' });
  await refused(m, p.paymentId, 'ORDER_NOT_EXIST', 'requires_action', { paymentId: '2019061218401080010018882020035XXXX' });
  await refused(m, p.paymentId, 'ORDER_NOT_EXIST', 'requires_action', { paymentRequestId: 'never-used' });
  await refused(other, p.paymentId, 'ORDER_NOT_EXIST', 'requires_action', { paymentId: p.paymentId });
  await refused(m, p.paymentId, 'ORDER_NOT_EXIST', 'requires_action', { paymentId: p.paymentId, merchantAccountId: 'store_2' });
  expectResult(await cancel(m, { paymentId: p.paymentId, merchantAccountId: 'store_1' }), 'SUCCESS', 'S');
});

test('INVALID_API: cancel disabled in the merchant contract', async () => {
  const c = await antomMerchant(h, 'No cancel');
  const p = await pay(c);
  await patchContract(h, c.merchantId, { antom: { apis: { cancel: false } } });
  await refused(c, p.paymentId, 'INVALID_API', 'requires_action');
  await patchContract(h, c.merchantId, { antom: { apis: { cancel: true } } });
  expectResult(await cancel(c, { paymentId: p.paymentId }), 'SUCCESS', 'S');
});

test('CANCEL_WINDOW_EXCEED: a wallet after 00:15 UTC+8 the day after payment', async () => {
  const early = await paid(m);
  const late = await paid(m);
  const succeededAt = (await storedByAntomId(h, late.paymentId)).succeededAt!;
  const local = new Date(succeededAt.getTime() + 8 * 3600_000);
  const deadline = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, 0, 15) - 8 * 3600_000;
  h.clock.set(deadline - 60_000);
  expectResult(await cancel(m, { paymentId: early.paymentId }), 'SUCCESS', 'S');
  h.clock.set(deadline + 60_000);
  await refused(m, late.paymentId, 'CANCEL_WINDOW_EXCEED', 'succeeded');
});

test('CANCEL_WINDOW_EXCEED: an authorized card after 7 days', async () => {
  const card = { paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } };
  const p = await paid(m, card);
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'requires_capture');
  h.clock.advance(7 * 86_400_000 + 1000);
  await refused(m, p.paymentId, 'CANCEL_WINDOW_EXCEED', 'requires_capture');
});

test('CANCEL_WINDOW_EXCEED: a window set in the merchant contract', async () => {
  const c = await antomMerchant(h, 'Short window');
  await patchContract(h, c.merchantId, { antom: { cancel: { wallet: { windowSeconds: 60 } } } });
  const p = await pay(c);
  h.clock.advance(61_000);
  await refused(c, p.paymentId, 'CANCEL_WINDOW_EXCEED', 'requires_action');
});

test('PAYMENT_METHOD_NOT_SUPPORTED: Indonesian methods never; PromptPay not once paid', async () => {
  const va = await pay(m, { paymentMethod: { paymentMethodType: 'BANKTRANSFER_BNI' }, paymentAmount: { currency: 'IDR', value: '1000000' } });
  await refused(m, va.paymentId, 'PAYMENT_METHOD_NOT_SUPPORTED', 'requires_action');
  const promptpay = await paid(m, { paymentMethod: { paymentMethodType: 'PROMPTPAY' }, paymentAmount: { currency: 'THB', value: '10000' } });
  await refused(m, promptpay.paymentId, 'PAYMENT_METHOD_NOT_SUPPORTED', 'succeeded');
  const unpaid = await pay(m, { paymentMethod: { paymentMethodType: 'PROMPTPAY' }, paymentAmount: { currency: 'THB', value: '10000' } });
  expectResult(await cancel(m, { paymentId: unpaid.paymentId }), 'SUCCESS', 'S');
});

test('REQUEST_TRAFFIC_EXCEED_LIMIT (U): over the contract’s requests per second, nothing changes', async () => {
  const c = await antomMerchant(h, 'Rate limited');
  const p = await pay(c);
  await patchContract(h, c.merchantId, { antom: { rateLimitPerSecond: 2 } });
  h.clock.advance(1000); // a fresh one-second window
  expectResult(await c.call('inquiryPayment', { paymentId: p.paymentId }), 'SUCCESS', 'S');
  expectResult(await c.call('inquiryPayment', { paymentId: p.paymentId }), 'SUCCESS', 'S');
  await refused(c, p.paymentId, 'REQUEST_TRAFFIC_EXCEED_LIMIT', 'requires_action');
  h.clock.advance(1000);
  expectResult(await cancel(c, { paymentId: p.paymentId }), 'SUCCESS', 'S');
});
