// For each route the security suite attacks, one request that does the route's real work for its
// owner (merchant "a"), on a target of its own in the state where the work succeeds: a refused attack
// is then refused for who sent it, not because the request made no sense, and the genuine request
// sent afterwards (the control) proves it. Keyed by the route table's "METHOD /url".
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Harness } from './harness.ts';
import { CARDS, createPayment, reach } from './native.ts';
import { paid, pay, payBody, requestId } from './antom.ts';
import * as np from './nicepay.ts';
import { paymentToken, inquiryToken } from '../../src/dialects/nicepay/token.ts';
import type { NicepayCredentials, NicepayTarget } from './attacks-nicepay.ts';
import type { Party } from './parties.ts';
import type { Sent } from './wire.ts';

export interface EnvelopeTarget extends Sent {
  /** The HTTP status of the genuine request. */
  ok: number;
}

type Build<T> = (a: Party) => Promise<T>;

const json = (method: string, path: string, body: unknown, ok: number): EnvelopeTarget =>
  ({ method, path, ok, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
/** The same target under HEAD: Fastify answers it with the GET handler, without the body. */
const head = <T extends Sent>(build: Build<T>): Build<T> => async (a) => ({ ...(await build(a)), method: 'HEAD' });

export function nativeTargets(h: Harness): Record<string, Build<EnvelopeTarget>> {
  const at = (status: Parameters<typeof reach>[2]) => async (a: Party) => (await reach(h, a.native, status)).id as string;
  const anyPayment = async (a: Party) => (await createPayment(a.native)).id as string;
  const read = (path: (id: string) => string): Build<EnvelopeTarget> => async (a) => json('GET', path(await anyPayment(a)), undefined, 200);
  const endpoint = { url: 'https://merchant.example/hooks', events: ['payment.succeeded'] };
  return {
    'POST /api/v1/payments': async () => json('POST', '/api/v1/payments', { amount: '10.00', currency: 'THB' }, 201),
    'GET /api/v1/payments': async () => json('GET', '/api/v1/payments?limit=5', undefined, 200),
    'HEAD /api/v1/payments': head(async () => json('GET', '/api/v1/payments?limit=5', undefined, 200)),
    'GET /api/v1/payments/:id': read((id) => `/api/v1/payments/${id}`),
    'HEAD /api/v1/payments/:id': head(read((id) => `/api/v1/payments/${id}`)),
    'GET /api/v1/payments/:id/events': read((id) => `/api/v1/payments/${id}/events`),
    'HEAD /api/v1/payments/:id/events': head(read((id) => `/api/v1/payments/${id}/events`)),
    'POST /api/v1/payments/:id/confirm': async (a) =>
      json('POST', `/api/v1/payments/${await at('requires_confirmation')(a)}/confirm`, { paymentMethodData: { card: { number: CARDS.succeeds } } }, 200),
    'POST /api/v1/payments/:id/capture': async (a) => json('POST', `/api/v1/payments/${await at('requires_capture')(a)}/capture`, {}, 200),
    'POST /api/v1/payments/:id/cancel': async (a) =>
      json('POST', `/api/v1/payments/${await at('requires_action')(a)}/cancel`, { cancellationReason: 'requested_by_customer' }, 200),
    'POST /api/v1/payments/:id/refunds': async (a) => json('POST', `/api/v1/payments/${await at('succeeded')(a)}/refunds`, { amount: '1.00' }, 201),
    'POST /api/v1/sandbox/payments/:id/pay': async (a) =>
      json('POST', `/api/v1/sandbox/payments/${await at('requires_action')(a)}/pay`, { outcome: 'succeeded' }, 200),
    'POST /api/v1/webhook-endpoints': async () => json('POST', '/api/v1/webhook-endpoints', endpoint, 201),
    'GET /api/v1/webhook-endpoints': async () => json('GET', '/api/v1/webhook-endpoints', undefined, 200),
    'HEAD /api/v1/webhook-endpoints': head(async () => json('GET', '/api/v1/webhook-endpoints', undefined, 200)),
    'DELETE /api/v1/webhook-endpoints/:id': async (a) =>
      json('DELETE', `/api/v1/webhook-endpoints/${(await a.native.request('POST', '/api/v1/webhook-endpoints', endpoint)).body.data.id}`, undefined, 200),
  };
}

/**
 * The admin API's routes on merchant `c` (and its payment `paymentId`). The control's status is not
 * always 2xx (a payout without funds is a 400): what it proves is that authentication let it in.
 */
export function adminTargets(c: { merchantId: string; paymentId: string }): Record<string, Build<EnvelopeTarget>> {
  const m = `/admin/v1/merchants/${c.merchantId}`;
  const get = (path: string) => async () => json('GET', path, undefined, 200);
  const publicKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    'POST /admin/v1/merchants': async () => json('POST', '/admin/v1/merchants', { name: 'Made by the control request' }, 201),
    'GET /admin/v1/merchants': get('/admin/v1/merchants'),
    'HEAD /admin/v1/merchants': head(get('/admin/v1/merchants')),
    'GET /admin/v1/merchants/:id': get(m),
    'HEAD /admin/v1/merchants/:id': head(get(m)),
    'POST /admin/v1/merchants/:id/suspend': async () => json('POST', `${m}/suspend`, undefined, 200),
    'POST /admin/v1/merchants/:id/activate': async () => json('POST', `${m}/activate`, undefined, 200),
    'POST /admin/v1/merchants/:id/keys/native/rotate': async () => json('POST', `${m}/keys/native/rotate`, { overlapSeconds: 60 }, 201),
    'PUT /admin/v1/merchants/:id/keys/antom/public-key': async () => json('PUT', `${m}/keys/antom/public-key`, { publicKey: publicKey() }, 200),
    'GET /admin/v1/merchants/:id/contract': get(`${m}/contract`),
    'HEAD /admin/v1/merchants/:id/contract': head(get(`${m}/contract`)),
    'PUT /admin/v1/merchants/:id/contract': async () => json('PUT', `${m}/contract`, {}, 200),
    'PATCH /admin/v1/merchants/:id/contract': async () => json('PATCH', `${m}/contract`, {}, 200),
    'GET /admin/v1/merchants/:id/balances': get(`${m}/balances`),
    'HEAD /admin/v1/merchants/:id/balances': head(get(`${m}/balances`)),
    'POST /admin/v1/merchants/:id/payouts': async () => json('POST', `${m}/payouts`, { currency: 'THB', amount: '1' }, 400),
    'GET /admin/v1/merchants/:id/payments/:paymentId/journal': get(`${m}/payments/${c.paymentId}/journal`),
    'HEAD /admin/v1/merchants/:id/payments/:paymentId/journal': head(get(`${m}/payments/${c.paymentId}/journal`)),
    'GET /admin/v1/merchants/:id/payments/:paymentId/operations': get(`${m}/payments/${c.paymentId}/operations`),
    'HEAD /admin/v1/merchants/:id/payments/:paymentId/operations': head(get(`${m}/payments/${c.paymentId}/operations`)),
    'GET /admin/v1/merchants/:id/payments/:paymentId/deliveries': get(`${m}/payments/${c.paymentId}/deliveries`),
    'HEAD /admin/v1/merchants/:id/payments/:paymentId/deliveries': head(get(`${m}/payments/${c.paymentId}/deliveries`)),
    'POST /admin/v1/deliveries/:id/redeliver': async () => json('POST', `/admin/v1/deliveries/${randomUUID()}/redeliver`, undefined, 404),
  };
}

export interface AntomOpTarget {
  body: Record<string, unknown>;
  /** The genuine request's resultCode. */
  ok: string;
}

/** An Antom card payment authorized only, to be captured later. */
export const MANUAL_CARD = { paymentMethod: { paymentMethodType: 'CARD' }, paymentFactor: { captureMode: 'MANUAL' } };
export const usd = (value: string) => ({ currency: 'USD', value });

/** Every Antom operation, on a payment of its own. */
export const ANTOM_OPS: Record<string, Build<AntomOpTarget>> = {
  pay: async () => ({ body: payBody(), ok: 'PAYMENT_IN_PROCESS' }),
  cancel: async (a) => ({ body: { paymentId: (await pay(a.antom)).paymentId }, ok: 'SUCCESS' }),
  inquiryPayment: async (a) => ({ body: { paymentId: (await pay(a.antom)).paymentId }, ok: 'SUCCESS' }),
  capture: async (a) => ({ body: { captureRequestId: requestId('cap'), paymentId: (await paid(a.antom, MANUAL_CARD)).paymentId, captureAmount: usd('1000') }, ok: 'SUCCESS' }),
  refund: async (a) => ({ body: { refundRequestId: requestId('rf'), paymentId: (await paid(a.antom)).paymentId, refundAmount: usd('100') }, ok: 'SUCCESS' }),
  inquiryRefund: async (a) => {
    const p = await paid(a.antom);
    const rf = await a.antom.call('refund', { refundRequestId: requestId('rf'), paymentId: p.paymentId, refundAmount: usd('100') });
    return { body: { refundId: rf.body.refundId }, ok: 'SUCCESS' };
  },
};

/** The transaction id as merchant `iMid` would have it (the tXid starts with its merchant's iMid). */
const asIMid = (tXid: string, iMid: string) => iMid + tXid.slice(10);
const bumpTimeStamp = (f: Record<string, string>) => ({ ...f, timeStamp: String(Number(f.timeStamp) + 1) });
const strings = (o: Record<string, string | number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));

