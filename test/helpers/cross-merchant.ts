// Merchant B, correctly authenticated, names merchant A's payments, refunds and endpoints by every
// id kind each dialect has. B must get exactly the answer an unknown id gets (no oracle telling
// B what exists at A), and nothing stored may change beyond B's own request bookkeeping.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { paymentToken, inquiryToken } from '../../src/dialects/nicepay/token.ts';
import { paid, pay, payBody, requestId } from './antom.ts';
import { assertUnchanged, fingerprint, REQUEST_BOOKKEEPING } from './db-fingerprint.ts';
import type { Harness } from './harness.ts';
import { CARDS, createPayment, reach } from './native.ts';
import * as np from './nicepay.ts';
import type { Party } from './parties.ts';
import { MANUAL_CARD, usd } from './security-targets.ts';

export interface Check {
  name: string;
  run(): Promise<void>;
}

interface Comparable {
  status: number;
  body: unknown;
  verified?: boolean;
}

/** A tXid of the same merchant, time and method that names no transaction. */
const unknownTxid = (tXid: string) => tXid.slice(0, -4) + String((Number(tXid.slice(-4)) + 5000) % 10000).padStart(4, '0');
/** An Antom id of the same shape that names nothing. */
const unknownAntomId = (id: string) => id.slice(0, -6) + '000000';

