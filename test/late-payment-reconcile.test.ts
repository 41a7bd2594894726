// Funds that arrive after a cancel or an expiry, and reconciliation of every kind of timed-out
// processor call (docs/cancel-rules.md, issue "money you can trust").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { capturePayment } from '../src/core/payments/capture.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { sandboxes, withSandbox } from './helpers/processor-faults.ts';
import { buyerPays, cancel, capture, CARDS, cardPayment, createPayment, eventTypes, expectStatus, get, refund, stored } from './helpers/native.ts';
import { balances, journalKinds } from './helpers/ledger.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const LEASE = 31_000; // past the harness's 30 s processor-call lease

async function lateFundsReturned(id: string, status: 'canceled' | 'expired') {
  const p = await stored(h, id);
  assert.equal(p.status, status, 'never resurrected');
  assert.equal(p.amountReceived, 0n);
  assert.equal(p.pendingOperation, null);
  const events = await eventTypes(h, id);
  assert.ok(events.includes('late_payment_received') && events.includes('late_payment_reversed'), events.join());
  assert.ok(!events.includes('succeeded'), 'the merchant is never told "succeeded"');
  assert.deepEqual(await journalKinds(h, id), ['late_payment', 'hold', 'late_payment_reversal']);
}

test('paid after cancel: stays canceled, the late funds go back to the payer', async () => {
  const p = await createPayment(m, { paymentMethod: 'promptpay', confirm: true, currency: 'USD', amount: '10.00' });
  expectStatus(await cancel(m, p.id), 200);
  const paid = expectStatus(await buyerPays(m, p.id), 200).data;
  assert.equal(paid.status, 'canceled');
  await lateFundsReturned(p.id, 'canceled');
  assert.equal(expectStatus(await buyerPays(m, p.id), 400).error.code, 'VALIDATION_ERROR', 'a processor takes one payment per order');
});

test('paid after expiry: stays expired, the late funds go back', async () => {
  const p = await createPayment(m, { paymentMethod: 'wallet', confirm: true, currency: 'USD', amount: '10.00', expiresInSeconds: 60 });
  h.clock.advance(61_000);
  assert.equal(expectStatus(await get(m, p.id), 200).data.status, 'expired');
  expectStatus(await buyerPays(m, p.id), 200);
  await lateFundsReturned(p.id, 'expired');
});

test('paid after a U cancel: the buyer is refused while the cancel is unknown; the retry finishes the cancel', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual', currency: 'USD', amount: '10.00', description: 'sandbox:cancel_timeout' });
  assert.equal(expectStatus(await cancel(m, p.id), 503).error.code, 'OUTCOME_UNKNOWN');
  assert.equal((await stored(h, p.id)).pendingState, 'unknown');
  expectStatus(await buyerPays(m, p.id), 400);
  assert.equal((await stored(h, p.id)).status, 'requires_capture', 'still undecided, not paid');
  const report = await reconcileUnknown(h.deps.core);
  assert.equal(report.resolved, 1, JSON.stringify(report));
  assert.equal((await stored(h, p.id)).status, 'canceled');
  // Now closed: funds the buyer still manages to send are late funds and go back.
  expectStatus(await buyerPays(m, p.id), 200);
  await lateFundsReturned(p.id, 'canceled');
});

test('a late-funds reversal that times out stays reserved until the reconciler finishes it', async () => {
  const p = await createPayment(m, { currency: 'USD', amount: '10.00', description: 'sandbox:cancel_timeout' });
  expectStatus(await cancel(m, p.id), 200); // never submitted: no processor call, no attempt used
  expectStatus(await buyerPays(m, p.id), 200);
  const waiting = await stored(h, p.id);
  assert.equal(waiting.pendingOperation, 'late_reversal');
  assert.equal(waiting.pendingState, 'unknown');
  assert.ok((await balances(h, m.merchantId, 'USD')).reserved >= 1000n);
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 1);
  await lateFundsReturned(p.id, 'canceled');
});

