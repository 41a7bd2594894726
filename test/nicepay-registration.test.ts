// NICEPAY registration through real HTTP: every payMethod, the tXid's shape, the method's own fields,
// referenceNo idempotency (identical re-send vs 9009), the transport rules of docs/nicepay-api.md,
// authentication and "Undefined: <field>" codes, and what is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startKasir } from './helpers/harness.ts';
import { countPayments } from './helpers/native.ts';
import {
  expectResult, IONPAYTEST, nicepayMerchant, post, referenceNo, register, registrationRequest, storedTx, timeStamp,
} from './helpers/nicepay.ts';
import { registrationToken } from '../src/dialects/nicepay/token.ts';
import { parseTxid, wibParts } from '../src/dialects/nicepay/txid.ts';
import { crc16 } from '../src/dialects/nicepay/qris.ts';

const h = await startKasir();
const m = await nicepayMerchant(h, IONPAYTEST);
const other = await nicepayMerchant(h, undefined, 'Other merchant');
const PATH = '/nicepay/direct/v2/registration';

function checkTxid(tXid: string, payMethod: string, body: any): void {
  assert.equal(tXid.length, 30, tXid);
  const parts = parseTxid(tXid);
  assert.ok(parts, tXid);
  assert.equal(parts.iMid, 'IONPAYTEST');
  assert.equal(parts.payMethod, payMethod);
  assert.equal(parts.transDt, body.transDt);
  assert.equal(parts.transTm, body.transTm);
  assert.deepEqual({ transDt: body.transDt, transTm: body.transTm }, wibParts(h.clock.now()));
}

test('card (01): tXid, response fields, stored payment awaiting the browser step', async () => {
  const req = registrationRequest(h, m, '01');
  const body = expectResult(await post(h, PATH, req), '0000', 'SUCCESS');
  checkTxid(body.tXid, '01', body);
  assert.equal(body.referenceNo, req.referenceNo);
  assert.equal(body.payMethod, '01');
  assert.equal(body.amt, '10000');
  assert.equal(body.description, 'Order description');
  const p = await storedTx(h, body.tXid);
  assert.equal(p.merchantId, m.merchantId);
  assert.equal(p.profile, 'nicepay');
  assert.equal(p.paymentMethod, 'card');
  assert.equal(p.status, 'requires_confirmation');
  assert.equal(p.amount, 1_000_000n, 'IDR is kept in minor units (exponent 2)');
  assert.equal(p.currency, 'IDR');
  assert.equal(p.nicepayReferenceNo, req.referenceNo);
  assert.equal(p.dialectData.notifyUrl, 'http://127.0.0.1:9/notify');
});

test('virtual account (02): vacctNo per bank ends with the tXid last 10 digits; validity echoed', async () => {
  const seen = new Set<string>();
  for (const bankCd of ['BMRI', 'CENA', 'BNIN', 'BRIN', 'BBBA', 'IBBK', 'HNBN', 'BNIA', 'BDIN']) {
    const req = registrationRequest(h, m, '02', { bankCd });
    const body = expectResult(await post(h, PATH, req), '0000');
    checkTxid(body.tXid, '02', body);
    assert.equal(body.bankCd, bankCd);
    assert.match(body.vacctNo, /^\d{14}$/);
    assert.ok(body.vacctNo.endsWith(body.tXid.slice(-10)), body.vacctNo);
    assert.equal(body.vacctValidDt, req.vacctValidDt);
    assert.equal(body.vacctValidTm, req.vacctValidTm);
    seen.add(body.vacctNo.slice(0, 4));
    const p = await storedTx(h, body.tXid);
    assert.equal(p.paymentMethod, 'va');
    assert.equal(p.methodType, bankCd);
    assert.equal(p.status, 'requires_action', 'issued at once: the buyer pays at the bank');
  }
  assert.equal(seen.size, 9, 'each bank has its own prefix');
});

test('VA without a validity gets 48 hours; a validity in the past or not a date is refused', async () => {
  const body = await register(h, m, '02', { vacctValidDt: '', vacctValidTm: '' });
  const due = wibParts(new Date(h.clock.now().getTime() + 48 * 3600_000));
  assert.equal(body.vacctValidDt, due.transDt);
  assert.equal(body.vacctValidTm, due.transTm);
  const p = await storedTx(h, body.tXid);
  assert.equal(p.expiresAt?.getTime(), h.clock.now().getTime() + 48 * 3600_000);
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { vacctValidDt: '20200101', vacctValidTm: '000000' })), '9099');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { vacctValidDt: '20251341', vacctValidTm: '000000' })), '9099');
});

