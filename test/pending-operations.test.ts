// While a processor call is pending (in flight, or its outcome unknown), nothing else may move the
// payment's money, and only the same request (or the reconciler) may finish it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { refundPayment } from '../src/core/payments/refund.ts';
import { beginIdempotent, IN_FLIGHT_LEASE_MS } from '../src/core/idempotency.ts';
import { KasirError } from '../src/core/errors.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { cancel, capture, CARDS, cardPayment, createPayment, expectStatus, get, refund, stored } from './helpers/native.ts';
import { balances } from './helpers/ledger.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const ctx = { merchant: { id: m.merchantId, contract: {} }, dialect: 'native' as const, requestId: 'test' };

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

test('a processor failure without an answer (connection reset) keeps the outcome unknown, never released', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '20.00' });
  const broken = { ...h.deps.core, processor: { ...h.deps.core.processor, refund: async () => { throw new Error('socket hang up'); } } };
  await assert.rejects(refundPayment(broken, ctx, { ref: { id: p.id }, amount: 500n }), (e: KasirError) => e.code === 'OUTCOME_UNKNOWN');
  const s = await stored(h, p.id);
  assert.equal(s.pendingOperation, 'refund');
  assert.equal(s.pendingState, 'unknown');
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 500n, 'the funds stay reserved: the refund may have happened');
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

test('an idempotency key left in flight by a dead request is taken over after its lease', async () => {
  const k = { merchantId: m.merchantId, scope: 'native', key: `dead-${Date.now()}` };
  assert.equal((await beginIdempotent(h.deps.core.db, h.clock, k, 'h1')).kind, 'new');
  assert.equal((await beginIdempotent(h.deps.core.db, h.clock, k, 'h1')).kind, 'in_flight');
  h.clock.advance(IN_FLIGHT_LEASE_MS);
  assert.equal((await beginIdempotent(h.deps.core.db, h.clock, k, 'h1')).kind, 'new');
});
