// Contract tests from the published examples. Seed 003's cancel request and response
// (test/fixtures/nicepay/) replayed against a transaction made to carry the seed's very tXid, and
// NICEPAY's published sandbox requests (docs/nicepay-api.md token vectors) sent with their published
// merchantTokens, byte for byte. The tXid's sequence is the database's: setval() makes the next one
// the published number, and the clock is set to the published registration time (WIB).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startKasir } from './helpers/harness.ts';
import { expectResult, IONPAYTEST, nicepayMerchant, payByCard, post, register, storedTx } from './helpers/nicepay.ts';
import { cancelToken } from '../src/dialects/nicepay/token.ts';
import { parseTxid } from '../src/dialects/nicepay/txid.ts';

const h = await startKasir();
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/nicepay/${name}`, import.meta.url), 'utf8'));

/** The clock at the WIB time a tXid names, and the sequence so that the next tXid is exactly it. */
async function prepareFor(tXid: string): Promise<void> {
  const t = parseTxid(tXid)!;
  const d = t.transDt;
  const tm = t.transTm;
  h.clock.set(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${tm.slice(0, 2)}:${tm.slice(2, 4)}:${tm.slice(4, 6)}+07:00`);
  await h.deps.core.db.query(`SELECT setval('nicepay_txid_seq', $1)`, [t.sequence - 1]);
}

test('seed 003: the cancel request gets the seed response (same fields and values, plus canceltXid)', async () => {
  const request = fixture('seed-003-cancel-request.json');
  const expected = fixture('seed-003-cancel-response.json');
  const m = await nicepayMerchant(h, { iMid: request.iMid, merchantKey: 'seed-003-merchant-key' }, 'Seed 003 merchant');
  await prepareFor(request.tXid);
  const reg = await register(h, m, request.payMethod, { referenceNo: expected.referenceNo, amt: request.amt, description: expected.description });
  assert.equal(reg.tXid, request.tXid, 'the seed transaction, as Kasir registered it');
  await payByCard(h, m, reg);
  assert.equal((await storedTx(h, reg.tXid)).status, 'succeeded');

  // The seed's token was made with a key nobody published: it is refused, and nothing changes.
  expectResult(await post(h, '/nicepay/direct/v2/cancel', request), '9010');
  assert.equal((await storedTx(h, reg.tXid)).status, 'succeeded');

  // The same request signed with this merchant's key, every other field as in the seed.
  const merchantToken = cancelToken({ timeStamp: request.timeStamp, iMid: request.iMid, tXid: request.tXid, amt: request.amt, merchantKey: m.merchantKey });
  const res = await post(h, '/nicepay/direct/v2/cancel', { ...request, merchantToken });
  const body = expectResult(res, '0000', 'SUCCESS');
  const { canceltXid, ...rest } = body;
  assert.deepEqual(rest, expected);
  assert.deepEqual(Object.keys(body).sort(), [...Object.keys(expected), 'canceltXid'].sort());
  for (const [k, v] of Object.entries(body)) assert.equal(typeof v, 'string', `${k} is a string, as NICEPAY sends it`);
  assert.equal(canceltXid.length, 30);
  assert.equal(canceltXid.slice(0, 12), 'TESTIDTEST01');
  const p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'canceled');
  assert.equal(p.amountCanceled, 1_000_000n);
  assert.equal(p.cancellationReason, 'Request Cancel');
  // Sent again: already canceled.
  expectResult(await post(h, '/nicepay/direct/v2/cancel', { ...request, merchantToken }), '9315');
});

const ion = await nicepayMerchant(h, IONPAYTEST);

