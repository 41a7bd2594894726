// The NICEPAY connector end to end: a downstream Kasir's live merchant sends its payments to a
// NICEPAY account at an upstream Kasir (whose NICEPAY dialect plays NICEPAY, its sandbox the bank).
// Callers use the downstream's NICEPAY and native dialects; buyers pay at the upstream; the upstream's
// notifications reach the downstream's connector notifyUrl and are confirmed there by inquiry.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createConnector } from '../src/core/connectors/accounts.ts';
import { setRoute } from '../src/core/connectors/routes.ts';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { pollAwaitingUpstream } from '../src/core/jobs/poll-upstream.ts';
import type { Payment } from '../src/core/payments/model.ts';
import { listOperations } from '../src/core/processors/operations.ts';
import { nicepayConnector } from '../src/processors/nicepay/connector.ts';
import { admin } from './helpers/harness.ts';
import { create, createPayment, expectStatus, cancel as nativeCancel, refund } from './helpers/native.ts';
import {
  buyerPays, cancel, cardFields, CARDS, eventsOf, expectResult, inquiry, payment, paymentFields, post, redirectTarget, register, registrationRequest, storedTx,
} from './helpers/nicepay.ts';
import {
  chargeOf, deliverUpstream, downPayment, formFields, liveShop, notify, paidNativeCard, paidNotification, refusedUrl, startPair, UPSTREAM,
  upstreamOf as upstreamOfIn, upstreamRef as upstreamRefIn,
} from './helpers/upstream-nicepay.ts';

const pair = await startPair();
const { up, down, upM } = pair;
const shop = await liveShop(pair);
const upstreamOf = (p: Payment) => upstreamOfIn(pair, p);
const upstreamRef = (p: Payment) => upstreamRefIn(pair, p);

test('VA: the registration goes upstream and the caller gets the upstream VA number; the buyer pays there, the notification is confirmed by inquiry', async () => {
  const reg = await register(down, shop, '02', { bankCd: 'BNIN' });
  const p = await storedTx(down, reg.tXid);
  assert.deepEqual([p.processor, p.status], [shop.account.id, 'requires_action']);
  const upP = await upstreamOf(p);
  // The upstream knows the charge by its operation id, for the same amount, notifies the account's
  // notifyUrl, and has the buyer's details.
  assert.deepEqual([upP.nicepayReferenceNo, upP.amount, upP.dialectData.bankCd, upP.dialectData.billingEmail, upP.dialectData.notifyUrl],
    [(await chargeOf(down, p.id)).id, p.amount, 'BNIN', 'budi@example.com', `${down.baseUrl}/connectors/${shop.account.id}/notify`]);
  // The caller sees its own tXid, and the upstream's VA number (never a sandbox one).
  assert.notEqual(reg.tXid, upP.nicepayTxid);
  assert.deepEqual([reg.vacctNo, reg.bankCd, p.dialectData.vacctNo], [upP.dialectData.vacctNo, 'BNIN', undefined]);
  assert.deepEqual({ type: p.nextAction?.type, accountNumber: p.nextAction?.accountNumber, upstreamTxid: p.nextAction?.upstreamTxid },
    { type: 'display_bank_transfer_instructions', accountNumber: upP.dialectData.vacctNo, upstreamTxid: upP.nicepayTxid });
  assert.equal(expectResult(await inquiry(down, shop, reg), '0000', 'unpaid').vacctNo, reg.vacctNo);

  // The buyer pays at the upstream; until its notification arrives the downstream knows nothing.
  expectResult(await buyerPays(up, upM, await upstreamRef(p)), '0000');
  assert.equal((await storedTx(down, reg.tXid)).status, 'requires_action');
  assert.ok((await deliverUpstream(pair)) >= 1);
  const paid = await storedTx(down, reg.tXid);
  assert.deepEqual([paid.status, paid.amountReceived], ['succeeded', p.amount]);
  assert.deepEqual((await eventsOf(down, p.id)).filter((e) => e.type === 'succeeded').map((e) => e.data.source), ['notification']);
  expectResult(await inquiry(down, shop, reg), '0000', 'paid');

  // The same notification again (NICEPAY resends until acknowledged): acknowledged, nothing more happens.
  const events = (await eventsOf(down, p.id)).length;
  assert.deepEqual(await notify(down, shop.account.id, paidNotification(await upstreamRef(p))), { status: 200, text: 'OK' });
  assert.equal((await eventsOf(down, p.id)).length, events);
  assert.equal((await storedTx(down, reg.tXid)).version, paid.version);
});

