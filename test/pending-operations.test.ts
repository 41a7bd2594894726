// While a processor call is pending (in flight, or its outcome unknown), nothing else may move the
// payment's money, and only the same request (or the reconciler) may finish it.
import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { refundPayment } from '../src/core/payments/refund.ts';
import { runWithKey } from '../src/core/idempotency.ts';
import { KasirError } from '../src/core/errors.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { sandboxes, withSandbox } from './helpers/processor-faults.ts';
import { cancel, capture, CARDS, cardPayment, createPayment, expectStatus, get, refund, stored } from './helpers/native.ts';
import { balances } from './helpers/ledger.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const ctx = { merchant: { id: m.merchantId, mode: 'test' as const, contract: {} }, dialect: 'native' as const, requestId: 'test' };

test('a refund with an unknown outcome blocks a different refund; the same one finishes it once', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '100.00', description: 'sandbox:refund_timeout' });
  assert.equal(expectStatus(await refund(m, p.id, { amount: '30.00' }), 503).error.code, 'OUTCOME_UNKNOWN');
  const other = await refund(m, p.id, { amount: '50.00' });
  assert.equal(expectStatus(other, 409).error.code, 'CONFLICT');
  assert.match(other.body.error.message, /earlier refund/);
  assert.equal((await stored(h, p.id)).amountRefunded, 0n, 'the other refund did not borrow the pending one');
  const same = expectStatus(await refund(m, p.id, { amount: '30.00' }), 201).data;
  assert.equal(same.amount, '30.00');
  const after = await stored(h, p.id);
  assert.equal(after.amountRefunded, 3000n);
  assert.equal(after.pendingOperation, null);
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
  const { rows } = await h.deps.core.db.query<{ status: string }>('SELECT status FROM refunds WHERE payment_id = $1', [p.id]);
  assert.deepEqual(rows.map((r) => r.status), ['succeeded']);
});

test('a cancel is refused while a refund is pending', async () => {
  const p = await createPayment(m, { currency: 'USD', amount: '10.00', paymentMethod: 'wallet', confirm: true, description: 'sandbox:refund_timeout' });
  await m.request('POST', `/api/v1/sandbox/payments/${p.id}/pay`, { outcome: 'succeeded' });
  expectStatus(await refund(m, p.id, { amount: '1.00' }), 503);
  assert.equal(expectStatus(await cancel(m, p.id), 409).error.code, 'CONFLICT');
  assert.equal((await reconcileUnknown(h.deps.core)).resolved >= 1, true);
  assert.equal((await stored(h, p.id)).amountRefunded, 100n);
});

test('a refund call that never reached the processor (connection reset) stays unknown until sync says so, then rolls back', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '20.00' });
  const sandbox = sandboxes(h.deps.core).sandbox;
  const broken = withSandbox(h.deps.core, { ...sandbox, refund: async () => { throw new Error('socket hang up'); } });
  await assert.rejects(refundPayment(broken, ctx, { ref: { id: p.id }, amount: 500n }), (e: KasirError) => e.code === 'OUTCOME_UNKNOWN');
  const s = await stored(h, p.id);
  assert.equal(s.pendingOperation, 'refund');
  assert.equal(s.pendingState, 'unknown');
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 500n, 'the funds stay reserved: the refund may have happened');
  await reconcileUnknown(h.deps.core);
  // The sandbox has no trace of the call: it never happened. Nothing refunded, the reserve released.
  const after = await stored(h, p.id);
  assert.equal(after.amountRefunded, 0n);
  assert.equal(after.pendingOperation, null);
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
  const { rows } = await h.deps.core.db.query<{ status: string }>(`SELECT status FROM processor_operations WHERE payment_id = $1 AND kind = 'refund'`, [p.id]);
  assert.deepEqual(rows.map((r) => r.status), ['rolled_back']);
  const events = await h.deps.core.db.query<{ type: string; data: { source?: string } }>('SELECT type, data FROM payment_events WHERE payment_id = $1 ORDER BY id', [p.id]);
  assert.deepEqual(events.rows.slice(-2).map((e) => [e.type, e.data.source ?? null]), [['outcome_unknown', null], ['operation_rolled_back', 'sync']]);
});