test('CVS (03): payNo per store; e-wallet (05): mitraCd; QRIS (08): an EMV qrContent with a valid CRC', async () => {
  for (const mitraCd of ['ALMA', 'INDO']) {
    const body = await register(h, m, '03', { mitraCd });
    checkTxid(body.tXid, '03', body);
    assert.equal(body.mitraCd, mitraCd);
    assert.match(body.payNo, /^\d{13}$/);
    assert.ok(body.payValidDt && body.payValidTm);
    assert.equal((await storedTx(h, body.tXid)).status, 'requires_action');
  }
  for (const mitraCd of ['OVOE', 'LINK', 'DANA', 'ESHP']) {
    const body = await register(h, m, '05', { mitraCd });
    checkTxid(body.tXid, '05', body);
    assert.equal(body.mitraCd, mitraCd);
    const p = await storedTx(h, body.tXid);
    assert.equal(p.paymentMethod, 'wallet');
    assert.equal(p.status, 'requires_confirmation', 'an e-wallet waits for the browser step');
  }
  const qr = await register(h, m, '08');
  checkTxid(qr.tXid, '08', qr);
  assert.match(qr.qrContent, /^000201010212/);
  assert.ok(qr.qrContent.includes(qr.tXid));
  assert.equal(qr.qrContent.slice(-4), crc16(qr.qrContent.slice(0, -4)));
  assert.equal(crc16('123456789'), '29B1', 'CRC-16/CCITT-FALSE check value');
  assert.match(qr.qrUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
  const p = await storedTx(h, qr.tXid);
  assert.equal(p.paymentMethod, 'qris');
  assert.equal(p.status, 'requires_action');
});

test('tXid sequences are distinct within one second', async () => {
  const tx = await Promise.all(Array.from({ length: 8 }, () => register(h, m, '02')));
  const ids = new Set(tx.map((b) => b.tXid));
  assert.equal(ids.size, 8);
  assert.equal(new Set(tx.map((b) => b.tXid.slice(0, 26))).size, 1, 'same iMid, payMethod and second');
});

test('identical re-send returns the same tXid (even with a new timeStamp); a different one is 9009', async () => {
  const req = registrationRequest(h, m, '02');
  const first = expectResult(await post(h, PATH, req), '0000');
  const again = expectResult(await post(h, PATH, req), '0000');
  assert.deepEqual(again, first);
  h.clock.advance(5_000);
  const ts = timeStamp(h);
  const resent = { ...req, timeStamp: ts, merchantToken: registrationToken({ timeStamp: ts, iMid: m.iMid, referenceNo: String(req.referenceNo), amt: '10000', merchantKey: m.merchantKey }) };
  assert.deepEqual(expectResult(await post(h, PATH, resent), '0000'), first);
  // The same referenceNo for another order: refused, nothing created.
  const before = await countPayments(h, m.merchantId);
  const changed = registrationRequest(h, m, '02', { referenceNo: String(req.referenceNo), amt: '20000' });
  expectResult(await post(h, PATH, changed), '9009');
  expectResult(await post(h, PATH, { ...req, goodsNm: 'Something else' }), '9009');
  assert.equal(await countPayments(h, m.merchantId), before);
  // Another merchant may use the same referenceNo.
  expectResult(await post(h, PATH, registrationRequest(h, other, '02', { referenceNo: String(req.referenceNo) })), '0000');
});

test('a re-send after the idempotency record lapsed still finds the payment by referenceNo', async () => {
  const req = registrationRequest(h, m, '08');
  const first = expectResult(await post(h, PATH, req), '0000');
  await h.deps.core.db.query(`DELETE FROM idempotency_keys WHERE scope = 'nicepay-registration' AND key = $1`, [req.referenceNo]);
  assert.equal(expectResult(await post(h, PATH, req), '0000').tXid, first.tXid);
  await h.deps.core.db.query(`DELETE FROM idempotency_keys WHERE scope = 'nicepay-registration' AND key = $1`, [req.referenceNo]);
  expectResult(await post(h, PATH, { ...req, billingNm: 'Someone else' }), '9009');
});

test('transport: form body, Application/JSON, amt as a JSON number, empty optional fields, duplicate slashes', async () => {
  const form = registrationRequest(h, m, '02');
  const viaForm = expectResult(await post(h, PATH, form, { form: true }), '0000');
  assert.equal(viaForm.referenceNo, form.referenceNo);
  const upper = registrationRequest(h, m, '03');
  expectResult(await post(h, PATH, JSON.stringify(upper), { contentType: 'Application/JSON; charset=UTF-8' }), '0000');
  const formUpper = registrationRequest(h, m, '05');
  expectResult(await post(h, PATH, new URLSearchParams(formUpper as Record<string, string>).toString(), { contentType: 'APPLICATION/X-WWW-FORM-URLENCODED' }), '0000');
  const numeric = registrationRequest(h, m, '01', { amt: 15000 });
  const n = expectResult(await post(h, PATH, numeric), '0000');
  assert.equal(n.amt, '15000');
  assert.equal((await storedTx(h, n.tXid)).amount, 1_500_000n);
  const empties = registrationRequest(h, m, '01', { description: '', callBackUrl: '', userIP: '', cartData: '', instmntType: '', billingAddr: '' });
  expectResult(await post(h, PATH, empties), '0000');
  for (const contentType of ['', 'json', 'text/plain']) {
    expectResult(await post(h, PATH, JSON.stringify(registrationRequest(h, m, '08')), { contentType }), '0000');
  }
  for (const path of ['/nicepay//direct/v2/registration', '//nicepay/direct//v2/registration']) {
    expectResult(await post(h, path, registrationRequest(h, m, '02')), '0000');
  }
});

test('amt "10000.00" and cartData whose items add up are accepted; a cart that does not add up is 9023', async () => {
  expectResult(await post(h, PATH, registrationRequest(h, m, '01', { amt: '10000.00' })), '0000');
  const cart = JSON.stringify({ count: '2', item: [{ goods_name: 'A', goods_amt: '4000', goods_quantity: '1' }, { goods_name: 'B', goods_amt: '3000', goods_quantity: '2' }] });
  expectResult(await post(h, PATH, registrationRequest(h, m, '01', { cartData: cart })), '0000');
  const bad = JSON.stringify({ count: '1', item: [{ goods_name: 'A', goods_amt: '9999', goods_quantity: '1' }] });
  expectResult(await post(h, PATH, registrationRequest(h, m, '01', { cartData: bad })), '9023');
});

test('authentication: unknown iMid 9011, wrong token 9010, suspended merchant refused; nothing stored', async () => {
  const before = await countPayments(h, m.merchantId);
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { iMid: 'NOSUCHIMID' })), '9011', 'Invalid MID');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { merchantToken: 'a'.repeat(64) })), '9010', 'Invalid Merchant Token. Contact NICEPay for further information.');
  const req = registrationRequest(h, m, '02');
  expectResult(await post(h, PATH, { ...req, amt: '10001' }), '9010');
  expectResult(await post(h, PATH, registrationRequest(h, other, '02', { iMid: m.iMid })), '9010'); // another merchant's key
  assert.equal(await countPayments(h, m.merchantId), before);
  const suspended = await nicepayMerchant(h, undefined, 'Suspended');
  await h.deps.core.db.query(`UPDATE merchants SET status = 'suspended' WHERE id = $1`, [suspended.merchantId]);
  h.deps.credentials.invalidate();
  const r = await post(h, PATH, registrationRequest(h, suspended, '02'));
  assert.equal(r.status, 200);
  assert.notEqual(r.body.resultCd, '0000', r.text);
  assert.equal(await countPayments(h, suspended.merchantId), 0);
});