test('a notification is only a hint: a forged token is refused and changes nothing; a genuine one changes only what the inquiry confirms', async () => {
  const reg = await register(down, shop, '02');
  const p = await storedTx(down, reg.tXid);
  const ref = await upstreamRef(p);
  const events = (await eventsOf(down, p.id)).length;
  // Wrong key, another iMid's tXid, no token: 401, the upstream is not even asked.
  assert.equal((await notify(down, shop.account.id, paidNotification(ref, 'not-the-key'))).status, 401);
  const otherMid = { ...ref, tXid: 'OTHERMID01' + ref.tXid.slice(10) };
  assert.equal((await notify(down, shop.account.id, paidNotification(otherMid))).status, 401);
  const { merchantToken: _token, ...unsigned } = paidNotification(ref);
  assert.equal((await notify(down, shop.account.id, unsigned)).status, 401);
  // Correctly signed, says "paid" (JSON this time), but the buyer has not paid: the inquiry says unpaid.
  assert.deepEqual(await notify(down, shop.account.id, paidNotification(ref), false), { status: 200, text: 'OK' });
  assert.equal((await storedTx(down, reg.tXid)).version, p.version);
  assert.equal((await eventsOf(down, p.id)).length, events);
  // A referenceNo that is no charge of Kasir's (a payment made at NICEPAY directly): acknowledged, ignored.
  assert.deepEqual(await notify(down, shop.account.id, paidNotification({ ...ref, referenceNo: 'ORDER-MADE-ELSEWHERE' })), { status: 200, text: 'OK' });
  // An unknown account is a 404.
  assert.equal((await notify(down, 'con_doesnotexist000', paidNotification(ref))).status, 404);
});

test('a lost notification: the poller asks the upstream and applies what it says', async () => {
  const reg = await register(down, shop, '03', { mitraCd: 'INDO' });
  const p = await storedTx(down, reg.tXid);
  assert.deepEqual([reg.payNo, reg.mitraCd], [(await upstreamOf(p)).dialectData.payNo, 'INDO']);
  // Not paid yet: asked, nothing to apply.
  await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.equal((await storedTx(down, reg.tXid)).status, 'requires_action');
  expectResult(await buyerPays(up, upM, await upstreamRef(p)), '0000');
  // The upstream's notification never arrives (its delivery is not run); the poller finds the payment.
  const report = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.ok(report.applied >= 1, JSON.stringify(report));
  const paid = await storedTx(down, reg.tXid);
  assert.equal(paid.status, 'succeeded');
  assert.equal((await eventsOf(down, p.id)).find((e) => e.type === 'succeeded')?.data.source, 'sync');
  // The late notification afterwards changes nothing.
  await deliverUpstream(pair);
  assert.equal((await storedTx(down, reg.tXid)).version, paid.version);
});

