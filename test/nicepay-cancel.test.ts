// NICEPAY cancel (seed 003) through real HTTP: every row of the code table in docs/nicepay-api.md, the
// success response, and what is stored after each answer (a refusal changes nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startKasir } from './helpers/harness.ts';
import {
  buyerPays, cancel, cancelRequest, CARDS, eventsOf, expectResult, IONPAYTEST, nicepayMerchant, paidCard, payByCard, payment,
  paymentFields, post, redirectTarget, register, storedTx,
} from './helpers/nicepay.ts';
import { cancelToken } from '../src/dialects/nicepay/token.ts';
import { parseTxid } from '../src/dialects/nicepay/txid.ts';

const h = await startKasir();
const m = await nicepayMerchant(h, IONPAYTEST);
const other = await nicepayMerchant(h, undefined, 'Other merchant');
const PATH = '/nicepay/direct/v2/cancel';
const DAY = 86_400_000;

/** Stored state that a refused cancel must leave exactly as it was. */
async function snapshot(tXid: string) {
  const p = await storedTx(h, tXid);
  return { status: p.status, amountCanceled: p.amountCanceled, version: p.version, events: (await eventsOf(h, p.id)).length };
}

async function expectRefused(tXid: string, res: Promise<Awaited<ReturnType<typeof cancel>>>, code: string, msg?: string) {
  const before = await snapshot(tXid);
  expectResult(await res, code, msg);
  assert.deepEqual(await snapshot(tXid), before, 'a refused cancel changes nothing');
}

test('full cancel of a paid card: the seed response, a reversal stored, status canceled', async () => {
  const reg = await paidCard(h, m);
  const body = expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '10000' }), '0000', 'SUCCESS');
  assert.deepEqual(Object.keys(body).sort(), ['amt', 'canceltXid', 'description', 'referenceNo', 'resultCd', 'resultMsg', 'tXid', 'transDt', 'transTm'].sort());
  assert.equal(body.tXid, reg.tXid);
  assert.equal(body.referenceNo, reg.referenceNo);
  assert.equal(body.transDt, reg.transDt, 'the original transaction date');
  assert.equal(body.transTm, reg.transTm);
  assert.equal(body.description, 'Order description');
  assert.equal(body.amt, '10000');
  assert.equal(body.canceltXid.length, 30);
  assert.equal(parseTxid(body.canceltXid)?.payMethod, '01');
  assert.notEqual(body.canceltXid, reg.tXid);
  const p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'canceled');
  assert.equal(p.amountCanceled, 1_000_000n);
  assert.equal(p.cancellationReason, 'Request Cancel');
  const last = (await eventsOf(h, p.id)).at(-1)!;
  assert.equal(last.type, 'canceled');
  assert.equal(last.data.kind, 'reversal');
  assert.equal(last.amount, 1_000_000n);
});

test('partial cancels are cumulative; the last one that empties the payment closes it', async () => {
  const reg = await paidCard(h, m);
  const r1 = expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '3000' }), '0000');
  assert.equal(r1.amt, '3000');
  let p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'succeeded');
  assert.equal(p.amountCanceled, 300_000n);
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '2000' }), '0000');
  // 9319: more than the 5000 that remain.
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '5001' }), '9319',
    'The amount you entered is larger than the amount you want to cancel.');
  // 9320: a full cancel after partial ones.
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '5000' }), '9320',
    'Can not cancel the entire data already partially canceled.');
  const r3 = expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '5000' }), '0000');
  assert.equal(r3.amt, '5000');
  p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'canceled');
  assert.equal(p.amountCanceled, 1_000_000n);
  const types = (await eventsOf(h, p.id)).map((e) => e.type);
  assert.deepEqual(types.filter((t) => t.includes('cancel')), ['partially_canceled', 'partially_canceled', 'canceled']);
  // 9315: nothing left, whichever type is asked for.
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '1' }), '9315', 'Cancel Ledger duplicate registration error.');
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '10000' }), '9315');
});

test('9010 wrong token, 9011 unknown iMid', async () => {
  const reg = await paidCard(h, m);
  const c = { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '10000' };
  await expectRefused(reg.tXid, cancel(h, m, c, { merchantToken: 'f'.repeat(64) }), '9010', 'Invalid Merchant Token. Contact NICEPay for further information.');
  // The token covers amt: changing amt after signing is a wrong token.
  const signed = cancelRequest(h, m, c);
  await expectRefused(reg.tXid, post(h, PATH, { ...signed, amt: '1' }), '9010');
  await expectRefused(reg.tXid, cancel(h, m, c, { iMid: 'NOSUCHIMID' }), '9011', 'Invalid MID');
});

