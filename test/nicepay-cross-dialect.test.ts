// One payment, three views: a NICEPAY card payment partially canceled through NICEPAY shows the
// same amounts and timeline through the native API and through Antom's inquiryPayment. And the
// ledger's balance check refuses a NICEPAY cancel that would give back money already paid out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMerchant } from '../src/core/merchants/merchants.ts';
import { admin, nativeClientFor, startKasir } from './helpers/harness.ts';
import { settleDue } from '../src/core/jobs/settlement.ts';
import { antomClientFor, expectResult as expectAntom } from './helpers/antom.ts';
import { cancel, expectResult, payByCard, register, storedTx, type NicepayMerchant } from './helpers/nicepay.ts';

const h = await startKasir();
const created = await createMerchant(h.deps.merchants, 'Three dialects');
const m: NicepayMerchant = {
  merchantId: created.merchant.id,
  iMid: created.nicepay.iMid,
  merchantKey: created.nicepay.merchantKey,
  native: nativeClientFor(h, created.merchant.id, created.native.apiKey, created.native.apiSecret),
};
const antom = antomClientFor(h, created);

test('a NICEPAY partial cancel appears in the native and the Antom views of the payment', async () => {
  const reg = await register(h, m, '01');
  await payByCard(h, m, reg);
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '3000' }), '0000');
  const stored = await storedTx(h, reg.tXid);
  assert.equal(stored.amountCanceled, 300_000n, 'Rp 3,000 in minor units');

  const native = await m.native.request('GET', `/api/v1/payments/${stored.id}`);
  assert.equal(native.status, 200, native.text);
  assert.equal(native.body.data.status, 'succeeded');
  assert.equal(native.body.data.amount, '10000.00');
  assert.equal(native.body.data.amountCanceled, '3000.00');
  const events = await m.native.request('GET', `/api/v1/payments/${stored.id}/events`);
  assert.deepEqual(events.body.data.data.map((e: { type: string }) => e.type).slice(-2), ['succeeded', 'partially_canceled']);

  const inquiry = expectAntom(await antom.call('inquiryPayment', { paymentId: stored.antomPaymentId }), 'SUCCESS', 'S');
  assert.equal(inquiry.paymentStatus, 'SUCCESS');
  const cancels = inquiry.transactions.filter((t: { transactionType: string }) => t.transactionType === 'CANCEL');
  assert.deepEqual(cancels.map((t: { transactionAmount: unknown }) => t.transactionAmount), [{ currency: 'IDR', value: '300000' }]);
});

test('the balance check is real in NICEPAY too: a cancel of settled, paid-out funds is refused (9314)', async () => {
  const reg = await register(h, m, '01');
  await payByCard(h, m, reg);
  await settleDue(h.deps.core, 0);
  const b = await admin(h, 'GET', `/merchants/${m.merchantId}/balances`);
  const available = b.body.data.balances.find((x: { account: string }) => x.account === 'available').balance;
  assert.equal((await admin(h, 'POST', `/merchants/${m.merchantId}/payouts`, { currency: 'IDR', amount: available })).status, 201);
  const refused = await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '1000' });
  assert.equal(refused.body.resultCd, '9314', refused.text);
  const after = await storedTx(h, reg.tXid);
  assert.equal(after.amountCanceled, 0n);
  assert.equal(after.pendingOperation, null);
});