test('reconciliation: a charge the issuer never answers stays processing until the buyer settles it', async () => {
  const p = await cardPayment(m, CARDS.timesOut, { currency: 'USD', amount: '10.00' });
  assert.equal(p.status, 'processing');
  for (let pass = 0; pass < 3; pass++) {
    h.clock.advance(LEASE); // a charge still pending is looked at again one lease later
    const report = await reconcileUnknown(h.deps.core);
    assert.equal(report.stillUnknown >= 1, true, JSON.stringify(report));
    assert.equal((await stored(h, p.id)).status, 'processing', 'the processor still has it pending: never guessed');
  }
  assert.deepEqual(await journalKinds(h, p.id), []);
  assert.equal(expectStatus(await buyerPays(m, p.id), 200).data.status, 'succeeded');
  assert.deepEqual(await journalKinds(h, p.id), ['capture']);
  const { rows } = await h.deps.core.db.query<{ status: string; result: { outcome: string; source: string } }>(
    `SELECT status, result FROM processor_operations WHERE payment_id = $1`, [p.id]);
  assert.deepEqual(rows.map((r) => [r.status, r.result.outcome, r.result.source]), [['completed', 'succeeded', 'buyer']]);
});

test('reconciliation: a timed-out capture, refund and cancel each finish once', async () => {
  const cap = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual', currency: 'USD', amount: '10.00', description: 'sandbox:capture_timeout' });
  assert.equal(expectStatus(await capture(m, cap.id), 503).error.code, 'OUTCOME_UNKNOWN');
  const ref = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '10.00', description: 'sandbox:refund_timeout' });
  assert.equal(expectStatus(await refund(m, ref.id, { amount: '4.00' }), 503).error.code, 'OUTCOME_UNKNOWN');
  const before = await balances(h, m.merchantId, 'USD');
  assert.ok(before.reserved >= 400n, 'an unknown refund keeps its funds reserved');
  const can = await createPayment(m, { paymentMethod: 'promptpay', confirm: true, currency: 'USD', amount: '10.00', description: 'sandbox:cancel_timeout' });
  assert.equal(expectStatus(await cancel(m, can.id), 503).error.code, 'OUTCOME_UNKNOWN');
  const report = await reconcileUnknown(h.deps.core);
  assert.equal(report.resolved, 3, JSON.stringify(report));
  assert.equal((await stored(h, cap.id)).status, 'succeeded');
  assert.equal((await stored(h, ref.id)).amountRefunded, 400n);
  assert.equal((await stored(h, can.id)).status, 'canceled');
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 0, 'nothing left');
  assert.equal((await balances(h, m.merchantId, 'USD')).reserved, 0n);
  assert.deepEqual(await eventTypes(h, ref.id), ['created', 'submitted', 'succeeded', 'outcome_unknown', 'refunded']);
});

/** A process that claimed a capture and died (its call hangs forever); `reached`: after the processor booked it. */
async function captureThenDie(reached: boolean) {
  const p = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual', currency: 'USD', amount: '10.00' });
  const sandbox = sandboxes(h.deps.core).sandbox;
  const dies = (async (...a: Parameters<typeof sandbox.capture>) => {
    if (reached) await sandbox.capture(...a);
    return new Promise<never>(() => {});
  }) as typeof sandbox.capture;
  const dying = withSandbox(h.deps.core, { ...sandbox, capture: dies });
  const ctx = { merchant: { id: m.merchantId, mode: 'test' as const, contract: {} }, dialect: 'native' as const, requestId: 'dead' };
  void capturePayment(dying, ctx, { ref: { id: p.id } });
  for (let i = 0; i < 100 && !(await stored(h, p.id)).pendingOperation; i++) await new Promise((r) => setTimeout(r, 10));
  return p;
}

test('reconciliation: a claim whose request died after the processor took the call is recorded from sync', async () => {
  const p = await captureThenDie(true);
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 0, 'a live lease is left alone');
  h.clock.advance(LEASE);
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 1);
  assert.equal((await stored(h, p.id)).status, 'succeeded');
  assert.deepEqual(await journalKinds(h, p.id), ['capture']);
});

test('reconciliation: a claim whose request died before calling the processor is rolled back', async () => {
  const p = await captureThenDie(false);
  h.clock.advance(LEASE);
  assert.equal((await reconcileUnknown(h.deps.core)).resolved, 1);
  const after = await stored(h, p.id);
  assert.equal(after.status, 'requires_capture', 'the processor never saw it: nothing was captured');
  assert.equal(after.pendingOperation, null);
  assert.deepEqual(await journalKinds(h, p.id), []);
  assert.deepEqual((await eventTypes(h, p.id)).slice(-1), ['operation_rolled_back']);
  expectStatus(await capture(m, p.id), 200); // and it can be captured for real now
});
