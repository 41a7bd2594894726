// The prune job: idempotency keys go once past their keeping time (never while their request may
// still be running), finished notifications and their attempts once older than the retention;
// live keys and pending notifications stay. Time is the harness's FixedClock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { KEEP_MS, runWithKey } from '../src/core/idempotency.ts';
import { pruneExpired } from '../src/core/jobs/prune.ts';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { cancel, createPayment, expectStatus } from './helpers/native.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const db = h.deps.core.db;
const DAY = 86_400_000;
const RETENTION = 7 * DAY;
const prune = () => pruneExpired(h.deps.core, { outboxRetentionMs: RETENTION });

const keyed = (key: string) => m.request('POST', '/api/v1/payments', { amount: '5.00', currency: 'USD' }, { 'Idempotency-Key': key });
const keysLeft = async (keys: string[]) =>
  (await db.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE key = ANY($1) ORDER BY key`, [keys])).rows.map((r) => r.key);

test('expired idempotency keys are pruned, live ones stay, and a key in flight is never pruned before its expiry', { timeout: 30_000 }, async () => {
  const tag = `${Date.now()}`;
  const [old, young, held] = ['a-old', 'b-young', 'c-held'].map((k) => `${k}-${tag}`);
  const first = await keyed(old);
  expectStatus(first, 201);
  // A request holding its key, still running (the same kind of hold as a slow processor call).
  let release!: () => void;
  const holding = new Promise<void>((resolve) => (release = resolve));
  const running = runWithKey(h.deps.core, {
    ref: { merchantId: m.merchantId, scope: 'native', key: held },
    hash: 'held',
    run: async () => (await holding, 'late'),
    isFinal: () => true,
    store: (a) => ({ status: 200, body: a }),
  });
  while ((await keysLeft([held])).length === 0) await new Promise((r) => setTimeout(r, 5)); // its key row is written
  try {
    h.clock.advance(h.deps.core.idempotencyLeaseMs + 1); // its lease lapsed: still in flight, not expired
    await prune();
    assert.deepEqual(await keysLeft([old, held]), [old, held], 'nothing before its expiry');

    h.clock.advance(KEEP_MS / 2);
    expectStatus(await keyed(young), 201);
    h.clock.advance(KEEP_MS / 2); // `old` and `held` are now past their keeping time, `young` is not
    const pruned = await prune();
    assert.ok(pruned.keys >= 2, JSON.stringify(pruned));
    assert.deepEqual(await keysLeft([old, young, held]), [young]);

    // The live key still replays; the pruned one is free again (the request runs anew).
    assert.equal((await keyed(young)).headers.get('idempotent-replayed'), 'true');
    const again = await keyed(old);
    expectStatus(again, 201);
    assert.equal(again.headers.get('idempotent-replayed'), null);
    assert.notEqual(again.body.data.id, first.body.data.id);
  } finally {
    release();
    await running;
  }
  // The held request lost its key to the prune: its late answer is not stored.
  assert.deepEqual(await keysLeft([held]), []);
});

test('a key whose lease still runs is kept even past its keeping time', async () => {
  const key = `leased-${Date.now()}`;
  const now = h.clock.now();
  // Only a lease longer than KEEP_MS could get here; the prune must still not pull a key from under its request.
  await db.query(
    `INSERT INTO idempotency_keys (merchant_id, scope, key, request_hash, state, created_at, expires_at, locked_until, owner)
     VALUES ($1, 'native', $2, 'h', 'in_flight', $3, $3, $4, 'someone')`,
    [m.merchantId, key, new Date(now.getTime() - KEEP_MS), new Date(now.getTime() + 60_000)],
  );
  await prune();
  assert.deepEqual(await keysLeft([key]), [key]);
  h.clock.advance(60_000);
  await prune();
  assert.deepEqual(await keysLeft([key]), []);
});

async function receiver(status: number) {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(status).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => new Promise((r) => server.close(r)) };
}

const outboxOf = async (paymentId: string) =>
  (await db.query<{ status: string; attempts: string }>(
    `SELECT o.status, (SELECT count(*) FROM delivery_attempts a WHERE a.outbox_id = o.id) AS attempts FROM outbox o WHERE o.payment_id = $1`,
    [paymentId],
  )).rows.map((r) => `${r.status}/${r.attempts}`);

test('finished notifications and their attempts go after the retention; pending ones and recent ones stay', async () => {
  const [ok, failing] = await Promise.all([receiver(204), receiver(500)]);
  try {
    const canceled = async (merchant = m) => {
      const p = await createPayment(merchant, { currency: 'USD', amount: '2.00' });
      expectStatus(await cancel(merchant, p.id), 200);
      return p.id as string;
    };
    expectStatus(await m.request('POST', '/api/v1/webhook-endpoints', { url: ok.url, events: ['payment.canceled'] }), 201);
    const other = await nativeMerchant(h, 'Failing receiver');
    expectStatus(await other.request('POST', '/api/v1/webhook-endpoints', { url: failing.url, events: ['payment.canceled'] }), 201);
    const oldDelivered = await canceled();
    const stillTrying = await canceled(other);
    assert.equal(await deliverDue(h.deps.delivery), 1);
    assert.deepEqual(await outboxOf(stillTrying), ['pending/1'], 'answered 500: a retry is scheduled');

    h.clock.advance(RETENTION);
    const recentDelivered = await canceled();
    assert.equal(await deliverDue(h.deps.delivery), 1, 'the recent one (the failing one is retried and fails again)');
    h.clock.advance(1);
    const pruned = await prune();
    assert.equal(pruned.notifications, 1);
    assert.deepEqual(await outboxOf(oldDelivered), [], 'gone with its attempt');
    assert.deepEqual(await outboxOf(recentDelivered), ['delivered/1']);
    assert.deepEqual(await outboxOf(stillTrying), ['pending/2'], 'a pending notification is never pruned');
  } finally {
    await Promise.all([ok.close(), failing.close()]);
  }
});

test('two processes pruning at once split the work: every expired key is deleted exactly once', async () => {
  const tag = `${Date.now()}`;
  const keys = Array.from({ length: 30 }, (_, i) => `many-${tag}-${String(i).padStart(2, '0')}`);
  for (const key of keys) expectStatus(await keyed(key), 201);
  h.clock.advance(KEEP_MS);
  const [a, b] = await Promise.all([prune(), prune()]);
  assert.ok(a.keys + b.keys >= keys.length, JSON.stringify([a, b]));
  assert.deepEqual(await keysLeft(keys), []);
});
