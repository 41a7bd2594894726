// The ledger through the native API: captures credit pending, settlement makes funds available,
// refunds reserve then pay out, and MERCHANT_BALANCE_NOT_ENOUGH comes from the real balance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleDue } from '../src/core/jobs/settlement.ts';
import { admin, nativeMerchant, startKasir } from './helpers/harness.ts';
import { capture, CARDS, cardPayment, expectStatus, refund, stored } from './helpers/native.ts';
import { balances, journalKinds } from './helpers/ledger.ts';

const h = await startKasir();
const DAY = 86_400_000;

test('capture credits pending; settlement moves it to available once', async () => {
  const m = await nativeMerchant(h);
  const p = await cardPayment(m, CARDS.succeeds, { amount: '100.00', currency: 'USD' });
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 10000n, available: 0n, reserved: 0n });
  assert.equal(await settleDue(h.deps.core, DAY), 0, 'not yet due');
  h.clock.advance(DAY);
  assert.equal(await settleDue(h.deps.core, DAY), 1);
  assert.equal(await settleDue(h.deps.core, DAY), 0, 'settles once');
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 0n, available: 10000n, reserved: 0n });
  assert.deepEqual(await journalKinds(h, p.id), ['capture', 'settlement']);
  assert.ok((await stored(h, p.id)).settledAt);
});

test('manual capture of part of an authorization posts only the captured amount', async () => {
  const m = await nativeMerchant(h);
  const p = await cardPayment(m, CARDS.succeeds, { amount: '100.00', currency: 'USD', captureMethod: 'manual' });
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 0n, available: 0n, reserved: 0n }, 'an authorization moves no money');
  expectStatus(await capture(m, p.id, '60.00'), 200);
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 6000n, available: 0n, reserved: 0n });
});

test('refunds pay out of pending before settlement and out of available after', async () => {
  const m = await nativeMerchant(h);
  const p = await cardPayment(m, CARDS.succeeds, { amount: '100.00', currency: 'USD' });
  expectStatus(await refund(m, p.id, { amount: '30.00' }), 201);
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 7000n, available: 0n, reserved: 0n });
  h.clock.advance(DAY);
  await settleDue(h.deps.core, DAY);
  expectStatus(await refund(m, p.id, { amount: '20.00' }), 201);
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 0n, available: 5000n, reserved: 0n });
  assert.deepEqual(await journalKinds(h, p.id), ['capture', 'hold', 'refund', 'settlement', 'hold', 'refund']);
});

test('MERCHANT_BALANCE_NOT_ENOUGH: a refund of settled funds after a payout is refused, nothing changes', async () => {
  const m = await nativeMerchant(h);
  const p = await cardPayment(m, CARDS.succeeds, { amount: '100.00', currency: 'USD' });
  h.clock.advance(DAY);
  await settleDue(h.deps.core, DAY);
  const payout = await admin(h, 'POST', `/merchants/${m.merchantId}/payouts`, { currency: 'USD', amount: '90.00' });
  assert.equal(payout.status, 201, JSON.stringify(payout.body));
  const tooMuch = await admin(h, 'POST', `/merchants/${m.merchantId}/payouts`, { currency: 'USD', amount: '10.01' });
  assert.equal(tooMuch.status, 400, 'a payout cannot overdraw either');
  const res = await refund(m, p.id, { amount: '50.00' });
  const body = expectStatus(res, 400);
  assert.equal(body.error.code, 'VALIDATION_ERROR');
  assert.match(body.error.message, /balance is insufficient/);
  const after = await stored(h, p.id);
  assert.equal(after.amountRefunded, 0n);
  assert.equal(after.pendingOperation, null, 'the claim was not kept');
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 0n, available: 1000n, reserved: 0n });
  expectStatus(await refund(m, p.id, { amount: '10.00' }), 201);
});

test('a refund the processor declines releases the reserved funds', async () => {
  const m = await nativeMerchant(h);
  const p = await cardPayment(m, CARDS.succeeds, { amount: '100.00', currency: 'USD', description: 'sandbox:refund_declined' });
  const res = await refund(m, p.id, { amount: '10.00' });
  assert.equal(res.status, 402, res.text);
  assert.deepEqual(await balances(h, m.merchantId, 'USD'), { pending: 10000n, available: 0n, reserved: 0n });
  assert.deepEqual(await journalKinds(h, p.id), ['capture', 'hold', 'release']);
});

test('admin API: balances and a payment journal', async () => {
  const m = await nativeMerchant(h);
  const p = await cardPayment(m, CARDS.succeeds, { amount: '12.34', currency: 'USD' });
  const b = await admin(h, 'GET', `/merchants/${m.merchantId}/balances`);
  assert.deepEqual(b.body.data.balances, [{ account: 'pending', currency: 'USD', balance: '12.34' }]);
  const j = await admin(h, 'GET', `/merchants/${m.merchantId}/payments/${p.id}/journal`);
  assert.equal(j.body.data.data.length, 1);
  assert.deepEqual(j.body.data.data[0].entries, [
    { account: 'external:payers', amount: '-12.34' },
    { account: `merchant:${m.merchantId}:pending`, amount: '12.34' },
  ]);
  const other = await nativeMerchant(h);
  const hidden = await admin(h, 'GET', `/merchants/${other.merchantId}/payments/${p.id}/journal`);
  assert.equal(hidden.status, 404, "another merchant's payment is not found");
});
