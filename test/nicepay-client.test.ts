// A real third-party NICEPAY client, the `node-nicepay` package (a dev dependency, used unmodified),
// driving registration, inquiry and cancel against this Kasir: only its `url` option, the iMid and
// the merchant key differ from what its README shows for NICEPAY's own sandbox.
//
// How the package talks (node_modules/node-nicepay/src): setup({timeStamp, iMid, referenceNo | tXid,
// amt, merchantKey, url}) computes merchantToken (referenceNo formula, or the tXid formula when no
// referenceNo is given) and keeps the other setup fields, which every later call merges into its
// JSON body; requests go through axios to `nicepay/direct/v2/...` relative to `url`. It has no
// `payment` call (its README: "use POST, SUBMIT, or Redirect"), so the browser step here is a plain
// form POST, as a merchant's page would do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startKasir } from './helpers/harness.ts';
import { CARDS, IONPAYTEST, nicepayMerchant, payByCard, redirectTarget, storedTx, timeStamp } from './helpers/nicepay.ts';
import { wibParts } from '../src/dialects/nicepay/txid.ts';

// axios (under node-nicepay) honours proxy variables; these requests must go straight to loopback.
for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete process.env[k];

const require = createRequire(import.meta.url);
// The package ships no types; it is CommonJS: module.exports = class Nicepay.
const Nicepay = require('node-nicepay') as new () => any;

const h = await startKasir();
const m = await nicepayMerchant(h, IONPAYTEST);
const url = h.baseUrl + '/';
let n = 0;

/** A fresh client set up as the package's README does it. */
function client(setup: Record<string, unknown>): any {
  const np = new Nicepay().setup({ ...setup, url, merchantKey: setup.merchantKey ?? IONPAYTEST.merchantKey });
  assert.ok(np instanceof Nicepay, `setup failed: ${np?.message}`);
  return np;
}

function billing(payMethod: string, extra: Record<string, unknown> = {}) {
  return {
    currency: 'IDR',
    description: `Invoice No. ${n}`,
    goodsNm: 'Kopi Gayo 250g',
    billingNm: 'Siti Rahayu',
    billingPhone: '08111222333',
    billingEmail: 'siti@example.com',
    billingAddr: 'Jl. Sudirman 10',
    billingCity: 'Bandung',
    billingState: 'Jawa Barat',
    billingPostCd: '40111',
    billingCountry: 'Indonesia',
    userIP: '127.0.0.1',
    cartData: '{}',
    dbProcessUrl: 'http://127.0.0.1:9/notify',
    payMethod,
    ...extra,
  };
}

const later = wibParts(new Date(h.clock.now().getTime() + 2 * 86_400_000));

test('VA registration, inquiry, then a full cancel, all through node-nicepay', async () => {
  const referenceNo = `NODE-VA-${++n}`;
  const reg = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo, amt: 100000 }).VA(
    billing('02', { bankCd: 'CENA', vacctValidDt: later.transDt, vacctValidTm: later.transTm }),
  );
  assert.equal(reg.status, 200);
  const body = reg.data;
  assert.equal(body.resultCd, '0000', JSON.stringify(body));
  assert.equal(body.resultMsg, 'SUCCESS');
  assert.equal(body.referenceNo, referenceNo);
  assert.equal(body.amt, '100000');
  assert.equal(body.bankCd, 'CENA');
  assert.ok(body.vacctNo.endsWith(body.tXid.slice(-10)));
  assert.equal(body.request.merFixAcctId, '', 'the package sent its defaults');
  const stored = await storedTx(h, body.tXid);
  assert.equal(stored.amount, 10_000_000n);
  assert.equal(stored.status, 'requires_action');

  const inq = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo, amt: 100000 }).inquiry({ tXid: body.tXid });
  assert.equal(inq.data.resultCd, '0000', JSON.stringify(inq.data));
  assert.equal(inq.data.resultMsg, 'unpaid');
  assert.equal(inq.data.status, '3');
  assert.equal(inq.data.vacctNo, body.vacctNo);

  const can = await client({ timeStamp: timeStamp(h), iMid: m.iMid, tXid: body.tXid, amt: 100000 }).cancel({
    payMethod: '02', cancelType: '1', cancelMsg: 'Customer changed their mind', cancelUserId: 'admin',
  });
  assert.equal(can.data.resultCd, '0000', JSON.stringify(can.data));
  assert.equal(can.data.tXid, body.tXid);
  assert.equal(can.data.amt, '100000');
  assert.equal((await storedTx(h, body.tXid)).status, 'canceled');
  const after = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo, amt: 100000 }).inquiry({ tXid: body.tXid });
  assert.equal(after.data.resultMsg, 'expired');
  assert.equal(after.data.cancelAmt, '100000');
});