test('full cancel of an unpaid VA, through the NICEPAY dialect and the native one: canceled upstream too', async () => {
  const reg = await register(down, shop, '02');
  const p = await storedTx(down, reg.tXid);
  const done = expectResult(await cancel(down, shop, { tXid: reg.tXid, payMethod: '02', cancelType: '1', amt: '10000' }), '0000');
  assert.deepEqual([done.tXid, done.amt, (await storedTx(down, reg.tXid)).status], [reg.tXid, '10000', 'canceled']);
  const upP = await upstreamOf(p);
  assert.deepEqual([upP.status, upP.amountCanceled], ['canceled', p.amount]);
  // The same cancel again is the dialect's "already canceled", decided downstream.
  expectResult(await cancel(down, shop, { tXid: reg.tXid, payMethod: '02', cancelType: '1', amt: '10000' }), '9315');

  const created = await createPayment(shop.native, { amount: '25000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true });
  assert.equal(created.status, 'requires_action');
  const native = await downPayment(pair, created.id);
  const upNative = await upstreamOf(native);
  // A native bank transfer is a VA at the default bank.
  assert.deepEqual([created.nextAction.accountNumber, upNative.dialectData.bankCd, upNative.amount], [upNative.dialectData.vacctNo, 'BMRI', 2_500_000n]);
  assert.equal(expectStatus(await nativeCancel(shop.native, created.id), 200).data.status, 'canceled');
  assert.equal((await upstreamOf(native)).status, 'canceled');
});

test('e-wallet: the buyer is sent on to the upstream payment page and approves there; partial cancels reach it as partial cancels', async () => {
  const reg = await register(down, shop, '05', { mitraCd: 'DANA' });
  assert.equal((await storedTx(down, reg.tXid)).status, 'requires_confirmation', 'an e-wallet is sent upstream at the payment step');
  const page = await payment(down, paymentFields(down, shop, reg));
  const target = redirectTarget(page.text);
  const p = await storedTx(down, reg.tXid);
  assert.equal(p.status, 'requires_action');
  assert.equal(target.origin + target.pathname, `${pair.proxy.url}/nicepay/direct/v2/payment`);
  assert.equal(target.searchParams.get('tXid'), p.processorRef);
  assert.equal(target.searchParams.get('callBackUrl'), 'https://merchant.example/return?order=1');
  assert.equal((await upstreamOf(p)).dialectData.mitraCd, 'DANA');
  // The buyer comes back to the payment step (a reload): the same upstream page, nothing sent again.
  assert.equal(redirectTarget((await payment(down, paymentFields(down, shop, reg))).text).href, target.href);
  assert.equal((await eventsOf(down, p.id)).filter((e) => e.type === 'submitted').length, 1);

  // At the upstream: its payment page (the token in the URL is valid there) shows the wallet's approval.
  const approval = await (await fetch(target)).text();
  const form = formFields(approval);
  assert.equal(form.tXid, p.processorRef, approval);
  const back = await post(up, '/nicepay/sandbox/pay', { ...form, outcome: 'paid' }, { form: true });
  const home = redirectTarget(back.text);
  assert.deepEqual([home.origin + home.pathname, home.searchParams.get('resultCd')], ['https://merchant.example/return', '0000']);
  await deliverUpstream(pair);
  assert.equal((await storedTx(down, reg.tXid)).status, 'succeeded');

  assert.equal(expectResult(await cancel(down, shop, { tXid: reg.tXid, payMethod: '05', cancelType: '2', amt: '3000' }), '0000').amt, '3000');
  for (const after of [await storedTx(down, reg.tXid), await upstreamOf(p)]) assert.deepEqual([after.status, after.amountCanceled], ['succeeded', 300_000n]);
  assert.equal(expectResult(await inquiry(up, upM, await upstreamRef(p)), '0000').cancelAmt, '3000');
  // The rest: still a partial cancel upstream (NICEPAY refuses a full cancel after partial ones).
  expectResult(await cancel(down, shop, { tXid: reg.tXid, payMethod: '05', cancelType: '2', amt: '7000' }), '0000');
  const closed = await storedTx(down, reg.tXid);
  for (const after of [closed, await upstreamOf(p)]) assert.deepEqual([after.status, after.amountCanceled], ['canceled', 1_000_000n]);
  // The upstream's reversal notifications arrive: confirmed by inquiry, they change nothing (never "late funds").
  assert.ok((await deliverUpstream(pair)) >= 2);
  assert.equal((await storedTx(down, reg.tXid)).version, closed.version);
  assert.ok(!(await eventsOf(down, p.id)).some((e) => e.type === 'late_payment_received'));
});

test('card through the native dialect: no card number through Kasir; the buyer types it on the upstream page; a partial refund is a partial cancel there', async () => {
  const withCard = { amount: '50000.00', currency: 'IDR', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.approvedVisa } } };
  assert.equal((await create(shop.native, withCard)).status, 403);
  const p = await paidNativeCard(pair, shop, '50000.00');
  assert.equal((await upstreamOf(p)).status, 'succeeded');
  assert.equal(expectStatus(await refund(shop.native, p.id, { amount: '12500.00' }), 201).data.status, 'succeeded');
  assert.equal((await downPayment(pair, p.id)).amountRefunded, 1_250_000n);
  const upAfter = await upstreamOf(p);
  assert.deepEqual([upAfter.status, upAfter.amountCanceled], ['succeeded', 1_250_000n]);
});

