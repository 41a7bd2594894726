// Helpers for the NICEPAY dialect tests: merchants with NICEPAY credentials, requests built and
// tokenised the way NICEPAY clients build them, and what the database holds for a tXid.
import assert from 'node:assert/strict';
import { createMerchant } from '../../src/core/merchants/merchants.ts';
import type { Payment } from '../../src/core/payments/model.ts';
import { PAYMENT_SELECT, rowToPayment } from '../../src/core/payments/model.ts';
import { cancelToken, inquiryToken, paymentToken, registrationToken } from '../../src/dialects/nicepay/token.ts';
import { wibParts } from '../../src/dialects/nicepay/txid.ts';
import { nativeClientFor, readResponse, type Harness, type NativeClient } from './harness.ts';

/** NICEPAY's published sandbox pair (docs/nicepay-api.md). An iMid is unique: one merchant per database holds it. */
export const IONPAYTEST = {
  iMid: 'IONPAYTEST',
  merchantKey: '33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A==',
};

export const CARDS = {
  approved: '5123450000000008', // NICEPAY's published sandbox card (CVV 100, any future expiry)
  approvedVisa: '4242424242424242',
  threeDS: '4000002500003155',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  timesOut: '4000000000000119',
} as const;

export interface NicepayMerchant {
  merchantId: string;
  iMid: string;
  merchantKey: string;
  native: NativeClient;
}

export async function nicepayMerchant(h: Harness, given?: { iMid: string; merchantKey: string }, name = 'NICEPAY merchant'): Promise<NicepayMerchant> {
  const { merchant, native, nicepay } = await createMerchant(h.deps.merchants, name, given ? { nicepay: given } : {});
  return { merchantId: merchant.id, iMid: nicepay.iMid, merchantKey: nicepay.merchantKey, native: nativeClientFor(h, merchant.id, native.apiKey, native.apiSecret) };
}

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** POSTs fields as JSON (default) or as a form, or a raw string body with the given content type. */
export async function post(h: Harness, path: string, body: Record<string, unknown> | string, opts: { form?: boolean; contentType?: string } = {}): Promise<Reply> {
  const text = typeof body === 'string' ? body : opts.form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body);
  const contentType = opts.contentType ?? (opts.form ? 'application/x-www-form-urlencoded' : 'application/json');
  const res = await fetch(h.baseUrl + path, { method: 'POST', headers: { 'content-type': contentType }, body: text, redirect: 'manual' });
  return readResponse(res);
}

/** 200 with resultCd `code` (and the body in the failure message). */
export function expectResult(r: Reply, code: string, msg?: string): any {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body?.resultCd, code, r.text);
  if (msg !== undefined) assert.equal(r.body.resultMsg, msg, r.text);
  return r.body;
}

export const timeStamp = (h: Harness): string => {
  const w = wibParts(h.clock.now());
  return w.transDt + w.transTm;
};

let seq = 0;
export const referenceNo = (prefix = 'ORD') => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

const inDays = (h: Harness, days: number) => wibParts(new Date(h.clock.now().getTime() + days * 86_400_000));

/** A complete, valid registration request for `payMethod`, merchantToken included. */
export function registrationRequest(h: Harness, m: NicepayMerchant, payMethod: string, overrides: Record<string, string | number> = {}): Record<string, string | number> {
  const validity = inDays(h, 2);
  const perMethod: Record<string, Record<string, string>> = {
    '01': { instmntType: '1', instmntMon: '1', recurrOpt: '0' },
    '02': { bankCd: 'BMRI', vacctValidDt: validity.transDt, vacctValidTm: validity.transTm },
    '03': { mitraCd: 'ALMA', payValidDt: validity.transDt, payValidTm: validity.transTm },
    '05': { mitraCd: 'OVOE' },
    '08': { mitraCd: 'QSHP', paymentExpDt: validity.transDt, paymentExpTm: validity.transTm },
  };
  const req: Record<string, string | number> = {
    timeStamp: timeStamp(h),
    iMid: m.iMid,
    payMethod,
    currency: 'IDR',
    amt: '10000',
    referenceNo: referenceNo(),
    goodsNm: 'Test goods',
    billingNm: 'Budi Santoso',
    billingPhone: '081234567890',
    billingEmail: 'budi@example.com',
    billingAddr: 'Jl. Merdeka 1',
    billingCity: 'Jakarta',
    billingState: 'DKI Jakarta',
    billingPostCd: '10110',
    billingCountry: 'Indonesia',
    dbProcessUrl: 'http://127.0.0.1:9/notify',
    callBackUrl: 'https://merchant.example/return?order=1',
    description: 'Order description',
    userIP: '127.0.0.1',
    cartData: '{}',
    ...perMethod[payMethod],
    ...overrides,
  };
  if (!('merchantToken' in overrides)) {
    req.merchantToken = registrationToken({ timeStamp: String(req.timeStamp), iMid: String(req.iMid), referenceNo: String(req.referenceNo), amt: String(req.amt), merchantKey: m.merchantKey });
  }
  return req;
}

