// Several delivery workers on one database never send the same attempt twice: on PostgreSQL two
// separate worker processes, on PGlite (one process by nature) two concurrent in-process workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { nativeMerchant, startKasir, usingPostgres } from './helpers/harness.ts';
import { cancel, createPayment, expectStatus } from './helpers/native.ts';
import { startReceiver } from './helpers/webhook-receiver.ts';

const run = promisify(execFile);
const h = await startKasir();
const m = await nativeMerchant(h);
const WORKER = fileURLToPath(new URL('./helpers/delivery-worker.ts', import.meta.url));

test('two workers deliver 40 notifications exactly once each', async () => {
  // A little latency widens the window in which a second worker could grab the same row.
  const receiver = await startReceiver(5);
  const { seen, url } = receiver;
  try {
    expectStatus(await m.request('POST', '/api/v1/webhook-endpoints', { url, events: ['payment.canceled'] }), 201);
    for (let i = 0; i < 40; i++) {
      const p = await createPayment(m, { currency: 'USD', amount: '1.00' });
      expectStatus(await cancel(m, p.id), 200);
    }
    if (usingPostgres()) {
      const env = { ...process.env, KASIR_TEST_SCHEMA: h.schema, KASIR_TEST_KEY: h.encryptionKey.toString('base64') };
      const results = await Promise.all([1, 2].map(() => run(process.execPath, [WORKER], { env, timeout: 30_000 })));
      const total = results.reduce((n, r) => n + JSON.parse(r.stdout).delivered, 0);
      assert.equal(total, 40);
    } else {
      let total = 0;
      const worker = async () => {
        for (let i = 0; i < 20; i++) {
          const delivered = await deliverDue(h.deps.delivery, 5); // read `total` only after the await
          total += delivered;
        }
      };
      await Promise.all([worker(), worker()]);
      assert.equal(total, 40);
    }
    assert.equal(seen.size, 40);
    assert.ok([...seen.values()].every((n) => n === 1), 'no notification was sent twice');
    const { rows } = await h.deps.core.db.query<{ n: string; attempts: string }>(
      `SELECT count(*) AS n, sum(attempts) AS attempts FROM outbox WHERE status = 'delivered'`);
    assert.equal(Number(rows[0].n), 40);
    assert.equal(Number(rows[0].attempts), 40, 'one attempt each');
  } finally {
    await receiver.close();
  }
});