export function nicepayTargets(h: Harness): Record<string, Build<NicepayTarget>> {
  const merchant = (a: Party, as: NicepayCredentials) => ({ ...a.nicepay, ...as });
  /** The browser steps, authenticated by the payment formula over what the tXid registered. */
  const browser = (method: NicepayTarget['method'], payMethod: string, extra: Record<string, string>, html: boolean): Build<NicepayTarget> => async (a) => {
    const reg = await np.register(h, a.nicepay, payMethod);
    return {
      method, path: html ? '/nicepay/direct/v2/payment' : '/nicepay/sandbox/pay', html, form: true,
      fields: (as) => {
        const ts = np.timeStamp(h);
        const token = paymentToken({ timeStamp: ts, iMid: as.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: as.merchantKey });
        return { timeStamp: ts, tXid: asIMid(reg.tXid, as.iMid), merchantToken: token, ...extra };
      },
      tamper: bumpTimeStamp,
    };
  };
  const card = { ...np.cardFields(np.CARDS.approved), callBackUrl: 'https://merchant.example/return?order=1' };
  return {
    'POST /nicepay/direct/v2/registration': async (a) => {
      const referenceNo = np.referenceNo('SEC');
      return {
        method: 'POST', path: '/nicepay/direct/v2/registration', html: false,
        fields: (as) => strings(np.registrationRequest(h, merchant(a, as), '02', { referenceNo })),
        tamper: (f) => ({ ...f, amt: '20000' }),
      };
    },
    'POST /nicepay/direct/v2/inquiry': async (a) => {
      const reg = await np.register(h, a.nicepay, '02');
      return {
        method: 'POST', path: '/nicepay/direct/v2/inquiry', html: false,
        fields: (as) => {
          const ts = np.timeStamp(h);
          const token = inquiryToken({ timeStamp: ts, iMid: as.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantKey: as.merchantKey });
          return { timeStamp: ts, tXid: reg.tXid, iMid: as.iMid, referenceNo: reg.referenceNo, amt: reg.amt, merchantToken: token };
        },
        tamper: (f) => ({ ...f, amt: '20000' }),
      };
    },
    'POST /nicepay/direct/v2/cancel': async (a) => {
      const reg = await np.paidCard(h, a.nicepay);
      return {
        method: 'POST', path: '/nicepay/direct/v2/cancel', html: false,
        fields: (as) => np.cancelRequest(h, merchant(a, as), { tXid: reg.tXid, payMethod: '01', cancelType: '1', amt: reg.amt }),
        tamper: (f) => ({ ...f, amt: '9999' }),
      };
    },
    'POST /nicepay/direct/v2/payment': browser('POST', '01', card, true),
    'GET /nicepay/direct/v2/payment': browser('GET', '01', card, true),
    'HEAD /nicepay/direct/v2/payment': browser('HEAD', '01', card, true),
    'POST /nicepay/sandbox/pay': browser('POST', '02', { outcome: 'paid' }, false),
  };
}
