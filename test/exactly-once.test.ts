// Exactly once when a request dies mid-way (docs/architecture.md). The first attempt of each request is
// made to "die" inside its processor call — before the processor saw the call, or after it booked
// it — while holding its idempotency key; its retry, once the key's lease lapsed, must resume what
// the first attempt did: never a second payment or refund, never a 400 for work that was done, and
// the answer a run without the crash gives. When the dead attempt finally wakes up (a stale writer),
// it changes nothing. (The whole-process version, with SIGKILL, is `npm run chaos`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, nativeMerchant, startKasir } from './helpers/harness.ts';
import { CARDS, cardPayment, countPayments, createPayment, expectStatus, stored } from './helpers/native.ts';
import { balances } from './helpers/ledger.ts';
import { holdNextCall, type HeldCall } from './helpers/processor-faults.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const PAST_BOTH_LEASES = h.deps.core.idempotencyLeaseMs + h.deps.core.leaseMs;

/** Sends `send()` as the first attempt, which dies inside its `call` (booked at the processor or not); returns it and `wake`. */
async function firstAttemptDies(call: HeldCall, booked: boolean, send: () => Promise<{ status: number }>) {
  const held = holdNextCall(h, call, { booked, onRelease: 'reset' });
  const first = send();
  await held.entered;
  return { first, wake: held.release };
}

const keyed = (key: string) => ({ 'Idempotency-Key': key });

for (const after of [false, true]) {
  const where = after ? 'after the processor booked the call' : 'before the processor saw the call';

  test(`create+confirm dies ${where}: the retry answers 201 succeeded with the same payment, charged once`, async () => {
    const key = `create-${after}-${Date.now()}`;
    const body = { amount: '12.00', currency: 'USD', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } }, referenceId: key };
    const before = await countPayments(h, m.merchantId);
    const { first, wake } = await firstAttemptDies('authorize', after, () => m.request('POST', '/api/v1/payments', body, keyed(key)));
    const busy = await m.request('POST', '/api/v1/payments', body, keyed(key));
    assert.equal(expectStatus(busy, 409).error.code, 'CONFLICT', 'the first attempt may still be running');
    assert.ok(Number(busy.headers.get('retry-after')) > 0, 'with Retry-After');
    h.clock.advance(PAST_BOTH_LEASES);
    const retry = expectStatus(await m.request('POST', '/api/v1/payments', body, keyed(key)), 201).data;
    assert.equal(retry.status, 'succeeded');
    assert.equal(await countPayments(h, m.merchantId), before + 1, 'one payment');
    const { rows } = await h.deps.core.db.query(`SELECT 1 FROM sandbox_operations WHERE payment_id = $1 AND kind = 'authorize'`, [retry.id]);
    assert.equal(rows.length, 1, 'one charge at the processor');
    wake();
    await first; // the stale attempt wakes up to a payment it no longer holds: it changes nothing
    assert.equal((await stored(h, retry.id)).status, 'succeeded');
    const again = await m.request('POST', '/api/v1/payments', body, keyed(key));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(expectStatus(again, 201).data, retry);
  });

  test(`refund dies ${where}: the retry answers 201 with one refund, money returned once`, async () => {
    const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '30.00' });
    const key = `refund-${after}-${Date.now()}`;
    const send = () => m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '10.00' }, keyed(key));
    const { first, wake } = await firstAttemptDies('refund', after, send);
    h.clock.advance(PAST_BOTH_LEASES);
    const retry = expectStatus(await send(), 201).data;
    assert.equal(retry.amount, '10.00');
    assert.equal(retry.payment.amountRefunded, '10.00');
    wake();
    await first;
    assert.equal((await stored(h, p.id)).amountRefunded, 1000n, 'refunded once');
    const { rows } = await h.deps.core.db.query<{ id: string }>(`SELECT id FROM refunds WHERE payment_id = $1 AND status = 'succeeded'`, [p.id]);
    assert.deepEqual(rows.map((r) => r.id), [retry.id]);
    assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
    assert.deepEqual(expectStatus(await send(), 201).data, retry, 'replayed');
  });

  test(`cancel dies ${where}: the retry answers 200 canceled, not 400 "already canceled"`, async () => {
    const p = await createPayment(m, { currency: 'USD', amount: '5.00', paymentMethod: 'promptpay', confirm: true });
    const key = `cancel-${after}-${Date.now()}`;
    const send = () => m.request('POST', `/api/v1/payments/${p.id}/cancel`, {}, keyed(key));
    const { first, wake } = await firstAttemptDies('void', after, send);
    h.clock.advance(PAST_BOTH_LEASES);
    const retry = expectStatus(await send(), 200).data;
    assert.equal(retry.status, 'canceled');
    wake();
    await first;
    assert.equal((await stored(h, p.id)).status, 'canceled');
  });

  test(`capture dies ${where}: the retry answers 200 succeeded, captured once`, async () => {
    const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '8.00', captureMethod: 'manual' });
    const key = `capture-${after}-${Date.now()}`;
    const send = () => m.request('POST', `/api/v1/payments/${p.id}/capture`, {}, keyed(key));
    const { first, wake } = await firstAttemptDies('capture', after, send);
    h.clock.advance(PAST_BOTH_LEASES);
    assert.equal(expectStatus(await send(), 200).data.status, 'succeeded');
    wake();
    await first;
    const { rows } = await h.deps.core.db.query(`SELECT 1 FROM journals WHERE payment_id = $1 AND kind = 'capture'`, [p.id]);
    assert.equal(rows.length, 1, 'one capture posted');
  });
}

test('a refund the processor refused is refused again on retry, not redone', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '9.00', description: 'sandbox:refund_declined' });
  const key = `declined-${Date.now()}`;
  const send = () => m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '1.00' }, keyed(key));
  const first = await send();
  assert.equal(expectStatus(first, 402).error.code, 'PAYMENT_METHOD_ERROR');
  assert.deepEqual((await send()).body, first.body);
  const { rows } = await h.deps.core.db.query(`SELECT 1 FROM sandbox_operations WHERE payment_id = $1 AND kind = 'refund'`, [p.id]);
  assert.equal(rows.length, 1, 'asked the processor once');
});

test('admin API: a payment\'s operation records, linked from its timeline, another merchant sees none', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '7.00' });
  expectStatus(await m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '2.00' }), 201);
  const ops = await admin(h, 'GET', `/merchants/${m.merchantId}/payments/${p.id}/operations`);
  assert.equal(ops.status, 200);
  assert.deepEqual(ops.body.data.data.map((o: any) => [o.kind, o.status, o.amount, o.processor, o.result.source]), [
    ['authorize', 'completed', '7.00', 'sandbox', 'response'],
    ['refund', 'completed', '2.00', 'sandbox', 'response'],
  ]);
  const { rows } = await h.deps.core.db.query<{ type: string; data: { operationId?: string } }>('SELECT type, data FROM payment_events WHERE payment_id = $1 ORDER BY id', [p.id]);
  const linked = rows.filter((e) => e.data.operationId).map((e) => [e.type, e.data.operationId]);
  assert.deepEqual(linked, [['submitted', ops.body.data.data[0].id], ['succeeded', ops.body.data.data[0].id], ['refunded', ops.body.data.data[1].id]]);
  const other = await nativeMerchant(h, 'Other');
  assert.equal((await admin(h, 'GET', `/merchants/${other.merchantId}/payments/${p.id}/operations`)).status, 404);
});
