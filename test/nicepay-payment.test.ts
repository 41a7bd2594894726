// The browser step, /nicepay/direct/v2/payment: an HTML page that hands the result back to the
// merchant's callBackUrl, driven by the sandbox cards (approved, declined, 3-D Secure, time-out)
// and, for e-wallets, the sandbox approval page; and the sandbox buyer for VA, CVS and QRIS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKasir } from './helpers/harness.ts';
import {
  buyerPays, cardFields, CARDS, eventsOf, expectResult, IONPAYTEST, nicepayMerchant, payByCard, payment, paymentFields, post,
  redirectTarget, register, storedTx,
} from './helpers/nicepay.ts';
import { paymentToken } from '../src/dialects/nicepay/token.ts';

const h = await startKasir();
const m = await nicepayMerchant(h, IONPAYTEST);
const other = await nicepayMerchant(h, undefined, 'Other merchant');

function handBack(page: { status: number; text: string; headers: Headers }): URL {
  assert.equal(page.status, 200, page.text);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(page.headers.get('location'), null, 'never a bare redirect');
  const target = redirectTarget(page.text);
  assert.match(page.text, /<meta http-equiv="refresh" content="0;url=/);
  assert.equal(target.origin + target.pathname, 'https://merchant.example/return');
  assert.equal(target.searchParams.get('order'), '1', 'the merchant\'s own parameters are kept');
  return target;
}

test('the published sandbox card 5123450000000008 (CVV 100) is approved; the result goes to callBackUrl', async () => {
  const reg = await register(h, m, '01');
  const page = await payByCard(h, m, reg, CARDS.approved);
  const q = handBack(page).searchParams;
  assert.equal(q.get('resultCd'), '0000');
  assert.equal(q.get('resultMsg'), 'SUCCESS');
  assert.equal(q.get('tXid'), reg.tXid);
  assert.equal(q.get('referenceNo'), reg.referenceNo);
  assert.equal(q.get('payMethod'), '01');
  assert.equal(q.get('amt'), '10000');
  assert.equal(q.get('transDt'), reg.transDt);
  assert.equal(q.get('transTm'), reg.transTm);
  assert.equal(q.get('description'), 'Order description');
  assert.equal(q.get('cardNo'), '512345******0008', 'masked');
  assert.match(q.get('authNo') ?? '', /^\d{6}$/);
  assert.ok(!page.text.includes('5123450000000008'), 'the full card number never appears');
  const p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'succeeded');
  assert.equal(p.amountReceived, 1_000_000n);
  assert.deepEqual((await eventsOf(h, p.id)).map((e) => e.type), ['created', 'submitted', 'succeeded']);
  // A second submission of the same page does not pay twice.
  const again = handBack(await payByCard(h, m, reg, CARDS.approved)).searchParams;
  assert.notEqual(again.get('resultCd'), '0000');
  assert.equal((await eventsOf(h, p.id)).length, 3);
});

test('declined cards hand back a failure and store payment_failed', async () => {
  for (const card of [CARDS.declined, CARDS.insufficientFunds, '4111111111111112']) {
    const reg = await register(h, m, '01');
    const q = handBack(await payByCard(h, m, reg, card)).searchParams;
    assert.notEqual(q.get('resultCd'), '0000', card);
    assert.equal(q.get('resultMsg'), 'Payment declined');
    assert.equal((await storedTx(h, reg.tXid)).status, 'payment_failed');
  }
});

test('3-D Secure cards show the challenge page; authenticating pays, failing it declines', async () => {
  for (const [outcome, status, code] of [['paid', 'succeeded', '0000'], ['failed', 'payment_failed', null]] as const) {
    const reg = await register(h, m, '01');
    const page = await payByCard(h, m, reg, CARDS.threeDS);
    assert.match(page.text, /Sandbox 3-D Secure/);
    assert.match(page.text, /<form id="challenge" method="post" action="\/nicepay\/sandbox\/pay">/);
    assert.equal((await storedTx(h, reg.tXid)).status, 'requires_action');
    // Submitting the page's form as the browser would.
    const fields = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((x) => [x[1], x[2].replace(/&amp;/g, '&')]));
    assert.equal(fields.tXid, reg.tXid);
    const done = await post(h, '/nicepay/sandbox/pay', { ...fields, outcome }, { form: true });
    const q = handBack(done).searchParams;
    if (code) assert.equal(q.get('resultCd'), code);
    else assert.notEqual(q.get('resultCd'), '0000');
    assert.equal((await storedTx(h, reg.tXid)).status, status);
  }
});

test('a card that times out hands back 1004 and stays processing until reconciled', async () => {
  const reg = await register(h, m, '01');
  const q = handBack(await payByCard(h, m, reg, CARDS.timesOut)).searchParams;
  assert.equal(q.get('resultCd'), '1004');
  assert.equal((await storedTx(h, reg.tXid)).status, 'processing');
});

