// NICEPAY notifications: a form POST to dbProcessUrl with the notification token, status 0 when
// paid and 1 for a reversal, retried on the documented schedule until the receiver answers 2xx.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { startKasir } from './helpers/harness.ts';
import { buyerPays, cancel, expectResult, IONPAYTEST, nicepayMerchant, paidCard, register, storedTx } from './helpers/nicepay.ts';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { nicepayNotificationFormat } from '../src/dialects/nicepay/notify.ts';
import { notificationToken } from '../src/dialects/nicepay/token.ts';

const h = await startKasir();
const m = await nicepayMerchant(h, IONPAYTEST);

interface Received {
  contentType: string | undefined;
  fields: Record<string, string>;
}
const received: Received[] = [];
let failNext = 0;
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ contentType: req.headers['content-type'], fields: Object.fromEntries(new URLSearchParams(body)) });
    if (failNext > 0) {
      failNext--;
      res.writeHead(500).end('try later');
    } else {
      res.writeHead(200).end('OK');
    }
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
const dbProcessUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/nicepay/notify`;

async function outboxOf(paymentId: string) {
  const { rows } = await h.deps.core.db.query<{ event_type: string; status: string; attempts: number }>(
    'SELECT event_type, status, attempts FROM outbox WHERE payment_id = $1 ORDER BY id',
    [paymentId],
  );
  return rows.map((r) => ({ type: r.event_type, status: r.status, attempts: Number(r.attempts) }));
}

test('paid VA: status 0 with the notification token; a failed attempt is retried after 1 minute', async () => {
  const reg = await register(h, m, '02', { dbProcessUrl });
  received.length = 0;
  failNext = 1;
  expectResult(await buyerPays(h, m, reg), '0000');
  assert.equal(await deliverDue(h.deps.delivery), 0, 'first attempt answered 500');
  assert.equal(received.length, 1);
  assert.equal(await deliverDue(h.deps.delivery), 0, 'not due again yet');
  assert.equal(received.length, 1);
  h.clock.advance(60_000);
  assert.equal(await deliverDue(h.deps.delivery), 1);
  assert.equal(received.length, 2);
  const [first, second] = received;
  assert.deepEqual(second.fields, first.fields, 'the retry sends the same notification');
  assert.equal(second.contentType, 'application/x-www-form-urlencoded');
  const f = second.fields;
  assert.equal(f.tXid, reg.tXid);
  assert.equal(f.merchantToken, notificationToken({ iMid: 'IONPAYTEST', tXid: reg.tXid, amt: '10000', merchantKey: IONPAYTEST.merchantKey }));
  assert.equal(f.referenceNo, reg.referenceNo);
  assert.equal(f.payMethod, '02');
  assert.equal(f.amt, '10000');
  assert.equal(f.status, '0');
  assert.equal(f.matchCl, '1');
  assert.equal(f.currency, 'IDR');
  assert.equal(f.transDt, reg.transDt);
  assert.equal(f.transTm, reg.transTm);
  assert.equal(f.bankCd, 'BMRI');
  assert.equal(f.vacctNo, reg.vacctNo);
  assert.match(f.depositDt, /^\d{8}$/);
  assert.match(f.depositTm, /^\d{6}$/);
  const p = await storedTx(h, reg.tXid);
  assert.deepEqual(await outboxOf(p.id), [{ type: 'succeeded', status: 'delivered', attempts: 2 }]);
  const { rows } = await h.deps.core.db.query<{ attempt: number; status_code: number }>(
    'SELECT a.attempt, a.status_code FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id WHERE o.payment_id = $1 ORDER BY a.attempt',
    [p.id],
  );
  assert.deepEqual(rows.map((r) => [Number(r.attempt), Number(r.status_code)]), [[1, 500], [2, 200]]);
});

test('card: paid (0), then partial and final reversals (1) with cancelAmt; amt stays the transaction\'s', async () => {
  const reg = await paidCard(h, m, '10000', { dbProcessUrl });
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '4000' }), '0000');
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '6000' }), '0000');
  received.length = 0;
  failNext = 0;
  assert.equal(await deliverDue(h.deps.delivery), 3);
  const byStatus = received.map((r) => [r.fields.status, r.fields.cancelAmt ?? null]).sort();
  assert.deepEqual(byStatus, [['0', null], ['1', '4000'], ['1', '6000']]);
  for (const r of received) {
    assert.equal(r.fields.amt, '10000');
    assert.equal(r.fields.merchantToken, notificationToken({ iMid: 'IONPAYTEST', tXid: reg.tXid, amt: '10000', merchantKey: IONPAYTEST.merchantKey }));
    assert.match(r.fields.authNo, /^\d{6}$/);
  }
  const p = await storedTx(h, reg.tXid);
  assert.deepEqual((await outboxOf(p.id)).map((o) => [o.type, o.status]), [['succeeded', 'delivered'], ['partially_canceled', 'delivered'], ['canceled', 'delivered']]);
});

test('a void of an unpaid transaction is not notified', async () => {
  const reg = await register(h, m, '02', { dbProcessUrl });
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '02', cancelType: '1', amt: '10000' }), '0000');
  received.length = 0;
  await deliverDue(h.deps.delivery);
  assert.equal(received.length, 0);
  const p = await storedTx(h, reg.tXid);
  assert.deepEqual((await outboxOf(p.id)).map((o) => [o.type, o.status]), [['canceled', 'skipped']]);
});

test('retries follow the schedule and stop after the last one', async () => {
  const reg = await register(h, m, '08', { dbProcessUrl });
  expectResult(await buyerPays(h, m, reg), '0000');
  const delays = nicepayNotificationFormat.retryDelaysMs;
  assert.deepEqual(delays, [60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000]);
  received.length = 0;
  failNext = 100;
  await deliverDue(h.deps.delivery);
  for (const d of delays) {
    h.clock.advance(d);
    await deliverDue(h.deps.delivery);
  }
  failNext = 0;
  assert.equal(received.length, delays.length + 1);
  const p = await storedTx(h, reg.tXid);
  assert.deepEqual(await outboxOf(p.id), [{ type: 'succeeded', status: 'failed', attempts: delays.length + 1 }]);
  h.clock.advance(7 * 86_400_000);
  await deliverDue(h.deps.delivery);
  assert.equal(received.length, delays.length + 1, 'no attempt after the schedule ends');
});

test('acknowledgement is any 2xx', () => {
  assert.equal(nicepayNotificationFormat.isAcknowledged(200, ''), true);
  assert.equal(nicepayNotificationFormat.isAcknowledged(204, ''), true);
  assert.equal(nicepayNotificationFormat.isAcknowledged(302, ''), false);
  assert.equal(nicepayNotificationFormat.isAcknowledged(500, 'OK'), false);
});
