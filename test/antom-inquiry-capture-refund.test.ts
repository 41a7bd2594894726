// inquiryPayment (paymentStatus per core status, transactions[]), capture and refund with their
// request-id idempotency, and inquiryRefund — through real HTTP, stored state checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKasir } from './helpers/harness.ts';
import { antomMerchant, cancel, checkout, expectResult, inquire, paid, pay, patchContract, requestId, storedByAntomId } from './helpers/antom.ts';

const h = await startKasir();
const m = await antomMerchant(h);
const MANUAL_CARD = { paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } };
const usd = (value: string) => ({ currency: 'USD', value });

const captureBody = (paymentId: string, value = '1000', id = requestId('cap')) => ({ captureRequestId: id, paymentId, captureAmount: usd(value), isLastCapture: 'true' });
const refundBody = (paymentId: string, value: string, id = requestId('rf')) => ({ refundRequestId: id, paymentId, refundAmount: usd(value), refundReason: 'customer' });

test('inquiryPayment: PROCESSING, then SUCCESS with paymentTime; FAIL; CANCELLED with a CANCEL transaction', async () => {
  const p = await pay(m);
  const waiting = expectResult(await inquire(m, p.paymentId), 'SUCCESS', 'S');
  assert.deepEqual(
    [waiting.paymentStatus, waiting.paymentResultCode, waiting.paymentResultMessage, waiting.paymentMethodType],
    ['PROCESSING', 'PAYMENT_IN_PROCESS', 'The payment is being processed.', 'ALIPAY_CN'],
  );
  assert.equal(waiting.paymentTime, undefined);
  assert.equal(waiting.transactions, undefined);
  assert.deepEqual([waiting.paymentId, waiting.paymentRequestId, waiting.paymentAmount], [p.paymentId, p.paymentRequestId, usd('1000')]);
  await checkout(p.normalUrl);
  const done = expectResult(await m.call('inquiryPayment', { paymentRequestId: p.paymentRequestId }), 'SUCCESS', 'S');
  assert.deepEqual([done.paymentStatus, done.paymentResultCode], ['SUCCESS', 'SUCCESS']);
  assert.match(done.paymentTime, /\+08:00$/);

  const failed = await pay(m);
  await checkout(failed.normalUrl, 'failed');
  const f = expectResult(await inquire(m, failed.paymentId), 'SUCCESS', 'S');
  assert.deepEqual([f.paymentStatus, f.paymentResultCode], ['FAIL', 'PROCESS_FAIL']);

  const canceled = await pay(m);
  const c = expectResult(await cancel(m, { paymentId: canceled.paymentId }), 'SUCCESS', 'S');
  const read = expectResult(await inquire(m, canceled.paymentId), 'SUCCESS', 'S');
  assert.deepEqual([read.paymentStatus, read.paymentResultCode], ['CANCELLED', 'ORDER_IS_CLOSED']);
  assert.equal(read.transactions.length, 1);
  assert.deepEqual([read.transactions[0].transactionType, read.transactions[0].transactionStatus, read.transactions[0].transactionTime], ['CANCEL', 'SUCCESS', c.cancelTime]);
});

test('inquiryPayment: ORDER_NOT_EXIST, PARAM_ILLEGAL', async () => {
  expectResult(await inquire(m, '2019061218401080010018882020035XXXX'), 'ORDER_NOT_EXIST', 'F');
  expectResult(await m.call('inquiryPayment', {}), 'PARAM_ILLEGAL', 'F');
  expectResult(await m.call('inquiryPayment', { paymentId: 'x'.repeat(65) }), 'PARAM_ILLEGAL', 'F');
});

test('capture a manual card: AUTHORIZATION then CAPTURE transactions; captureRequestId idempotency', async () => {
  const p = await paid(m, MANUAL_CARD);
  const authorized = expectResult(await inquire(m, p.paymentId), 'SUCCESS', 'S');
  assert.equal(authorized.paymentStatus, 'SUCCESS', 'Antom reports the authorization as the payment result');
  assert.deepEqual(authorized.transactions.map((t: any) => t.transactionType), ['AUTHORIZATION']);
  const body = captureBody(p.paymentId, '600');
  const res = expectResult(await m.call('capture', body), 'SUCCESS', 'S');
  assert.deepEqual(Object.keys(res).sort(), ['captureAmount', 'captureId', 'captureRequestId', 'captureTime', 'paymentId', 'result']);
  assert.deepEqual([res.captureRequestId, res.paymentId, res.captureAmount], [body.captureRequestId, p.paymentId, usd('600')]);
  const stored = await storedByAntomId(h, p.paymentId);
  assert.deepEqual([stored.status, stored.amountReceived, stored.amountCapturable], ['succeeded', 600n, 0n]);
  // The same request again: the stored answer, no second capture. Another request under the id: refused.
  assert.deepEqual(expectResult(await m.call('capture', body), 'SUCCESS', 'S'), res);
  expectResult(await m.call('capture', { ...body, captureAmount: usd('700') }), 'REPEAT_REQ_INCONSISTENT', 'F');
  const read = expectResult(await inquire(m, p.paymentId), 'SUCCESS', 'S');
  const cap = read.transactions.find((t: any) => t.transactionType === 'CAPTURE');
  assert.deepEqual([cap.transactionId, cap.transactionRequestId, cap.transactionAmount], [res.captureId, body.captureRequestId, usd('600')]);
  const { rows } = await h.deps.core.db.query<{ n: string }>(`SELECT count(*) AS n FROM payment_events WHERE payment_id = $1 AND type = 'captured'`, [stored.id]);
  assert.equal(Number(rows[0].n), 1);
});