test('e-wallet: the approval page, then approve → paid or decline → failed', async () => {
  for (const [outcome, status] of [['paid', 'succeeded'], ['failed', 'payment_failed']] as const) {
    const reg = await register(h, m, '05', { mitraCd: 'DANA' });
    const page = await payment(h, paymentFields(h, m, reg));
    assert.equal(page.status, 200);
    assert.match(page.text, /Sandbox e-wallet \(DANA\)/);
    assert.equal((await storedTx(h, reg.tXid)).status, 'requires_action');
    // Opening the page again shows the same approval, without a second submission to the processor.
    assert.match((await payment(h, paymentFields(h, m, reg))).text, /Sandbox e-wallet/);
    const fields = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((x) => [x[1], x[2].replace(/&amp;/g, '&')]));
    const q = handBack(await post(h, '/nicepay/sandbox/pay', { ...fields, outcome }, { form: true })).searchParams;
    assert.equal(q.get('mitraCd'), 'DANA');
    assert.equal((await storedTx(h, reg.tXid)).status, status);
    assert.equal((await eventsOf(h, (await storedTx(h, reg.tXid)).id)).filter((e) => e.type === 'submitted').length, 1);
  }
});

test('GET works too; callBackUrl may come from registration', async () => {
  const reg = await register(h, m, '01');
  const f = { ...paymentFields(h, m, reg, cardFields(CARDS.approved)) } as Record<string, string>;
  delete f.callBackUrl;
  const res = await fetch(`${h.baseUrl}/nicepay/direct/v2/payment?${new URLSearchParams(f)}`);
  const q = handBack({ status: res.status, text: await res.text(), headers: res.headers }).searchParams;
  assert.equal(q.get('resultCd'), '0000');
});

test('refused without redirecting: wrong token, unknown tXid, another iMid, no callBackUrl', async () => {
  const reg = await register(h, m, '01', { callBackUrl: '' });
  const cases: Record<string, string>[] = [
    paymentFields(h, m, reg, { ...cardFields(CARDS.approved), merchantToken: 'b'.repeat(64) }),
    paymentFields(h, m, { ...reg, tXid: reg.tXid.slice(0, 26) + '9998' }, cardFields(CARDS.approved)),
    paymentFields(h, other, reg, cardFields(CARDS.approved)), // another merchant's key for this tXid
    paymentFields(h, m, reg, { ...cardFields(CARDS.approved), callBackUrl: '' }),
    paymentFields(h, m, reg, { ...cardFields(CARDS.approved), callBackUrl: 'javascript:alert(1)' }),
  ];
  // An unknown tXid is refused like a wrong token: the page never tells who may exist (9010).
  const expected = ['9010', '9010', '9010', '9056', '9056'];
  for (const [i, fields] of cases.entries()) {
    const page = await payment(h, fields);
    assert.equal(page.status, 200);
    assert.match(page.text, /Payment request refused/);
    assert.ok(!page.text.includes('id="continue"'), 'no redirect');
    assert.match(page.text, new RegExp(`<code id="resultCd">${expected[i]}</code>`), page.text);
  }
  assert.equal((await storedTx(h, reg.tXid)).status, 'requires_confirmation', 'nothing happened');
});

test('bad card fields are handed back as errors and change nothing', async () => {
  const reg = await register(h, m, '01');
  for (const [extra, code] of [
    [{ cardNo: '' }, '9057'], [{ cardNo: '12ab' }, '9057'], [{ cardExpYymm: '2013' }, '9058'], [{ cardExpYymm: '1001' }, '9058'],
    [{ cardCvv: '' }, '9059'], [{ cardCvv: '12' }, '9059'],
  ] as [Record<string, string>, string][]) {
    const q = handBack(await payment(h, paymentFields(h, m, reg, { ...cardFields(CARDS.approved), ...extra }))).searchParams;
    assert.equal(q.get('resultCd'), code, JSON.stringify(extra));
  }
  assert.equal((await storedTx(h, reg.tXid)).status, 'requires_confirmation');
});

test('VA, CVS and QRIS are not paid through payment; the sandbox buyer pays them (JSON)', async () => {
  for (const pm of ['02', '03', '08']) {
    const reg = await register(h, m, pm);
    const q = handBack(await payment(h, paymentFields(h, m, reg))).searchParams;
    assert.notEqual(q.get('resultCd'), '0000');
    assert.equal((await storedTx(h, reg.tXid)).status, 'requires_action');
    const paid = expectResult(await buyerPays(h, m, reg), '0000', 'SUCCESS');
    assert.equal(paid.status, '0');
    assert.equal(paid.tXid, reg.tXid);
    const p = await storedTx(h, reg.tXid);
    assert.equal(p.status, 'succeeded');
    assert.ok(p.succeededAt);
    // Paying again is refused.
    assert.notEqual((await buyerPays(h, m, reg)).body.resultCd, '0000');
  }
  const reg = await register(h, m, '02');
  expectResult(await buyerPays(h, m, { ...reg, amt: '1' }), '9010');
  const ts = '20250101000000';
  const token = paymentToken({ timeStamp: ts, iMid: m.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: m.merchantKey });
  expectResult(await post(h, '/nicepay/sandbox/pay', { timeStamp: ts, tXid: reg.tXid, merchantToken: token, outcome: 'failed' }), '0000');
  assert.equal((await storedTx(h, reg.tXid)).status, 'payment_failed');
});
