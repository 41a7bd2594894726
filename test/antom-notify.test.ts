// notifyPayment to paymentNotifyUrl: written with the payment change, delivered by the outbox worker
// (driven here by deliverDue and the harness clock), signed with the gateway key over the target's
// path, retried on Antom's schedule until the merchant answers result SUCCESS/S. Cancel sends none.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startKasir } from './helpers/harness.ts';
import { antomMerchant, cancel, checkout, expectResult, inquire, pay, storedByAntomId } from './helpers/antom.ts';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { sweepExpired } from '../src/core/jobs/expiry.ts';
import { parsePublicKey, parseSignatureHeader, signedText, verifyRsa256 } from '../src/dialects/antom/signature.ts';

const h = await startKasir();
const m = await antomMerchant(h);
const gatewayKey = parsePublicKey(m.gatewayPublicKey);

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A merchant's notification endpoint: per path, how many attempts fail before it acknowledges. */
const received: Received[] = [];
const failFirst = new Map<string, number>();
const ACK = JSON.stringify({ result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' } });
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ url: req.url!, headers: req.headers, body });
    const left = failFirst.get(req.url!) ?? 0;
    if (left > 0) {
      failFirst.set(req.url!, left - 1);
      res.writeHead(500).end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(ACK);
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
after(() => new Promise((resolve) => receiver.close(resolve)));
const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const at = (path: string) => received.filter((r) => r.url === path);

function verify(r: Received): boolean {
  const sig = parseSignatureHeader(r.headers.signature as string);
  return Boolean(sig?.signature) && verifyRsa256(gatewayKey, signedText('POST', r.url, r.headers['client-id'] as string, r.headers['request-time'] as string, r.body), sig!.signature!);
}

async function outbox(paymentId: string) {
  const p = await storedByAntomId(h, paymentId);
  const { rows } = await h.deps.core.db.query<{ event_type: string; status: string; attempts: number }>(
    'SELECT event_type, status, attempts FROM outbox WHERE payment_id = $1 ORDER BY id',
    [p.id],
  );
  return rows.map((r) => ({ event: r.event_type, status: r.status, attempts: Number(r.attempts) }));
}

test('notifyPayment on success: signed, retried after a failure 2 minutes later, then acknowledged', async () => {
  const path = '/antom/notify?shop=1';
  failFirst.set(path, 1);
  const p = await pay(m, { paymentNotifyUrl: base + path });
  assert.deepEqual(await outbox(p.paymentId), [], 'nothing to report while the buyer has not paid');
  await checkout(p.normalUrl);
  assert.deepEqual(await outbox(p.paymentId), [{ event: 'succeeded', status: 'pending', attempts: 0 }]);
  await deliverDue(h.deps.delivery);
  assert.equal(at(path).length, 1);
  assert.deepEqual(await outbox(p.paymentId), [{ event: 'succeeded', status: 'pending', attempts: 1 }]);
  h.clock.advance(119_000);
  await deliverDue(h.deps.delivery);
  assert.equal(at(path).length, 1, 'not before its retry time');
  h.clock.advance(1_000);
  await deliverDue(h.deps.delivery);
  assert.deepEqual(await outbox(p.paymentId), [{ event: 'succeeded', status: 'delivered', attempts: 2 }]);
  const [first, second] = at(path);
  assert.equal(second.body, first.body, 'the same notification');
  for (const r of [first, second]) {
    assert.ok(verify(r), 'signed with the gateway key over the target path');
    assert.equal(r.headers['client-id'], m.clientId);
    assert.match(r.headers['request-time'] as string, /\+08:00$/);
    assert.equal(r.headers['content-type'], 'application/json; charset=UTF-8');
  }
  const body = JSON.parse(first.body);
  const read = expectResult(await inquire(m, p.paymentId), 'SUCCESS', 'S');
  assert.deepEqual(body, {
    notifyType: 'PAYMENT_RESULT',
    result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success' },
    paymentRequestId: p.paymentRequestId,
    paymentId: p.paymentId,
    paymentAmount: { currency: 'USD', value: '1000' },
    paymentCreateTime: p.paymentCreateTime,
    paymentTime: read.paymentTime,
  });
});

test('notifyPayment on failure and on expiry carries an F result; a card authorization reports SUCCESS', async () => {
  const failed = await pay(m, { paymentNotifyUrl: `${base}/failed` });
  await checkout(failed.normalUrl, 'failed');
  const expiring = await pay(m, { paymentNotifyUrl: `${base}/expired` });
  const card = await pay(m, { paymentNotifyUrl: `${base}/card`, paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } });
  await checkout(card.normalUrl);
  h.clock.advance(15 * 60_000);
  await sweepExpired(h.deps.core);
  await deliverDue(h.deps.delivery);
  const result = (path: string) => JSON.parse(at(path)[0].body).result;
  assert.deepEqual(result('/failed'), { resultCode: 'PROCESS_FAIL', resultStatus: 'F', resultMessage: 'A general business failure occurred.' });
  assert.deepEqual(result('/expired'), { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F', resultMessage: 'The order is closed.' });
  assert.equal(result('/card').resultCode, 'SUCCESS');
  assert.equal((await storedByAntomId(h, expiring.paymentId)).status, 'expired');
  for (const path of ['/failed', '/expired', '/card']) assert.ok(verify(at(path)[0]), path);
});

test('cancel sends no notification (seed 001)', async () => {
  const p = await pay(m, { paymentNotifyUrl: `${base}/canceled` });
  expectResult(await cancel(m, { paymentId: p.paymentId }), 'SUCCESS', 'S');
  assert.deepEqual(await outbox(p.paymentId), []);
});

test('an unacknowledged notification is tried 8 times on 0 s, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h, 15 h, then given up', async () => {
  const path = '/never-acknowledges';
  failFirst.set(path, 100);
  const p = await pay(m, { paymentNotifyUrl: base + path });
  await checkout(p.normalUrl);
  const delays = [2, 10, 10, 60, 120, 360, 900].map((min) => min * 60_000);
  await deliverDue(h.deps.delivery);
  for (const delay of delays) {
    h.clock.advance(delay);
    await deliverDue(h.deps.delivery);
  }
  assert.equal(at(path).length, 8);
  assert.deepEqual(await outbox(p.paymentId), [{ event: 'succeeded', status: 'failed', attempts: 8 }]);
  h.clock.advance(86_400_000);
  await deliverDue(h.deps.delivery);
  assert.equal(at(path).length, 8, 'no ninth attempt');
});

test('notifyCapture after a capture and notifyRefund to refundNotifyUrl, each signed and acknowledged once', async () => {
  const card = await pay(m, { paymentNotifyUrl: `${base}/pay-events`, paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } });
  await checkout(card.normalUrl);
  const captureRequestId = `cap_${card.paymentId}`;
  const captured = expectResult(await m.call('capture', { captureRequestId, paymentId: card.paymentId, captureAmount: { currency: 'USD', value: '1000' } }), 'SUCCESS', 'S');
  const refundRequestId = `rf_${card.paymentId}`;
  const refunded = expectResult(await m.call('refund', {
    refundRequestId, paymentId: card.paymentId, refundAmount: { currency: 'USD', value: '300' }, refundNotifyUrl: `${base}/refunds`,
  }), 'SUCCESS', 'S');
  await deliverDue(h.deps.delivery);
  assert.deepEqual((await outbox(card.paymentId)).map((o) => [o.event, o.status, o.attempts]), [
    ['authorized', 'delivered', 1], ['captured', 'delivered', 1], ['refunded', 'delivered', 1],
  ]);
  const captureNote = at('/pay-events').map((r) => JSON.parse(r.body)).find((b) => b.notifyType === 'CAPTURE_RESULT');
  assert.deepEqual(captureNote, {
    notifyType: 'CAPTURE_RESULT',
    result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success' },
    captureRequestId,
    captureId: captured.captureId,
    paymentId: card.paymentId,
    captureAmount: { currency: 'USD', value: '1000' },
    captureTime: captured.captureTime,
  });
  const [refundNote] = at('/refunds');
  assert.ok(verify(refundNote), 'signed over the refund URL path');
  assert.deepEqual(JSON.parse(refundNote.body), {
    notifyType: 'REFUND_RESULT',
    result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success' },
    refundStatus: 'SUCCESS',
    refundRequestId,
    refundId: refunded.refundId,
    paymentId: card.paymentId,
    refundAmount: { currency: 'USD', value: '300' },
    refundTime: refunded.refundTime,
  });
});
