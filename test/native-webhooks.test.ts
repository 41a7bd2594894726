// Native webhook endpoints and their delivery: Standard Webhooks signatures, retries with backoff,
// exactly one delivery per event once acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { standardWebhookSignature } from '../src/dialects/native/notify.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';

const h = await startKasir();
const m = await nativeMerchant(h);

/** A receiver on loopback that answers 500 to the first `failFirst` requests, then 204. */
async function receiver(failFirst: number) {
  const received: { headers: IncomingMessage['headers']; body: string; status: number }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = received.length < failFirst ? 500 : 204;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise((r) => server.close(r)) };
}

test('webhook endpoints: create shows the secret once, list hides it, delete stops deliveries', async () => {
  const created = await m.request('POST', '/api/v1/webhook-endpoints', { url: 'https://example.test/hooks', events: ['payment.canceled'] });
  assert.equal(created.status, 201, created.text);
  assert.match(created.body.data.secret, /^whsec_/);
  const listed = await m.request('GET', '/api/v1/webhook-endpoints');
  assert.equal(listed.body.data.data.length, 1);
  assert.equal(listed.body.data.data[0].secret, undefined);
  const bad = await m.request('POST', '/api/v1/webhook-endpoints', { url: 'ftp://x', events: ['payment.canceled'] });
  assert.equal(bad.status, 400);
  const unknownEvent = await m.request('POST', '/api/v1/webhook-endpoints', { url: 'https://example.test/h', events: ['payment.exploded'] });
  assert.equal(unknownEvent.status, 400);
  const deleted = await m.request('DELETE', `/api/v1/webhook-endpoints/${created.body.data.id}`);
  assert.equal(deleted.status, 200);
  const again = await m.request('DELETE', `/api/v1/webhook-endpoints/${created.body.data.id}`);
  assert.equal(again.status, 404);
});

test('payment.canceled is delivered once after failures, signed with the endpoint secret', async () => {
  const r = await receiver(2);
  try {
    const ep = await m.request('POST', '/api/v1/webhook-endpoints', { url: r.url, events: ['payment.canceled', 'payment.succeeded'] });
    const secret = ep.body.data.secret;
    const p = await m.request('POST', '/api/v1/payments', { amount: '50.00', currency: 'USD', paymentMethod: 'wallet', confirm: true });
    const c = await m.request('POST', `/api/v1/payments/${p.body.data.id}/cancel`);
    assert.equal(c.body.data.status, 'canceled');
    assert.equal(await deliverDue(h.deps.delivery), 0); // first attempt: 500
    assert.equal(await deliverDue(h.deps.delivery), 0, 'the retry is not due yet');
    h.clock.advance(5_000);
    assert.equal(await deliverDue(h.deps.delivery), 0); // second attempt: 500
    h.clock.advance(5 * 60_000);
    assert.equal(await deliverDue(h.deps.delivery), 1); // third attempt: 204
    h.clock.advance(24 * 3600_000);
    assert.equal(await deliverDue(h.deps.delivery), 0, 'an acknowledged event is never sent again');
    assert.equal(r.received.length, 3);
    const last = r.received[2];
    const expected = standardWebhookSignature(secret, String(last.headers['webhook-id']), String(last.headers['webhook-timestamp']), last.body);
    assert.equal(last.headers['webhook-signature'], expected);
    const event = JSON.parse(last.body);
    assert.equal(event.type, 'payment.canceled');
    assert.equal(event.data.id, p.body.data.id);
    assert.equal(event.data.status, 'canceled');
    const ids = new Set(r.received.map((x) => x.headers['webhook-id']));
    assert.equal(ids.size, 1, 'retries carry the same webhook-id so receivers can deduplicate');
    const { rows } = await h.deps.core.db.query<{ status: string; attempts: number }>(
      'SELECT status, attempts FROM outbox WHERE payment_id = $1', [p.body.data.id]);
    assert.deepEqual(rows.map((x) => [x.status, Number(x.attempts)]), [['delivered', 3]]);
  } finally {
    await r.close();
  }
});

test('SSRF: without the operator opt-in a loopback target is refused and never contacted', async () => {
  const r = await receiver(0);
  try {
    await m.request('POST', '/api/v1/webhook-endpoints', { url: r.url, events: ['payment.canceled'] });
    const p = await m.request('POST', '/api/v1/payments', { amount: '5.00', currency: 'USD' });
    await m.request('POST', `/api/v1/payments/${p.body.data.id}/cancel`);
    const delivered = await deliverDue({ ...h.deps.delivery, allowPrivateTargets: false });
    assert.equal(delivered, 0);
    assert.equal(r.received.length, 0);
    const { rows } = await h.deps.core.db.query<{ error: string }>(
      `SELECT a.error FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id WHERE o.payment_id = $1`, [p.body.data.id]);
    assert.ok(rows.length >= 1 && rows.every((x) => /private or loopback/.test(x.error)), JSON.stringify(rows));
  } finally {
    await r.close();
  }
});