test('published registration request: its merchantToken is accepted as sent', async () => {
  const body = expectResult(await post(h, '/nicepay/direct/v2/registration', {
    timeStamp: '20250131004620', iMid: 'IONPAYTEST', payMethod: '02', currency: 'IDR', amt: '100', referenceNo: 'NICEPAYVA111213',
    goodsNm: 'Goods', billingNm: 'NICEPAY Test', billingPhone: '08123456789', billingEmail: 'test@example.com', billingAddr: 'Jalan',
    billingCity: 'Jakarta', billingState: 'DKI Jakarta', billingPostCd: '12345', billingCountry: 'Indonesia',
    dbProcessUrl: 'https://merchant.example/dbProcess', description: 'Virtual account test', cartData: '{}', bankCd: 'CENA',
    vacctValidDt: '', vacctValidTm: '', merFixAcctId: '',
    merchantToken: '60a41b65d95977ba5bb8c360795f5862a58cf09a77777a8f6cae6e2a980f5124',
  }), '0000', 'SUCCESS');
  assert.equal(body.referenceNo, 'NICEPAYVA111213');
  assert.equal(body.amt, '100');
  assert.ok(body.vacctNo.endsWith(body.tXid.slice(-10)));
});

test('published inquiry request: its merchantToken is accepted, found by referenceNo', async () => {
  const reg = await register(h, ion, '01', { referenceNo: 'OrdNo20166153345260', amt: '1000' });
  const body = expectResult(await post(h, '/nicepay/direct/v2/inquiry', {
    timeStamp: '20250131005524', iMid: 'IONPAYTEST', referenceNo: 'OrdNo20166153345260', amt: '1000',
    merchantToken: 'ae81bdc31418ef1d46f737ea93048d80e6daa60d986f9b35562ce19c093b4102',
  }), '0000', 'init');
  assert.equal(body.tXid, reg.tXid);
  assert.equal(body.status, '9');
});

test('published partial cancel of IONPAYTEST01202212141146401456 (5000 of it)', async () => {
  await prepareFor('IONPAYTEST01202212141146401456');
  const reg = await register(h, ion, '01', { amt: '15000' });
  assert.equal(reg.tXid, 'IONPAYTEST01202212141146401456');
  await payByCard(h, ion, reg);
  const body = expectResult(await post(h, '/nicepay/direct/v2/cancel', {
    timeStamp: '20221214111239', tXid: 'IONPAYTEST01202212141146401456', iMid: 'IONPAYTEST', payMethod: '01', cancelType: '2',
    merchantToken: 'ff139e49606387091cd9baeadff3161aff6afd9406e1f481e0fdb8b46d1ae5ae', referenceNo: reg.referenceNo, amt: '5000',
    cancelMsg: 'Cancellation Of Transaction', cancelServerIp: '127.0.0.1', cancelUserId: 'Admin', cancelUserIp: '127.0.0.1',
    cancelUserInfo: 'Test Cancel', cancelRetryCnt: '5', worker: 'Worker',
  }), '0000', 'SUCCESS');
  assert.equal(body.amt, '5000');
  assert.equal(body.transDt, '20221214');
  assert.equal(body.transTm, '114640');
  const p = await storedTx(h, reg.tXid);
  assert.equal(p.status, 'succeeded');
  assert.equal(p.amountCanceled, 500_000n);
});

test('published full cancel of NORMALTEST02202501241048477051 (an unpaid VA)', async () => {
  const normal = await nicepayMerchant(h, { iMid: 'NORMALTEST', merchantKey: IONPAYTEST.merchantKey }, 'NORMALTEST');
  await prepareFor('NORMALTEST02202501241048477051');
  const reg = await register(h, normal, '02', { amt: '10000', vacctValidDt: '20250207', vacctValidTm: '235959' });
  assert.equal(reg.tXid, 'NORMALTEST02202501241048477051');
  h.clock.set('2025-01-31T01:01:49+07:00');
  const body = expectResult(await post(h, '/nicepay/direct/v2/cancel', {
    timeStamp: '20250131010149', tXid: 'NORMALTEST02202501241048477051', iMid: 'NORMALTEST', payMethod: '02', cancelType: '1', amt: '10000',
    merchantToken: '9a988de03c0cfe5189af3a53e758ee03361d84127ce599040d1875232df3cdd2', preauthToken: '', cancelMsg: 'Request Cancel',
  }), '0000', 'SUCCESS');
  assert.equal(body.amt, '10000');
  assert.equal((await storedTx(h, reg.tXid)).status, 'canceled');
});