test('missing fields: "Undefined: <field>" with its code; bad values refused; HTTP 200 always', async () => {
  const cases: [string, string][] = [
    ['currency', '9013'], ['amt', '9007'], ['referenceNo', '9014'], ['goodsNm', '9015'], ['billingNm', '9016'],
    ['billingPhone', '9017'], ['billingEmail', '9018'], ['timeStamp', '9040'], ['iMid', '9041'], ['merchantToken', '9042'],
    ['payMethod', '9044'], ['dbProcessUrl', '9051'], ['billingCity', '9047'],
  ];
  for (const [field, code] of cases) {
    const req = registrationRequest(h, m, '02');
    delete req[field];
    expectResult(await post(h, PATH, req), code, `Undefined: ${field}`);
    expectResult(await post(h, PATH, { ...registrationRequest(h, m, '02'), [field]: '' }), code, `Undefined: ${field}`);
  }
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { bankCd: '' })), '9052', 'Undefined: bankCd');
  expectResult(await post(h, PATH, registrationRequest(h, m, '03', { mitraCd: '' })), '9053', 'Undefined: mitraCd');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { bankCd: 'XXXX' })), '9052');
  expectResult(await post(h, PATH, registrationRequest(h, m, '05', { mitraCd: 'ALMA' })), '9053');
  expectResult(await post(h, PATH, registrationRequest(h, m, '04')), '9044');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { currency: 'USD' })), '9013');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { amt: '0' })), '9007');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { amt: '100.50' })), '9007');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { dbProcessUrl: 'javascript:alert(1)' })), '9051');
  expectResult(await post(h, PATH, registrationRequest(h, m, '02', { referenceNo: 'R'.repeat(41) })), '9014');
  expectResult(await post(h, PATH, '{"iMid":', { contentType: 'application/json' }), '9012');
  expectResult(await post(h, PATH, '[1,2]', { contentType: 'application/json' }), '9012');
  expectResult(await post(h, PATH, '', { contentType: 'application/json' }), '9040', 'Undefined: timeStamp');
  const huge = JSON.stringify({ ...registrationRequest(h, m, '02'), padding: 'x'.repeat(200_000) });
  expectResult(await post(h, PATH, huge), '9012');
});