export function crossMerchantChecks(h: Harness, a: Party, b: Party): Check[] {
  const db = h.deps.core.db;
  /** B asks about A's id, then about an unknown one: same answer, and the first changed nothing. */
  const sameAsUnknown = async (what: string, ask: (id: string) => Promise<Comparable>, theirs: string, unknown: string) => {
    const before = await fingerprint(db, REQUEST_BOOKKEEPING);
    const answer = await ask(theirs);
    await assertUnchanged(db, before, `B naming A's ${what}`, REQUEST_BOOKKEEPING);
    assert.deepEqual(answer, await ask(unknown), `B naming A's ${what} must get the answer of an unknown one`);
  };
  const nativeAsk = (method: string, path: (id: string) => string, body?: unknown) => async (id: string) => {
    const r = await b.native.request(method, path(id), body);
    return { status: r.status, body: r.body };
  };
  const antomAsk = (op: string, body: (id: string) => Record<string, unknown>) => async (id: string) => {
    const r = await b.antom.call(op, body(id));
    return { status: r.status, body: r.body, verified: r.verified };
  };
  const nicepayAsk = (path: string, fields: (id: string) => Record<string, string>) => async (id: string) => {
    const r = await np.post(h, path, fields(id), { form: true });
    return { status: r.status, body: r.body ?? r.text };
  };
  const nativeAt = async (status: Parameters<typeof reach>[2]) => (await reach(h, a.native, status)).id as string;
  const native = (name: string, status: Parameters<typeof reach>[2], method: string, path: (id: string) => string, body?: unknown): Check => ({
    name: `native ${name}`,
    run: async () => sameAsUnknown(`payment (${name})`, nativeAsk(method, path, body), await nativeAt(status), randomUUID()),
  });
  /** B's browser-step fields for a tXid, with B's key; `iMid` says whether B names its own iMid too. */
  const browserFields = (reg: { referenceNo: string; amt: string }, iMid: boolean, extra: Record<string, string>) => (tXid: string) => {
    const ts = np.timeStamp(h);
    const token = paymentToken({ timeStamp: ts, iMid: b.nicepay.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: b.nicepay.merchantKey });
    return { timeStamp: ts, tXid, merchantToken: token, ...(iMid ? { iMid: b.nicepay.iMid } : {}), ...extra };
  };
  const browser = (name: string, path: string, payMethod: string, iMid: boolean, extra: Record<string, string>): Check => ({
    name: `NICEPAY ${name}`,
    run: async () => {
      const reg = await np.register(h, a.nicepay, payMethod);
      await sameAsUnknown(`tXid (${name})`, nicepayAsk(path, browserFields(reg, iMid, extra)), reg.tXid, unknownTxid(reg.tXid));
    },
  });
  const card = { ...np.cardFields(np.CARDS.approved), callBackUrl: 'https://merchant.example/return' };
  return [
    native('retrieve', 'requires_payment_method', 'GET', (id) => `/api/v1/payments/${id}`),
    native('events', 'requires_payment_method', 'GET', (id) => `/api/v1/payments/${id}/events`),
    native('confirm', 'requires_confirmation', 'POST', (id) => `/api/v1/payments/${id}/confirm`, { paymentMethodData: { card: { number: CARDS.succeeds } } }),
    native('capture', 'requires_capture', 'POST', (id) => `/api/v1/payments/${id}/capture`, {}),
    native('cancel', 'requires_action', 'POST', (id) => `/api/v1/payments/${id}/cancel`, {}),
    native('refund', 'succeeded', 'POST', (id) => `/api/v1/payments/${id}/refunds`, { amount: '1.00' }),
    native('sandbox pay', 'requires_action', 'POST', (id) => `/api/v1/sandbox/payments/${id}/pay`, { outcome: 'succeeded' }),
    {
      name: 'native webhook endpoint id',
      run: async () => {
        const ep = await a.native.request('POST', '/api/v1/webhook-endpoints', { url: 'https://a.example/hooks', events: ['payment.succeeded'] });
        await sameAsUnknown('webhook endpoint', nativeAsk('DELETE', (id) => `/api/v1/webhook-endpoints/${id}`), ep.body.data.id, randomUUID());
      },
    },
    {
      name: 'native referenceId filter',
      run: async () => {
        const ref = `a-order-${randomUUID()}`;
        await createPayment(a.native, { referenceId: ref });
        await sameAsUnknown('referenceId', nativeAsk('GET', (r) => `/api/v1/payments?referenceId=${encodeURIComponent(r)}`), ref, `unknown-${ref}`);
      },
    },
    {
      name: 'native Idempotency-Key: the same key and request give B a payment of its own',
      run: async () => {
        const key = `order-${randomUUID()}`;
        const body = { amount: '5.00', currency: 'THB' };
        const theirs = await a.native.request('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
        const mine = await b.native.request('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
        assert.equal(mine.status, 201, mine.text);
        assert.equal(mine.headers.get('idempotent-replayed'), null, 'A’s answer replayed to B');
        assert.notEqual(mine.body.data.id, theirs.body.data.id);
      },
    },
    ...(['paymentId', 'paymentRequestId'] as const).flatMap((kind): Check[] => [
      {
        name: `Antom inquiryPayment by ${kind}`,
        run: async () => { const p = await paid(a.antom); await sameAsUnknown(kind, antomAsk('inquiryPayment', (id) => ({ [kind]: id })), p[kind], unknownAntomId(p[kind])); },
      },
      {
        name: `Antom cancel by ${kind}`,
        run: async () => { const p = await pay(a.antom); await sameAsUnknown(kind, antomAsk('cancel', (id) => ({ [kind]: id })), p[kind], unknownAntomId(p[kind])); },
      },
    ]),
    {
      name: 'Antom capture by paymentId',
      run: async () => {
        const p = await paid(a.antom, MANUAL_CARD);
        await sameAsUnknown('paymentId (capture)', antomAsk('capture', (id) => ({ captureRequestId: requestId('cap'), paymentId: id, captureAmount: usd('1000') })), p.paymentId, unknownAntomId(p.paymentId));
      },
    },
    {
      name: 'Antom refund by paymentId',
      run: async () => {
        const p = await paid(a.antom);
        await sameAsUnknown('paymentId (refund)', antomAsk('refund', (id) => ({ refundRequestId: requestId('rf'), paymentId: id, refundAmount: usd('100') })), p.paymentId, unknownAntomId(p.paymentId));
      },
    },
    ...(['refundId', 'refundRequestId'] as const).map((kind): Check => ({
      name: `Antom inquiryRefund by ${kind}`,
      run: async () => {
        const p = await paid(a.antom);
        const rf = await a.antom.call('refund', { refundRequestId: requestId('rf'), paymentId: p.paymentId, refundAmount: usd('100') });
        await sameAsUnknown(kind, antomAsk('inquiryRefund', (id) => ({ [kind]: id })), rf.body[kind], `${rf.body[kind]}-unknown`);
      },
    })),
    {
      name: 'Antom pay with A’s paymentRequestId gives B a payment of its own',
      run: async () => {
        const body = payBody();
        const theirs = await pay(a.antom, body);
        const mine = await b.antom.call('pay', body);
        assert.deepEqual([mine.body.result.resultCode, mine.verified], ['PAYMENT_IN_PROCESS', true], mine.text);
        assert.notEqual(mine.body.paymentId, theirs.paymentId);
      },
    },
    {
      name: 'NICEPAY inquiry by tXid',
      run: async () => {
        const reg = await np.register(h, a.nicepay, '02');
        await sameAsUnknown('tXid (inquiry)', nicepayAsk('/nicepay/direct/v2/inquiry', (tXid) => inquiryFields(h, b, reg, { tXid })), reg.tXid, unknownTxid(reg.tXid));
      },
    },
    {
      name: 'NICEPAY inquiry by referenceNo',
      run: async () => {
        const reg = await np.register(h, a.nicepay, '02');
        await sameAsUnknown('referenceNo (inquiry)', nicepayAsk('/nicepay/direct/v2/inquiry', (referenceNo) => inquiryFields(h, b, { ...reg, referenceNo }, {})), reg.referenceNo, `${reg.referenceNo}X`);
      },
    },
    {
      name: 'NICEPAY cancel by tXid',
      run: async () => {
        const reg = await np.paidCard(h, a.nicepay);
        const fields = (tXid: string) => np.cancelRequest(h, b.nicepay, { tXid, payMethod: '01', cancelType: '1', amt: reg.amt });
        await sameAsUnknown('tXid (cancel)', nicepayAsk('/nicepay/direct/v2/cancel', fields), reg.tXid, unknownTxid(reg.tXid));
      },
    },
    browser('payment by tXid, B’s iMid named', '/nicepay/direct/v2/payment', '01', true, card),
    browser('payment by tXid, no iMid named', '/nicepay/direct/v2/payment', '01', false, card),
    browser('sandbox pay by tXid, B’s iMid named', '/nicepay/sandbox/pay', '02', true, { outcome: 'paid' }),
    browser('sandbox pay by tXid, no iMid named', '/nicepay/sandbox/pay', '02', false, { outcome: 'paid' }),
    {
      name: 'NICEPAY registration with A’s referenceNo gives B a transaction of its own',
      run: async () => {
        const theirs = await np.register(h, a.nicepay, '02');
        const mine = await np.register(h, b.nicepay, '02', { referenceNo: theirs.referenceNo });
        assert.notEqual(mine.tXid, theirs.tXid);
        assert.ok(mine.tXid.startsWith(b.nicepay.iMid), mine.tXid);
      },
    },
  ];
}

/** B's inquiry for a transaction of A (by tXid when given, else by referenceNo), with B's key. */
function inquiryFields(h: Harness, b: Party, reg: { referenceNo: string; amt: string }, by: { tXid?: string }): Record<string, string> {
  const ts = np.timeStamp(h);
  const token = inquiryToken({ timeStamp: ts, iMid: b.nicepay.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: b.nicepay.merchantKey });
  return { timeStamp: ts, ...by, iMid: b.nicepay.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantToken: token };
}