test('9314: unknown tXid, another iMid\'s tXid, payMethod not the transaction\'s', async () => {
  const reg = await paidCard(h, m);
  const unknown = reg.tXid.slice(0, 26) + '9999';
  expectResult(await cancel(h, m, { tXid: unknown, payMethod: '01', cancelType: '1', amt: '10000' }), '9314', 'Can not cancel your request transaction number.');
  expectResult(await cancel(h, m, { tXid: 'garbage', payMethod: '01', cancelType: '1', amt: '10000' }), '9314');
  // Another merchant, with its own valid credentials, naming this merchant's tXid.
  await expectRefused(reg.tXid, cancel(h, other, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '10000' }), '9314');
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '02', cancelType: '1', amt: '10000' }), '9314');
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '05', cancelType: '2', amt: '100' }), '9314');
});

test('9321 amt zero, 9312 amt missing or not a whole number, 9301 cancelType not 1 or 2', async () => {
  const reg = await paidCard(h, m);
  const c = { tXid: reg.tXid, payMethod: '01', cancelType: '2' };
  await expectRefused(reg.tXid, cancel(h, m, { ...c, amt: '0' }), '9321', 'amount must be greater than zero');
  await expectRefused(reg.tXid, cancel(h, m, { ...c, cancelType: '1', amt: '0' }), '9321');
  const noAmt = cancelRequest(h, m, { ...c, amt: '' });
  delete noAmt.amt;
  await expectRefused(reg.tXid, post(h, PATH, noAmt), '9312', 'no cancellation amount');
  await expectRefused(reg.tXid, cancel(h, m, { ...c, amt: '' }), '9312');
  await expectRefused(reg.tXid, cancel(h, m, { ...c, amt: '12.5' }), '9312');
  for (const cancelType of ['3', '0', 'x', '12']) {
    await expectRefused(reg.tXid, cancel(h, m, { ...c, cancelType, amt: '100' }), '9301', 'Invalid Cancel Type.');
  }
});

test('VA and CVS: full cancel while unpaid; 9318 partial; 9330 once paid', async () => {
  for (const pm of ['02', '03']) {
    const unpaid = await register(h, m, pm);
    await expectRefused(unpaid.tXid, cancel(h, m, { tXid: unpaid.tXid, payMethod: pm, cancelType: '2', amt: '5000' }), '9318', 'Virtual account can not request to cancel');
    // Even a "partial" cancel of the whole amount is a partial cancel.
    await expectRefused(unpaid.tXid, cancel(h, m, { tXid: unpaid.tXid, payMethod: pm, cancelType: '2', amt: '10000' }), '9318');
    const ok = expectResult(await cancel(h, m, { tXid: unpaid.tXid, payMethod: pm, cancelType: '1', amt: '10000' }), '0000');
    assert.equal(ok.amt, '10000');
    const p = await storedTx(h, unpaid.tXid);
    assert.equal(p.status, 'canceled');
    assert.equal(p.nextAction, null);
    assert.equal((await eventsOf(h, p.id)).at(-1)!.data.kind, 'void');

    const paid = await register(h, m, pm);
    expectResult(await buyerPays(h, m, paid), '0000');
    await expectRefused(paid.tXid, cancel(h, m, { tXid: paid.tXid, payMethod: pm, cancelType: '1', amt: '10000' }), '9330',
      'Virtual account deposit has been completed can not be canceled.');
    await expectRefused(paid.tXid, cancel(h, m, { tXid: paid.tXid, payMethod: pm, cancelType: '2', amt: '100' }), '9330');
  }
});

test('e-wallet: full or partial after payment; QRIS: cancel while unpaid only', async () => {
  const wallet = await register(h, m, '05');
  const page = await payment(h, paymentFields(h, m, wallet));
  assert.match(page.text, /Approve/);
  expectResult(await buyerPays(h, m, wallet), '0000');
  expectResult(await cancel(h, m, { tXid: wallet.tXid, payMethod: '05', cancelType: '2', amt: '4000' }), '0000');
  expectResult(await cancel(h, m, { tXid: wallet.tXid, payMethod: '05', cancelType: '2', amt: '6000' }), '0000');
  const p = await storedTx(h, wallet.tXid);
  assert.equal(p.status, 'canceled');
  assert.equal(p.amountCanceled, 1_000_000n);

  const qr = await register(h, m, '08');
  expectResult(await cancel(h, m, { tXid: qr.tXid, payMethod: '08', cancelType: '1', amt: '10000' }), '0000');
  assert.equal((await storedTx(h, qr.tXid)).status, 'canceled');
  const paidQr = await register(h, m, '08');
  expectResult(await buyerPays(h, m, paidQr), '0000');
  await expectRefused(paidQr.tXid, cancel(h, m, { tXid: paidQr.tXid, payMethod: '08', cancelType: '1', amt: '10000' }), '9330');
});

test('card before payment: a full cancel voids it; a partial one cannot (9314)', async () => {
  const reg = await register(h, m, '01');
  await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '100' }), '9314');
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '10000' }), '0000');
  const p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'canceled');
  assert.equal(p.succeededAt, null);
  // 3-D Secure pending: void too.
  const threeDS = await register(h, m, '01');
  await payByCard(h, m, threeDS, CARDS.threeDS);
  assert.equal((await storedTx(h, threeDS.tXid)).status, 'requires_action');
  expectResult(await cancel(h, m, { tXid: threeDS.tXid, payMethod: '01', cancelType: '1', amt: '10000' }), '0000');
  // A declined card cannot be canceled.
  const declined = await register(h, m, '01');
  const page = await payByCard(h, m, declined, CARDS.declined);
  assert.notEqual(redirectTarget(page.text).searchParams.get('resultCd'), '0000');
  await expectRefused(declined.tXid, cancel(h, m, { tXid: declined.tXid, payMethod: '01', cancelType: '1', amt: '10000' }), '9314');
});