test('the contract\'s rate limit answers 9002 past rateLimitPerSecond, per merchant and per second', async () => {
  const limited = await nicepayMerchant(h, undefined, 'Rate-limited merchant');
  assert.equal((await admin(h, 'PATCH', `/merchants/${limited.merchantId}/contract`, { nicepay: { rateLimitPerSecond: 2 } })).status, 200);
  h.clock.advance(1000); // a fresh one-second window
  expectResult(await post(h, PATH, registrationRequest(h, limited, '02')), '0000');
  expectResult(await post(h, PATH, registrationRequest(h, limited, '02')), '0000');
  const before = await countPayments(h, limited.merchantId);
  expectResult(await post(h, PATH, registrationRequest(h, limited, '02')), '9002');
  assert.equal(await countPayments(h, limited.merchantId), before);
  expectResult(await post(h, PATH, registrationRequest(h, m, '02')), '0000', 'SUCCESS'); // other merchants are not limited
  h.clock.advance(1000);
  expectResult(await post(h, PATH, registrationRequest(h, limited, '02')), '0000');
});

test('credentials from the admin API: a generated 10-character iMid, or a given iMid and key', async () => {
  const created = await admin(h, 'POST', '/merchants', { name: 'Admin-made' });
  assert.equal(created.status, 201);
  const { iMid, merchantKey } = created.body.data.nicepay;
  assert.match(iMid, /^[A-Za-z0-9]{10}$/);
  const made = { merchantId: created.body.data.id, iMid, merchantKey, native: m.native };
  expectResult(await post(h, PATH, registrationRequest(h, made, '02')), '0000');
  const given = await admin(h, 'POST', '/merchants', { name: 'Given pair', nicepay: { iMid: 'ADMINTEST1', merchantKey: IONPAYTEST.merchantKey } });
  assert.equal(given.status, 201);
  assert.deepEqual(given.body.data.nicepay, { iMid: 'ADMINTEST1', merchantKey: IONPAYTEST.merchantKey });
  const pair = { merchantId: given.body.data.id, iMid: 'ADMINTEST1', merchantKey: IONPAYTEST.merchantKey, native: m.native };
  assert.equal(expectResult(await post(h, PATH, registrationRequest(h, pair, '08')), '0000').tXid.slice(0, 12), 'ADMINTEST108');
  assert.equal((await admin(h, 'POST', '/merchants', { name: 'Short', nicepay: { iMid: 'SHORT', merchantKey: 'k'.repeat(16) } })).status, 400);
  assert.equal((await admin(h, 'POST', '/merchants', { name: 'Taken', nicepay: { iMid: 'IONPAYTEST', merchantKey: 'k'.repeat(16) } })).status, 400);
});

test('unknown paths under /nicepay are a 404 with a JSON body', async () => {
  const r = await post(h, '/nicepay/direct/v2/nothing', {});
  assert.equal(r.status, 404);
  assert.match(r.body.resultMsg, /No such API/);
  const get = await fetch(h.baseUrl + '/nicepay/direct/v2/registration');
  assert.equal(get.status, 404);
  assert.equal(referenceNo().length > 3, true);
});