test('card registration (CC), browser payment, partial cancels and inquiry through node-nicepay', async () => {
  const referenceNo = `NODE-CC-${++n}`;
  const reg = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo, amt: '50000' }).CC(
    billing('01', { instmntType: '1', instmntMon: '1', recurrOpt: '0' }),
  );
  assert.equal(reg.data.resultCd, '0000', JSON.stringify(reg.data));
  const tXid = reg.data.tXid;
  const page = await payByCard(h, m, reg.data, CARDS.approved);
  assert.equal(redirectTarget(page.text).searchParams.get('resultCd'), '0000');

  const partial = await client({ timeStamp: timeStamp(h), iMid: m.iMid, tXid, amt: 20000 }).cancel({ payMethod: '01', cancelType: '2' });
  assert.equal(partial.data.resultCd, '0000', JSON.stringify(partial.data));
  assert.equal(partial.data.amt, '20000');
  const inq = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo, amt: '50000' }).inquiry({ tXid });
  assert.equal(inq.data.resultMsg, 'success');
  assert.equal(inq.data.cancelAmt, '20000');

  const tooMuch = await client({ timeStamp: timeStamp(h), iMid: m.iMid, tXid, amt: 30001 }).cancel({ payMethod: '01', cancelType: '2' });
  assert.equal(tooMuch.data.resultCd, '9319');
  const full = await client({ timeStamp: timeStamp(h), iMid: m.iMid, tXid, amt: 50000 }).cancel({ payMethod: '01', cancelType: '1' });
  assert.equal(full.data.resultCd, '9320');
  const rest = await client({ timeStamp: timeStamp(h), iMid: m.iMid, tXid, amt: 30000 }).cancel({ payMethod: '01', cancelType: '2' });
  assert.equal(rest.data.resultCd, '0000');
  const p = await storedTx(h, tXid);
  assert.equal(p.status, 'canceled');
  assert.equal(p.amountCanceled, 5_000_000n);
  const done = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo, amt: '50000' }).inquiry({ tXid });
  assert.equal(done.data.resultMsg, 'refund');
});

test('CVS and e-wallet registration through node-nicepay', async () => {
  const cvs = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo: `NODE-CVS-${++n}`, amt: 25000 }).CVS(
    billing('03', { mitraCd: 'INDO', payValidDt: later.transDt, payValidTm: later.transTm }),
  );
  assert.equal(cvs.data.resultCd, '0000', JSON.stringify(cvs.data));
  assert.match(cvs.data.payNo, /^2\d{12}$/);
  const wallet = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo: `NODE-EW-${++n}`, amt: 25000 }).eWallet(billing('05', { mitraCd: 'OVOE' }));
  assert.equal(wallet.data.resultCd, '0000', JSON.stringify(wallet.data));
  assert.equal((await storedTx(h, wallet.data.tXid)).paymentMethod, 'wallet');
});

test('errors come back as resultCd in a 200 answer, which the package returns rather than throws', async () => {
  const wrongKey = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo: `NODE-BAD-${++n}`, amt: 1000, merchantKey: 'not-the-key' }).VA(
    billing('02', { bankCd: 'BMRI', vacctValidDt: later.transDt, vacctValidTm: later.transTm }),
  );
  assert.equal(wrongKey.status, 200);
  assert.equal(wrongKey.data.resultCd, '9010');
  const unknown = await client({ timeStamp: timeStamp(h), iMid: 'UNKNOWNMID', referenceNo: `NODE-BAD-${++n}`, amt: 1000 }).VA(
    billing('02', { bankCd: 'BMRI', vacctValidDt: later.transDt, vacctValidTm: later.transTm }),
  );
  assert.equal(unknown.data.resultCd, '9011');
  // clickPay (payMethod 04) is a NICEPAY method Kasir does not offer.
  const click = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo: `NODE-CP-${++n}`, amt: 1000 }).clickPay(
    billing('04', { bankCd: 'BMRI', mRefNo: 'M1' }),
  );
  assert.equal(click.data.resultCd, '9044');
  const missing = await client({ timeStamp: timeStamp(h), iMid: m.iMid, referenceNo: 'NOT-REGISTERED', amt: 1000 }).inquiry({ tXid: 'IONPAYTEST01202501010000000000' });
  assert.equal(missing.data.resultCd, '9228');
});