test('a refund that reached the processor but whose answer was lost is recorded once sync confirms it', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '20.00' });
  const sandbox = sandboxes(h.deps.core).sandbox;
  const lost = withSandbox(h.deps.core, { ...sandbox, refund: async (...a: Parameters<typeof sandbox.refund>) => { await sandbox.refund(...a); throw new Error('socket hang up'); } });
  await assert.rejects(refundPayment(lost, ctx, { ref: { id: p.id }, amount: 500n }), (e: KasirError) => e.code === 'OUTCOME_UNKNOWN');
  await reconcileUnknown(h.deps.core);
  assert.equal((await stored(h, p.id)).amountRefunded, 500n);
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
});

test('a partial capture releases the rest: only the captured amount can be refunded', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '100.00', captureMethod: 'manual' });
  expectStatus(await capture(m, p.id, '60.00'), 200);
  const captured = expectStatus(await get(m, p.id), 200).data;
  assert.equal(captured.amountReceived, '60.00');
  assert.equal(captured.amountCanceled, '40.00', 'the released rest of the authorization');
  assert.equal(expectStatus(await refund(m, p.id, { amount: '60.01' }), 400).error.code, 'VALIDATION_ERROR');
  expectStatus(await refund(m, p.id, { amount: '60.00' }), 201);
});

test('a payment whose cancel outcome is unknown is not expired under it', async () => {
  const p = await createPayment(m, { currency: 'USD', amount: '10.00', paymentMethod: 'wallet', confirm: true, expiresInSeconds: 60, description: 'sandbox:cancel_timeout' });
  expectStatus(await cancel(m, p.id), 503);
  h.clock.advance(61_000);
  const read = expectStatus(await get(m, p.id), 200).data;
  assert.equal(read.status, 'requires_action', 'still waiting for its cancel to be reconciled');
  expectStatus(await cancel(m, p.id), 200);
  assert.equal((await stored(h, p.id)).status, 'canceled');
});

test('an idempotency key held by a running request answers in-flight with Retry-After; after its lease a retry takes it over', async () => {
  const ref = { merchantId: m.merchantId, scope: 'native', key: `dead-${Date.now()}` };
  const keyDeps = h.deps.core;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let running!: () => void;
  const holdsKey = new Promise<void>((resolve) => (running = resolve));
  const first = runWithKey(keyDeps, { ref, hash: 'h1', run: async () => (running(), await held, 'first'), isFinal: () => true, store: (a) => ({ status: 200, body: a }) });
  // Its work runs only once the key is claimed (a fixed sleep here was too short on a slow machine).
  await holdsKey;
  await assert.rejects(
    runWithKey(keyDeps, { ref, hash: 'h1', run: async () => 'second', isFinal: () => true, store: (a) => ({ status: 200, body: a }) }),
    (e: KasirError) => e.code === 'REQUEST_IN_FLIGHT' && Number(e.details?.retryAfterSeconds) > 0,
  );
  h.clock.advance(keyDeps.idempotencyLeaseMs);
  const taken = await runWithKey(keyDeps, { ref, hash: 'h1', run: async (k) => `resumed:${k.recovered?.point}`, isFinal: () => true, store: (a) => ({ status: 200, body: a }) });
  assert.deepEqual(taken, { replayed: false, answer: 'resumed:started' });
  release();
  await first; // the first request lost its key: its late answer is not stored over the retry's
  const replay = await runWithKey(keyDeps, { ref, hash: 'h1', run: async () => 'again', isFinal: () => true, store: (a) => ({ status: 200, body: a }) });
  assert.deepEqual(replay, { replayed: true, status: 200, body: 'resumed:started' });
});

test('upgrade: a payment left pending by the previous version gets an operation record and is settled by sync', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '15.00', captureMethod: 'manual' });
  // What the previous version left: a claimed capture with no operation record.
  await h.deps.core.db.query(
    `UPDATE payments SET pending_operation = 'capture', pending_state = 'in_flight', pending_until = $2, pending_data = $3, version = version + 1 WHERE id = $1`,
    [p.id, h.clock.now(), { amount: '1500', requestId: 'old' }],
  );
  const sql = await readFile(new URL('../migrations/013_operations_backfill.sql', import.meta.url), 'utf8');
  for (const statement of sql.split(/;\s*$/m).map((x) => x.trim()).filter((x) => x && !/^(--[^\n]*\n?)+$/.test(x))) await h.deps.core.db.query(statement);
  const upgraded = await stored(h, p.id);
  assert.equal(upgraded.pendingState, 'unknown');
  assert.equal(typeof upgraded.pendingData?.operationId, 'string');
  await reconcileUnknown(h.deps.core);
  const after = await stored(h, p.id);
  assert.equal(after.pendingOperation, null);
  assert.equal(after.status, 'requires_capture', 'the processor has no trace of the old call: rolled back, nothing captured');
});