export async function register(h: Harness, m: NicepayMerchant, payMethod: string, overrides: Record<string, string | number> = {}): Promise<any> {
  return expectResult(await post(h, '/nicepay/direct/v2/registration', registrationRequest(h, m, payMethod, overrides)), '0000');
}

/** The fields of a browser payment request for `tXid` (token from the registered referenceNo/amt). */
export function paymentFields(h: Harness, m: NicepayMerchant, reg: { tXid: string; referenceNo: string; amt: string }, extra: Record<string, string> = {}): Record<string, string> {
  const ts = timeStamp(h);
  return {
    timeStamp: ts,
    tXid: reg.tXid,
    merchantToken: paymentToken({ timeStamp: ts, iMid: m.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: m.merchantKey }),
    callBackUrl: 'https://merchant.example/return?order=1',
    ...extra,
  };
}

export const cardFields = (cardNo: string, cvv = '100') => ({ cardNo, cardExpYymm: '3912', cardCvv: cvv, cardHolderNm: 'BUDI SANTOSO', cardHolderEmail: 'budi@example.com' });

/** Where the answer page sends the browser (its #continue link), parsed. */
export function redirectTarget(html: string): URL {
  const m = /<a id="continue" href="([^"]+)"/.exec(html);
  assert.ok(m, `no redirect in ${html}`);
  return new URL(m[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** The browser payment step: form POST, answers HTML. */
export const payment = (h: Harness, fields: Record<string, string>) => post(h, '/nicepay/direct/v2/payment', fields, { form: true });

/** Card payment through the browser flow; returns the page. */
export async function payByCard(h: Harness, m: NicepayMerchant, reg: any, cardNo: string = CARDS.approved): Promise<Reply> {
  const r = await payment(h, paymentFields(h, m, reg, cardFields(cardNo)));
  assert.equal(r.status, 200, r.text);
  return r;
}

/** The sandbox buyer (JSON flavour): pays, or with 'failed' fails, a transaction awaiting the buyer. */
export async function buyerPays(h: Harness, m: NicepayMerchant, reg: any, outcome: 'paid' | 'failed' = 'paid'): Promise<Reply> {
  const f = paymentFields(h, m, reg, { outcome });
  delete (f as Record<string, string>).callBackUrl;
  return post(h, '/nicepay/sandbox/pay', f);
}

export async function inquiry(h: Harness, m: NicepayMerchant, reg: { tXid?: string; referenceNo: string; amt: string }, extra: Record<string, string> = {}): Promise<Reply> {
  const ts = timeStamp(h);
  return post(h, '/nicepay/direct/v2/inquiry', {
    timeStamp: ts,
    ...(reg.tXid ? { tXid: reg.tXid } : {}),
    iMid: m.iMid,
    referenceNo: reg.referenceNo,
    amt: reg.amt,
    merchantToken: inquiryToken({ timeStamp: ts, iMid: m.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: m.merchantKey }),
    ...extra,
  });
}

export function cancelRequest(h: Harness, m: NicepayMerchant, c: { tXid: string; payMethod: string; cancelType: string; amt: string }, extra: Record<string, string> = {}): Record<string, string> {
  const ts = timeStamp(h);
  return {
    timeStamp: ts,
    tXid: c.tXid,
    iMid: m.iMid,
    payMethod: c.payMethod,
    cancelType: c.cancelType,
    cancelMsg: 'Request Cancel',
    merchantToken: cancelToken({ timeStamp: ts, iMid: m.iMid, tXid: c.tXid, amt: c.amt, merchantKey: m.merchantKey }),
    preauthToken: '',
    amt: c.amt,
    ...extra,
  };
}

export const cancel = (h: Harness, m: NicepayMerchant, c: { tXid: string; payMethod: string; cancelType: string; amt: string }, extra: Record<string, string> = {}) =>
  post(h, '/nicepay/direct/v2/cancel', cancelRequest(h, m, c, extra));

export async function storedTx(h: Harness, tXid: string): Promise<Payment> {
  const { rows } = await h.deps.core.db.query(`SELECT ${PAYMENT_SELECT} FROM payments WHERE nicepay_txid = $1`, [tXid]);
  assert.ok(rows[0], `no payment stored for ${tXid}`);
  return rowToPayment(rows[0]);
}

export async function eventsOf(h: Harness, paymentId: string): Promise<{ type: string; amount: bigint | null; data: Record<string, unknown> }[]> {
  const { rows } = await h.deps.core.db.query<Record<string, unknown>>('SELECT type, amount, data FROM payment_events WHERE payment_id = $1 ORDER BY id', [paymentId]);
  return rows.map((r) => ({ type: r.type as string, amount: r.amount == null ? null : BigInt(r.amount as string), data: (r.data as Record<string, unknown>) ?? {} }));
}

/** A paid card transaction of `amt` Rupiah. */
export async function paidCard(h: Harness, m: NicepayMerchant, amt = '10000', overrides: Record<string, string> = {}): Promise<any> {
  const reg = await register(h, m, '01', { amt, ...overrides });
  const page = await payByCard(h, m, reg);
  assert.equal(redirectTarget(page.text).searchParams.get('resultCd'), '0000', page.text);
  return reg;
}