test('capture refusals: another currency, more than authorized, not authorized, unknown payment', async () => {
  const p = await paid(m, MANUAL_CARD);
  expectResult(await m.call('capture', { ...captureBody(p.paymentId), captureAmount: { currency: 'EUR', value: '1000' } }), 'CURRENCY_NOT_SUPPORT', 'F');
  expectResult(await m.call('capture', captureBody(p.paymentId, '1001')), 'REFUND_AMOUNT_EXCEED', 'F');
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'requires_capture');
  const wallet = await paid(m);
  expectResult(await m.call('capture', captureBody(wallet.paymentId)), 'ORDER_STATUS_INVALID', 'F');
  expectResult(await m.call('capture', captureBody('2019061218401080010018882020035XXXX')), 'ORDER_NOT_EXIST', 'F');
  expectResult(await m.call('capture', { paymentId: p.paymentId, captureAmount: usd('1') }), 'PARAM_ILLEGAL', 'F');
});

test('capture times out (U); the same captureRequestId completes it', async () => {
  const p = await paid(m, { ...MANUAL_CARD, order: { orderDescription: 'sandbox:capture_timeout' } });
  const body = captureBody(p.paymentId);
  expectResult(await m.call('capture', body), 'UNKNOWN_EXCEPTION', 'U');
  assert.equal((await storedByAntomId(h, p.paymentId)).pendingState, 'unknown');
  expectResult(await m.call('capture', body), 'SUCCESS', 'S');
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'succeeded');
});

test('refund and inquiryRefund; refundRequestId idempotency; REFUND transactions', async () => {
  const p = await paid(m);
  const body = refundBody(p.paymentId, '300');
  const res = expectResult(await m.call('refund', body), 'SUCCESS', 'S');
  assert.deepEqual(Object.keys(res).sort(), ['paymentId', 'refundAmount', 'refundId', 'refundRequestId', 'refundTime', 'result']);
  assert.deepEqual([res.refundRequestId, res.paymentId, res.refundAmount], [body.refundRequestId, p.paymentId, usd('300')]);
  assert.deepEqual(expectResult(await m.call('refund', body), 'SUCCESS', 'S'), res, 'replayed');
  expectResult(await m.call('refund', { ...body, refundAmount: usd('301') }), 'REPEAT_REQ_INCONSISTENT', 'F');
  assert.equal((await storedByAntomId(h, p.paymentId)).amountRefunded, 300n);
  for (const lookup of [{ refundId: res.refundId }, { refundRequestId: body.refundRequestId }, { refundId: res.refundId, refundRequestId: 'ignored' }]) {
    const q = expectResult(await m.call('inquiryRefund', lookup), 'SUCCESS', 'S');
    assert.deepEqual([q.refundStatus, q.refundId, q.refundRequestId, q.refundAmount, q.refundTime], ['SUCCESS', res.refundId, body.refundRequestId, usd('300'), res.refundTime]);
  }
  expectResult(await m.call('inquiryRefund', { refundRequestId: 'unknown' }), 'ORDER_NOT_EXIST', 'F');
  expectResult(await m.call('inquiryRefund', { refundId: 'not-a-uuid' }), 'ORDER_NOT_EXIST', 'F');
  expectResult(await m.call('inquiryRefund', {}), 'PARAM_ILLEGAL', 'F');
  const read = expectResult(await inquire(m, p.paymentId), 'SUCCESS', 'S');
  assert.deepEqual(read.transactions.map((t: any) => [t.transactionType, t.transactionId, t.transactionRequestId]), [['REFUND', res.refundId, body.refundRequestId]]);
});

test('refund refusals: more than paid, unpaid, another currency, refund disabled', async () => {
  const p = await paid(m);
  expectResult(await m.call('refund', refundBody(p.paymentId, '1001')), 'REFUND_AMOUNT_EXCEED', 'F');
  expectResult(await m.call('refund', { ...refundBody(p.paymentId, '1'), refundAmount: { currency: 'THB', value: '1' } }), 'CURRENCY_NOT_SUPPORT', 'F');
  const unpaid = await pay(m);
  expectResult(await m.call('refund', refundBody(unpaid.paymentId, '100')), 'ORDER_STATUS_INVALID', 'F');
  const c = await antomMerchant(h, 'No refunds');
  const q = await paid(c);
  await patchContract(h, c.merchantId, { antom: { apis: { refund: false } } });
  expectResult(await c.call('refund', refundBody(q.paymentId, '100')), 'INVALID_API', 'F');
  assert.equal((await storedByAntomId(h, q.paymentId)).amountRefunded, 0n);
});