test('9331 / 9332: the merchant contract forbids cancel / partial cancel', async () => {
  const merchant = await nicepayMerchant(h, undefined, 'Contract merchant');
  const reg = await paidCard(h, merchant);
  const c = { tXid: reg.tXid, payMethod: '01' };
  assert.equal((await admin(h, 'PATCH', `/merchants/${merchant.merchantId}/contract`, { nicepay: { apis: { partialCancel: false } } })).status, 200);
  await expectRefused(reg.tXid, cancel(h, merchant, { ...c, cancelType: '2', amt: '100' }), '9332', 'The merchant can not be partial cancellation');
  assert.equal((await admin(h, 'PATCH', `/merchants/${merchant.merchantId}/contract`, { nicepay: { apis: { cancel: false } } })).status, 200);
  await expectRefused(reg.tXid, cancel(h, merchant, { ...c, cancelType: '1', amt: '10000' }), '9331', 'The merchant can not be canceled');
  await expectRefused(reg.tXid, cancel(h, merchant, { ...c, cancelType: '2', amt: '100' }), '9331');
  // Per-family rule: cards of this merchant may not be partially canceled.
  await admin(h, 'PUT', `/merchants/${merchant.merchantId}/contract`, { nicepay: { cancel: { card: { partial: false } } } });
  await expectRefused(reg.tXid, cancel(h, merchant, { ...c, cancelType: '2', amt: '100' }), '9332');
  expectResult(await cancel(h, merchant, { ...c, cancelType: '1', amt: '10000' }), '0000');
});

test('9334: older than 90 days', async () => {
  const reg = await paidCard(h, m);
  const started = h.clock.now().getTime();
  try {
    h.clock.advance(89 * DAY);
    expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '1000' }), '0000');
    h.clock.advance(2 * DAY);
    await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '1000' }), '9334', 'Cancellation period exceeds (limit 90 days)');
    await expectRefused(reg.tXid, cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '9000' }), '9334');
  } finally {
    h.clock.set(started);
  }
});

test('required fields: "Undefined: <field>" with its code', async () => {
  const reg = await paidCard(h, m);
  for (const [field, code] of [['timeStamp', '9040'], ['tXid', '9043'], ['iMid', '9041'], ['payMethod', '9044'], ['cancelType', '9045'], ['merchantToken', '9042']]) {
    const req = cancelRequest(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: '10000' });
    delete req[field];
    await expectRefused(reg.tXid, post(h, PATH, req), code, `Undefined: ${field}`);
  }
  // preauthToken may be absent or empty (clients send ""); form bodies work too.
  const req = cancelRequest(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '100' });
  delete req.preauthToken;
  expectResult(await post(h, PATH, req, { form: true }), '0000');
  expectResult(await post(h, '/nicepay//direct/v2/cancel', cancelRequest(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '100' })), '0000');
  expectResult(await post(h, PATH, '{"tXid":', { contentType: 'application/json' }), '9012');
});

test('amt as a JSON number and "5000.00" hash as canonical whole Rupiah', async () => {
  const reg = await paidCard(h, m);
  const ts = '20221214111239';
  const token = cancelToken({ timeStamp: ts, iMid: m.iMid, tXid: reg.tXid, amt: '5000', merchantKey: m.merchantKey });
  const body = { timeStamp: ts, tXid: reg.tXid, iMid: m.iMid, payMethod: '01', cancelType: '2', merchantToken: token, preauthToken: '', amt: 5000 };
  assert.equal(expectResult(await post(h, PATH, body), '0000').amt, '5000');
  expectResult(await post(h, PATH, { ...body, amt: '5000.00' }), '0000');
  assert.equal((await storedTx(h, reg.tXid)).status, 'canceled');
});

test('partial cancels show in the native dialect: amountCanceled and the events timeline', async () => {
  const reg = await paidCard(h, m);
  expectResult(await cancel(h, m, { tXid: reg.tXid, payMethod: '01', cancelType: '2', amt: '2500' }), '0000');
  const p = await storedTx(h, reg.tXid);
  const got = await m.native.request('GET', `/api/v1/payments/${p.id}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.data.amountCanceled, '2500.00');
  assert.equal(got.body.data.amount, '10000.00');
  assert.equal(got.body.data.status, 'succeeded');
  const events = await m.native.request('GET', `/api/v1/payments/${p.id}/events`);
  const partial = events.body.data.data.find((e: any) => e.type === 'partially_canceled');
  assert.ok(partial, events.text);
  assert.equal(partial.amount, '2500.00');
  assert.equal(partial.dialect, 'nicepay');
});