test("an upstream refusal reaches the caller as its dialect's refusal, and nothing changes", async () => {
  // A paid VA cannot be canceled at NICEPAY (9330). The native refund asks anyway.
  const created = await createPayment(shop.native, { amount: '10000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true });
  const p = await downPayment(pair, created.id);
  expectResult(await buyerPays(up, upM, await upstreamRef(p)), '0000');
  await deliverUpstream(pair);
  assert.equal((await downPayment(pair, created.id)).status, 'succeeded');
  const res = await refund(shop.native, created.id, {});
  assert.deepEqual([res.status, res.body.error.code], [400, 'VALIDATION_ERROR'], res.text);
  assert.match(res.body.error.message, /9330/);
  const after = await downPayment(pair, created.id);
  assert.deepEqual([after.status, after.amountRefunded, after.pendingOperation], ['succeeded', 0n, null]);
  const { rows } = await down.deps.core.db.query<{ status: string }>('SELECT status FROM refunds WHERE payment_id = $1', [p.id]);
  assert.deepEqual(rows.map((r) => r.status), ['failed']);
  assert.equal((await upstreamOf(p)).status, 'succeeded');

  // A NICEPAY-dialect merchant whose own contract lets it try: the upstream's 9330 comes back as 9330.
  const bold = await liveShop(pair, pair.proxy.url, 'Bold shop');
  assert.equal((await admin(down, 'PATCH', `/merchants/${bold.merchantId}/contract`, { nicepay: { cancel: { indonesian: { afterSuccess: true } } } })).status, 200);
  const reg = await register(down, bold, '02');
  const va = await storedTx(down, reg.tXid);
  expectResult(await buyerPays(up, upM, await upstreamRef(va)), '0000');
  await deliverUpstream(pair);
  assert.equal((await storedTx(down, reg.tXid)).status, 'succeeded');
  expectResult(await cancel(down, bold, { tXid: reg.tXid, payMethod: '02', cancelType: '1', amt: '10000' }), '9330',
    'Virtual account deposit has been completed can not be canceled.');
  const kept = await storedTx(down, reg.tXid);
  assert.deepEqual([kept.status, kept.amountCanceled, kept.pendingOperation], ['succeeded', 0n, null]);
  const last = (await listOperations(down.deps.core.db, va.id)).at(-1);
  assert.deepEqual([last?.kind, last?.status], ['reversal', 'refused']);
});

test("the registration's answer is lost (timeout): the outcome is unknown until the inquiry finds what the upstream made", async () => {
  pair.proxy.arm(/\/registration$/, { kind: 'hold' });
  const reg = await register(down, shop, '02');
  assert.equal(reg.vacctNo, null, 'no VA number is invented');
  const p = await storedTx(down, reg.tXid);
  assert.deepEqual([p.status, p.pendingState], ['processing', 'unknown']);
  const charge = await chargeOf(down, p.id);
  assert.equal(charge.status, 'unknown');
  assert.equal(await pair.proxy.release(), 1, 'the registration\'s answer was held');
  // The upstream did register it, once, under the charge's id.
  const { rows } = await up.deps.core.db.query<{ nicepay_txid: string }>('SELECT nicepay_txid FROM payments WHERE nicepay_reference_no = $1', [charge.id]);
  assert.equal(rows.length, 1);
  assert.equal((await reconcileUnknown(down.deps.core)).resolved, 1);
  const found = await storedTx(down, reg.tXid);
  const upP = await storedTx(up, rows[0].nicepay_txid);
  assert.deepEqual([found.status, found.processorRef, found.nextAction?.accountNumber], ['requires_action', upP.nicepayTxid, upP.dialectData.vacctNo]);
  assert.equal(expectResult(await inquiry(down, shop, reg), '0000', 'unpaid').vacctNo, upP.dialectData.vacctNo);
  assert.equal((await eventsOf(down, p.id)).find((e) => e.type === 'action_required')?.data.source, 'sync');
});

test('an account nobody answers for (connection refused) or that refuses the merchant is skipped for the next route; other currencies are no NICEPAY payment', async () => {
  const routed = await liveShop(pair, await refusedUrl(), 'Two routes');
  const second = await createConnector(down.deps.merchants, {
    merchantId: routed.merchantId, type: 'nicepay', name: 'NICEPAY backup', baseUrl: pair.proxy.url, ...nicepayConnector.parseSettings(UPSTREAM),
  });
  await setRoute(down.deps.merchants, { merchantId: routed.merchantId, connectorId: second.id, priority: 200 });
  const created = await createPayment(routed.native, { amount: '10000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true });
  const p = await downPayment(pair, created.id);
  assert.deepEqual([p.status, p.processor], ['requires_action', second.id]);
  assert.deepEqual((await listOperations(down.deps.core.db, p.id)).map((o) => [o.processor, o.status]), [[routed.account.id, 'rolled_back'], [second.id, 'completed']]);
  assert.equal((await eventsOf(down, p.id)).filter((e) => e.type === 'rerouted').length, 1);
  assert.equal(created.nextAction.accountNumber, (await upstreamOf(p)).dialectData.vacctNo);

  // USD: neither account can take it; nothing is sent, the caller may try again later.
  assert.equal((await create(routed.native, { amount: '10.00', currency: 'USD', paymentMethod: 'bank_transfer', confirm: true })).status, 503);
  // A wallet without a partner NICEPAY offers: the same.
  assert.equal((await create(routed.native, { amount: '10000.00', currency: 'IDR', paymentMethod: 'wallet', confirm: true })).status, 503);

  // The upstream suspends the merchant (9331): a definite "not available", before anything exists there.
  assert.equal((await admin(up, 'POST', `/merchants/${upM.merchantId}/suspend`)).status, 200);
  try {
    const count = async () => Number((await up.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments')).rows[0].n);
    const before = await count();
    expectResult(await post(down, '/nicepay/direct/v2/registration', registrationRequest(down, shop, '02')), '1004');
    assert.equal(await count(), before);
  } finally {
    assert.equal((await admin(up, 'POST', `/merchants/${upM.merchantId}/activate`)).status, 200);
  }
});

test('live card numbers never pass through Kasir: the payment step hands the refusal back, without card fields it sends the buyer upstream', async () => {
  const reg = await register(down, shop, '01');
  const refused = redirectTarget((await payment(down, paymentFields(down, shop, reg, cardFields(CARDS.approved)))).text);
  assert.equal(refused.searchParams.get('resultCd'), '9331');
  assert.equal((await storedTx(down, reg.tXid)).status, 'requires_confirmation');
  const onward = redirectTarget((await payment(down, paymentFields(down, shop, reg))).text);
  assert.equal(onward.pathname, '/nicepay/direct/v2/payment');
  const p = await storedTx(down, reg.tXid);
  assert.equal(onward.searchParams.get('tXid'), p.processorRef);
  assert.equal((await upstreamOf(p)).dialectData.payMethod, '01');
  // The sandbox buyer is test-mode only.
  expectResult(await buyerPays(down, shop, reg), '9331');
});

test('account settings: a 10-character iMid and a merchantKey, refused clearly otherwise', () => {
  assert.deepEqual(nicepayConnector.parseSettings({ iMid: 'IONPAYTEST', merchantKey: UPSTREAM.merchantKey }), { settings: { iMid: 'IONPAYTEST' }, secret: UPSTREAM.merchantKey });
  const refusal = (given: Record<string, string | undefined>) => {
    try {
      nicepayConnector.parseSettings(given);
    } catch (err) {
      return { code: (err as { code?: string }).code, field: (err as { field?: string }).field };
    }
    return null;
  };
  assert.deepEqual(refusal({ merchantKey: UPSTREAM.merchantKey }), { code: 'INVALID_PARAMETER', field: 'iMid' });
  assert.deepEqual(refusal({ iMid: 'SHORT', merchantKey: UPSTREAM.merchantKey }), { code: 'INVALID_PARAMETER', field: 'iMid' });
  assert.deepEqual(refusal({ iMid: 'IONPAYTEST' }), { code: 'INVALID_PARAMETER', field: 'merchantKey' });
  assert.deepEqual(refusal({ iMid: 'IONPAYTEST', merchantKey: `${UPSTREAM.merchantKey}\n` }), { code: 'INVALID_PARAMETER', field: 'merchantKey' });
});

test('a partial refund whose answer is lost is found by inquiry (cancelAmt), never sent twice', async () => {
  const p = await paidNativeCard(pair, shop, '40000.00');
  pair.proxy.arm(/\/cancel$/, { kind: 'hold' });
  const lost = await refund(shop.native, p.id, { amount: '15000.00' });
  assert.equal(lost.body?.error?.code, 'OUTCOME_UNKNOWN', lost.text);
  assert.equal(await pair.proxy.release(), 1, 'the cancel\'s answer was held');
  assert.equal((await upstreamOf(p)).amountCanceled, 1_500_000n, 'the upstream did cancel');
  const pending = await downPayment(pair, p.id);
  assert.deepEqual([pending.pendingOperation, pending.pendingState, pending.amountRefunded], ['refund', 'unknown', 0n]);
  // The same refund again: the inquiry shows it happened; it is recorded, not sent again.
  assert.equal(expectStatus(await refund(shop.native, p.id, { amount: '15000.00' }), 201).data.status, 'succeeded');
  assert.equal((await downPayment(pair, p.id)).amountRefunded, 1_500_000n);
  assert.equal((await upstreamOf(p)).amountCanceled, 1_500_000n, 'canceled once upstream');
  // A second refund of another amount is a new cancel, checked against the new total.
  expectStatus(await refund(shop.native, p.id, { amount: '5000.00' }), 201);
  assert.equal((await upstreamOf(p)).amountCanceled, 2_000_000n);
});
