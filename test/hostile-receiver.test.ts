// A receiver's answer is anybody's bytes. One holding a NUL (which PostgreSQL text refuses) once made
// the attempt's insert fail: no attempt recorded, the row claimed and retried forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { cancel, createPayment, expectStatus } from './helpers/native.ts';

const h = await startKasir();
const m = await nativeMerchant(h);

test('an answer with a NUL byte and a lone surrogate is recorded as an attempt; the retry schedule goes on', async (t) => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end(Buffer.from('bad\u0000answer \ud800', 'utf16le').toString('latin1')));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise((ok) => server.close(ok)));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  expectStatus(await m.request('POST', '/api/v1/webhook-endpoints', { url, events: ['payment.canceled'] }), 201);
  const p = await createPayment(m, { currency: 'USD', amount: '1.00' });
  expectStatus(await cancel(m, p.id), 200);
  await deliverDue(h.deps.delivery);
  const { rows } = await h.deps.core.db.query<{ status: string; attempts: number; recorded: string; locked_until: Date | null; next_attempt_at: Date }>(
    `SELECT o.status, o.attempts, o.locked_until, o.next_attempt_at, (SELECT count(*) FROM delivery_attempts a WHERE a.outbox_id = o.id) AS recorded
       FROM outbox o WHERE o.payment_id = $1`, [p.id]);
  assert.equal(rows.length, 1);
  assert.equal(Number(rows[0].recorded), 1, 'the attempt is recorded');
  assert.equal(rows[0].status, 'pending');
  assert.ok(new Date(rows[0].next_attempt_at) > h.clock.now(), 'the next attempt is scheduled by the retry policy');
  const { rows: attempts } = await h.deps.core.db.query<{ status_code: number; response_excerpt: string }>(
    'SELECT a.status_code, a.response_excerpt FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id WHERE o.payment_id = $1', [p.id]);
  assert.equal(attempts[0].status_code, 500);
  assert.ok(!attempts[0].response_excerpt.includes('\u0000'));
});
