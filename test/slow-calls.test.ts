// Processor calls slower than their lease, racing the reconciler, a cancel or another buyer: the
// processor's books and Kasir's must agree, and no request is decided twice (docs/architecture.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { holdNextCall } from './helpers/processor-faults.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { buyerPays, cancel, CARDS, cardPayment, createPayment, expectStatus, stored } from './helpers/native.ts';
import { balances, journalKinds } from './helpers/ledger.ts';

const h = await startKasir();
const m = await nativeMerchant(h);

/** The next `call` is slow: it reaches the processor only after `go` (or books first and answers after `go`). */
function slow(call: 'authorize' | 'capture' | 'refund', bookedFirst: boolean) {
  const held = holdNextCall(h, call, { booked: bookedFirst, onRelease: 'answer' });
  return { go: held.release, entered: held.entered };
}

async function books(paymentId: string, kind: string): Promise<string[]> {
  const { rows } = await h.deps.core.db.query<{ status: string }>('SELECT status FROM sandbox_operations WHERE payment_id = $1 AND kind = $2 ORDER BY created_at', [paymentId, kind]);
  return rows.map((r) => r.status);
}

const keyed = (key: string) => ({ 'Idempotency-Key': `${key}-${Date.now()}` });

test('a refund the processor booked while the reconciler synced it: recorded once, the slow caller gets 201, not a second refund', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '30.00' });
  const s = slow('refund', true);
  const first = m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '10.00' }, keyed('slow-booked'));
  await s.entered;
  h.clock.advance(h.deps.core.leaseMs + 1);
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 1);
  s.go();
  assert.equal(expectStatus(await first, 201).data.amount, '10.00');
  assert.deepEqual(await books(p.id, 'refund'), ['succeeded']);
  assert.equal((await stored(h, p.id)).amountRefunded, 1000n);
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
});

test('a refund that reaches the processor after the reconciler rolled it back is refused there; its retry refunds once', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '30.00' });
  const s = slow('refund', false);
  const headers = keyed('slow-late');
  const first = m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '10.00' }, headers);
  await s.entered;
  h.clock.advance(h.deps.core.leaseMs + 1);
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 1, 'rolled back: the processor never saw it');
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
  s.go();
  assert.equal(expectStatus(await first, 503).error.code, 'OUTCOME_UNKNOWN', 'the late call was refused, nothing happened');
  assert.deepEqual(await books(p.id, 'refund'), ['canceled'], 'the abandoned operation can never take effect');
  assert.equal((await stored(h, p.id)).amountRefunded, 0n);
  const retry = expectStatus(await m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '10.00' }, headers), 201).data;
  assert.equal(retry.payment.amountRefunded, '10.00');
  assert.deepEqual(await books(p.id, 'refund'), ['canceled', 'succeeded']);
});

test('a capture recorded by the reconciler while its caller waited: the caller answers 200 succeeded, not 400', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '8.00', captureMethod: 'manual' });
  const s = slow('capture', true);
  const first = m.request('POST', `/api/v1/payments/${p.id}/capture`, {}, keyed('slow-capture'));
  await s.entered;
  h.clock.advance(h.deps.core.leaseMs + 1);
  await reconcileUnknown(h.deps.core);
  s.go();
  assert.equal(expectStatus(await first, 200).data.status, 'succeeded');
  assert.deepEqual(await journalKinds(h, p.id), ['capture']);
});

test('a charge that arrives after its submission was rolled back is refused: one charge in all, made by the retry', async () => {
  const p = await createPayment(m, { currency: 'USD', amount: '12.00', paymentMethod: 'card' });
  const s = slow('authorize', false);
  const headers = keyed('slow-confirm');
  const body = { paymentMethodData: { card: { number: CARDS.succeeds } } };
  const first = m.request('POST', `/api/v1/payments/${p.id}/confirm`, body, headers);
  await s.entered;
  h.clock.advance(h.deps.core.leaseMs + 1);
  await reconcileUnknown(h.deps.core);
  assert.equal((await stored(h, p.id)).status, 'requires_confirmation', 'rolled back');
  s.go();
  assert.equal(expectStatus(await first, 503).error.code, 'OUTCOME_UNKNOWN');
  assert.deepEqual(await journalKinds(h, p.id), []);
  h.clock.advance(h.deps.core.idempotencyLeaseMs);
  assert.equal(expectStatus(await m.request('POST', `/api/v1/payments/${p.id}/confirm`, body, headers), 200).data.status, 'succeeded');
  assert.deepEqual(await books(p.id, 'authorize'), ['canceled', 'succeeded']);
  assert.deepEqual(await journalKinds(h, p.id), ['capture']);
});

test('a cancel covering a charge still pending at the issuer, refused by the processor: the charge stays pending, never stuck', async () => {
  const p = await cardPayment(m, CARDS.timesOut, { currency: 'USD', amount: '6.00', description: 'sandbox:cancel_system_error' });
  assert.equal(p.status, 'processing');
  expectStatus(await cancel(m, p.id), 500);
  const after = await stored(h, p.id);
  assert.equal(after.status, 'processing');
  assert.equal(after.pendingOperation, 'confirm', 'the covered charge is pending again');
  assert.equal(after.pendingState, 'unknown');
  assert.equal(expectStatus(await buyerPays(m, p.id), 200).data.status, 'succeeded');
});

test('two buyers paying at once: the processor books one charge', async () => {
  const p = await createPayment(m, { currency: 'USD', amount: '4.00', paymentMethod: 'promptpay', confirm: true });
  const answers = await Promise.all([buyerPays(m, p.id), buyerPays(m, p.id), buyerPays(m, p.id)]);
  assert.equal(answers.filter((a) => a.status === 200).length >= 1, true);
  assert.deepEqual(await books(p.id, 'authorize'), ['succeeded']);
  assert.deepEqual(await journalKinds(h, p.id), ['capture']);
});

test('the buyer cannot change a charge the processor already settled', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '3.00', description: 'sandbox:confirm_timeout' });
  assert.equal(p.status, 'processing', 'the answer was lost; the processor did charge');
  assert.equal(expectStatus(await buyerPays(m, p.id, 'failed'), 400).error.code, 'VALIDATION_ERROR');
  assert.equal((await stored(h, p.id)).status, 'succeeded', 'what the processor holds was applied');
});

test('charges pending for long do not crowd the reconciler: a timed-out refund behind them is finished', async () => {
  for (let i = 0; i < 3; i++) await cardPayment(m, CARDS.timesOut, { currency: 'USD', amount: '1.00' });
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '5.00', description: 'sandbox:refund_timeout' });
  expectStatus(await m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '1.00' }), 503);
  for (let pass = 0; pass < 4 && (await stored(h, p.id)).pendingOperation; pass++) await reconcileUnknown(h.deps.core, 2);
  assert.equal((await stored(h, p.id)).amountRefunded, 100n);
});
