// Races through real HTTP, with simulated processor latency to widen them: parallel identical
// cancels make one transition and all answer SUCCESS with the same cancelTime; a cancel racing the
// buyer's payment on the checkout page ends in one consistent outcome, whichever wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKasir } from './helpers/harness.ts';
import { antomMerchant, cancel, checkout, expectResult, paid, pay, storedByAntomId } from './helpers/antom.ts';
import { listEvents } from '../src/core/payments/repo.ts';

const h = await startKasir({ sandboxLatencyMs: 15 });
const m = await antomMerchant(h);

async function eventTypes(paymentId: string): Promise<string[]> {
  const p = await storedByAntomId(h, paymentId);
  return (await listEvents(h.deps.core.db, p.id)).map((e) => e.type);
}

async function parallelCancels(paymentId: string, n = 10) {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => cancel(m, i % 2 ? { paymentId } : { paymentId, merchantAccountId: undefined })));
  const bodies = answers.map((a) => expectResult(a, 'SUCCESS', 'S'));
  assert.equal(new Set(bodies.map((b) => b.cancelTime)).size, 1, 'one cancelTime');
  assert.equal((await eventTypes(paymentId)).filter((t) => t === 'canceled').length, 1, 'one transition');
  return bodies[0];
}

test('parallel identical cancels of an unpaid payment: one transition, every answer SUCCESS with the same cancelTime', async () => {
  const p = await pay(m);
  const first = await parallelCancels(p.paymentId);
  assert.equal((await storedByAntomId(h, p.paymentId)).status, 'canceled');
  assert.equal(first.paymentId, p.paymentId);
});

test('parallel identical cancels of a paid wallet: one reversal of the full amount', async () => {
  const p = await paid(m);
  await parallelCancels(p.paymentId);
  const stored = await storedByAntomId(h, p.paymentId);
  assert.deepEqual([stored.status, stored.amountCanceled, stored.amountReceived], ['canceled', 1000n, 1000n]);
});

test('cancel racing the buyer on the checkout page (wallet): always canceled, and the buyer’s page tells the truth', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const p = await pay(m, { paymentNotifyUrl: 'https://merchant.example/notify' });
    const [c, page] = await Promise.all([cancel(m, { paymentId: p.paymentId }), checkout(p.normalUrl)]);
    expectResult(c, 'SUCCESS', 'S'); // a wallet may be canceled before and (reversed) after payment
    const stored = await storedByAntomId(h, p.paymentId);
    const events = await eventTypes(p.paymentId);
    assert.equal(stored.status, 'canceled');
    assert.equal(stored.amountCanceled, stored.amount);
    if (page.status === 200) {
      // The buyer paid first: the money arrived, then went back to the buyer.
      seen.add('paid-then-reversed');
      assert.deepEqual(events.slice(-2), ['succeeded', 'canceled']);
      assert.equal(stored.amountReceived, stored.amount);
    } else {
      // The cancel came first: the page refused the payment and no money moved.
      seen.add('canceled-first');
      assert.equal(page.status, 409, page.html);
      assert.ok(!events.includes('succeeded'));
      assert.equal(stored.amountReceived, 0n);
    }
  }
  assert.ok(seen.size >= 1);
});

test('cancel racing the buyer (PromptPay, not cancellable once paid): exactly one of them wins', async () => {
  for (let i = 0; i < 8; i++) {
    const p = await pay(m, { paymentMethod: { paymentMethodType: 'PROMPTPAY' }, paymentAmount: { currency: 'THB', value: '10000' } });
    const [c, page] = await Promise.all([cancel(m, { paymentId: p.paymentId }), checkout(p.normalUrl)]);
    const stored = await storedByAntomId(h, p.paymentId);
    if (c.body.result.resultCode === 'SUCCESS') {
      expectResult(c, 'SUCCESS', 'S');
      assert.equal(page.status, 409);
      assert.deepEqual([stored.status, stored.amountReceived], ['canceled', 0n]);
    } else {
      expectResult(c, 'PAYMENT_METHOD_NOT_SUPPORTED', 'F');
      assert.equal(page.status, 200);
      assert.deepEqual([stored.status, stored.amountReceived, stored.canceledAt], ['succeeded', stored.amount, null]);
    }
  }
});
