// For each route the security suite attacks, one request that does the route's real work for its
// owner (merchant "a"), on a target of its own in the state where the work succeeds: a refused attack
// is then refused for who sent it, not because the request made no sense, and the genuine request
// sent afterwards (the control) proves it. Keyed by the route table's "METHOD /url".
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { createConnector } from '../../src/core/connectors/accounts.ts';
import { setRoute } from '../../src/core/connectors/routes.ts';
import { createMerchant, findCredential } from '../../src/core/merchants/merchants.ts';
import { listOperations } from '../../src/core/processors/operations.ts';
import { formatSignatureHeader, parsePrivateKey, signedText, signRsa256 } from '../../src/dialects/antom/signature.ts';
import { notificationToken } from '../../src/dialects/nicepay/token.ts';
import { CONNECTOR_KINDS } from '../../src/processors/registry.ts';
import type { Attack } from './attacks-native.ts';
import { nativeClientFor, type Harness } from './harness.ts';
import { CARDS, createPayment, reach } from './native.ts';
import { checkout, paid, pay, payBody, requestId } from './antom.ts';
import * as np from './nicepay.ts';
import { paymentToken, inquiryToken } from '../../src/dialects/nicepay/token.ts';
import type { NicepayCredentials, NicepayTarget } from './attacks-nicepay.ts';
import type { Party } from './parties.ts';
import type { Reply, Sent } from './wire.ts';

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
 * A live merchant and makers of fresh connector accounts and routes on it, for the admin routes that
 * read, change or delete them (each control gets one of its own). The accounts are test merchant
 * `upstream`'s Antom and NICEPAY credentials at this same Kasir: real keys, a real provider.
 */
export interface LiveFixtures {
  h: Harness;
  merchantId: string;
  /** The admin API body of a new Antom account. */
  antomBody: Record<string, string>;
  connector(type?: 'antom' | 'nicepay', currency?: string): Promise<string>;
  route(): Promise<string>;
}

export async function liveFixtures(h: Harness, upstream: Party): Promise<LiveFixtures> {
  const made = await createMerchant(h.deps.merchants, 'Live security merchant', {}, 'live');
  const given = {
    antom: { clientId: upstream.antom.clientId, privateKey: upstream.antom.privateKeyPkcs8, providerPublicKey: upstream.antom.gatewayPublicKey },
    nicepay: { iMid: upstream.nicepay.iMid, merchantKey: upstream.nicepay.merchantKey },
  };
  const merchantId = made.merchant.id;
  const connector = async (type: 'antom' | 'nicepay' = 'antom', currency?: string) => {
    const account = await createConnector(h.deps.merchants, { merchantId, type, name: type, baseUrl: h.baseUrl, ...CONNECTOR_KINDS[type].parseSettings(given[type]) });
    if (currency) await setRoute(h.deps.merchants, { merchantId, connectorId: account.id, currency });
    return account.id;
  };
  return {
    h, merchantId, connector,
    antomBody: { type: 'antom', baseUrl: h.baseUrl, ...given.antom },
    route: async () => (await setRoute(h.deps.merchants, { merchantId, connectorId: await connector() })).id,
  };
}

/**
 * The admin API's routes on merchant `c` (and its payment `paymentId`; connector accounts and routes
 * on `c.live`). The control's status is not always 2xx (a payout without funds is a 400): what it
 * proves is that authentication let it in.
 */
export function adminTargets(c: { merchantId: string; paymentId: string; live?: LiveFixtures }): Record<string, Build<EnvelopeTarget>> {
  const m = `/admin/v1/merchants/${c.merchantId}`;
  const live = () => {
    assert.ok(c.live, 'connector targets need the live fixtures');
    return c.live;
  };
  const lm = () => `/admin/v1/merchants/${live().merchantId}`;
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
    'POST /admin/v1/merchants/:id/connectors': async () => json('POST', `${lm()}/connectors`, live().antomBody, 201),
    'GET /admin/v1/merchants/:id/connectors': async () => json('GET', `${lm()}/connectors`, undefined, 200),
    'HEAD /admin/v1/merchants/:id/connectors': head(async () => json('GET', `${lm()}/connectors`, undefined, 200)),
    'GET /admin/v1/connectors': get('/admin/v1/connectors'),
    'HEAD /admin/v1/connectors': head(get('/admin/v1/connectors')),
    'GET /admin/v1/connectors/:id': async () => json('GET', `/admin/v1/connectors/${await live().connector()}`, undefined, 200),
    'HEAD /admin/v1/connectors/:id': head(async () => json('GET', `/admin/v1/connectors/${await live().connector()}`, undefined, 200)),
    'DELETE /admin/v1/connectors/:id': async () => json('DELETE', `/admin/v1/connectors/${await live().connector()}`, undefined, 200),
    'POST /admin/v1/merchants/:id/routes': async () => json('POST', `${lm()}/routes`, { connectorId: await live().connector(), method: 'wallet' }, 201),
    'GET /admin/v1/merchants/:id/routes': async () => json('GET', `${lm()}/routes`, undefined, 200),
    'HEAD /admin/v1/merchants/:id/routes': head(async () => json('GET', `${lm()}/routes`, undefined, 200)),
    'GET /admin/v1/routes': get('/admin/v1/routes'),
    'HEAD /admin/v1/routes': head(get('/admin/v1/routes')),
    'DELETE /admin/v1/routes/:id': async () => json('DELETE', `/admin/v1/routes/${await live().route()}`, undefined, 200),
    // The operator's payment search and actions (the same core operations the merchant APIs use).
    'GET /admin/v1/payments': get(`/admin/v1/payments?merchant=${c.merchantId}`),
    'HEAD /admin/v1/payments': head(get(`/admin/v1/payments?merchant=${c.merchantId}`)),
    'GET /admin/v1/payments/:id': get(`/admin/v1/payments/${c.paymentId}`),
    'HEAD /admin/v1/payments/:id': head(get(`/admin/v1/payments/${c.paymentId}`)),
    // Never submitted: nothing to capture or refund (the operator gets the refusal), the cancel succeeds.
    'POST /admin/v1/payments/:id/capture': async () => json('POST', `/admin/v1/payments/${c.paymentId}/capture`, {}, 400),
    'POST /admin/v1/payments/:id/refunds': async () => json('POST', `/admin/v1/payments/${c.paymentId}/refunds`, {}, 400),
    'POST /admin/v1/payments/:id/cancel': async () => json('POST', `/admin/v1/payments/${c.paymentId}/cancel`, {}, 200),
  };
}

/** One connector account's notifyUrl under attack: forged notifications, then the provider's own. */
export interface NotifyTarget {
  name: string;
  attacks: Attack[];
  genuine: Sent;
  /** The provider's acknowledgement of the genuine notification. */
  acknowledged(r: Reply): void;
  /** The live payment the notifications are about, and what the genuine one makes of it. */
  paymentId: string;
}

const notifyPath = (accountId: string) => `/connectors/${accountId}/notify`;

/**
 * A live payment at each of `live`'s providers (upstream merchant `a`, at this Kasir), paid there by
 * its buyer: a notification that got through would make it succeeded here. `b` is another merchant,
 * whose valid credentials are still not the provider's.
 */
export async function notifyTargets(live: LiveFixtures, a: Party, b: Party): Promise<NotifyTarget[]> {
  const { h } = live;
  const made = await createMerchant(h.deps.merchants, 'Live notified merchant', {}, 'live');
  const native = nativeClientFor(h, made.merchant.id, made.native.apiKey, made.native.apiSecret);
  const given = {
    antom: { clientId: a.antom.clientId, privateKey: a.antom.privateKeyPkcs8, providerPublicKey: a.antom.gatewayPublicKey },
    nicepay: { iMid: a.nicepay.iMid, merchantKey: a.nicepay.merchantKey },
  };
  const account = async (type: 'antom' | 'nicepay', currency: string) => {
    const created = await createConnector(h.deps.merchants, { merchantId: made.merchant.id, type, name: type, baseUrl: h.baseUrl, ...CONNECTOR_KINDS[type].parseSettings(given[type]) });
    await setRoute(h.deps.merchants, { merchantId: made.merchant.id, connectorId: created.id, currency });
    return created.id;
  };
  const charge = async (paymentId: string) => {
    const op = (await listOperations(h.deps.core.db, paymentId)).find((o) => o.kind === 'authorize');
    assert.ok(op, 'the live payment was submitted upstream');
    return op;
  };
  return [await antomNotify(h, native, await account('antom', 'USD'), charge, a, b), await nicepayNotify(h, native, await account('nicepay', 'IDR'), charge, a, b)];
}

type ChargeOf = (paymentId: string) => Promise<{ id: string }>;

async function antomNotify(h: Harness, native: ReturnType<typeof nativeClientFor>, accountId: string, charge: ChargeOf, a: Party, b: Party): Promise<NotifyTarget> {
  const created = await native.request('POST', '/api/v1/payments', { amount: '10.00', currency: 'USD', paymentMethod: 'wallet', confirm: true });
  assert.equal(created.body?.data?.status, 'requires_action', created.text);
  assert.equal((await checkout(created.body.data.nextAction.url)).status, 200, 'the buyer pays at the provider');
  const op = await charge(created.body.data.id);
  const gatewayKey = parsePrivateKey((await findCredential(h.deps.merchants, 'antom', a.antom.clientId))!.secret!);
  const path = notifyPath(accountId);
  const raw = JSON.stringify({
    notifyType: 'PAYMENT_RESULT', result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
    paymentRequestId: op.id, paymentId: created.body.data.nextAction.upstreamPaymentId, paymentAmount: { currency: 'USD', value: '1000' },
  });
  let n = 0;
  const signedBy = (key: ReturnType<typeof parsePrivateKey>, o: { clientId?: string; signedPath?: string; signedRaw?: string } = {}): Sent => {
    const time = String(h.clock.now().getTime() + n++);
    const clientId = o.clientId ?? a.antom.clientId;
    const signature = formatSignatureHeader(signRsa256(key, signedText('POST', o.signedPath ?? path, clientId, time, o.signedRaw ?? raw)));
    return { method: 'POST', path, body: raw, headers: { 'content-type': 'application/json; charset=UTF-8', 'client-id': clientId, 'request-time': time, signature } };
  };
  const refused = (r: Reply) => assert.deepEqual([r.status, r.body?.result?.resultCode, r.body?.result?.resultStatus], [200, 'INVALID_SIGNATURE', 'F'], r.text);
  const genuine = signedBy(gatewayKey);
  const unsigned = { ...genuine, headers: Object.fromEntries(Object.entries(genuine.headers!).filter(([k]) => k !== 'signature')) };
  return {
    name: 'Antom: RSA256 with the provider’s key',
    paymentId: created.body.data.id,
    genuine,
    acknowledged: (r) => assert.deepEqual([r.status, r.body?.result], [200, { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' }], r.text),
    attacks: [
      { name: 'no signature', request: unsigned, check: refused },
      { name: 'signed with a foreign key', request: signedBy(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), check: refused },
      { name: "signed with the account's own request key, not the provider's", request: signedBy(parsePrivateKey(a.antom.privateKeyPkcs8)), check: refused },
      { name: "another merchant's client id and key", request: signedBy(parsePrivateKey(b.antom.privateKeyPkcs8), { clientId: b.antom.clientId }), check: refused },
      { name: 'body changed after signing', request: signedBy(gatewayKey, { signedRaw: raw.replace('"S"', '"F"') }), check: refused },
      { name: 'signed for another notifyUrl', request: signedBy(gatewayKey, { signedPath: notifyPath('con_someotheraccount') }), check: refused },
    ],
  };
}

async function nicepayNotify(h: Harness, native: ReturnType<typeof nativeClientFor>, accountId: string, charge: ChargeOf, a: Party, b: Party): Promise<NotifyTarget> {
  const created = await native.request('POST', '/api/v1/payments', { amount: '10000', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true });
  assert.equal(created.body?.data?.status, 'requires_action', created.text);
  const op = await charge(created.body.data.id);
  const tXid = created.body.data.nextAction.upstreamTxid as string;
  const paidUpstream = await np.buyerPays(h, a.nicepay, { tXid, referenceNo: op.id, amt: '10000' });
  assert.equal(paidUpstream.body?.resultCd, '0000', paidUpstream.text);
  const fields = (o: { iMid?: string; key?: string; amt?: string; tokenAmt?: string; token?: string | null } = {}): Sent => {
    const iMid = o.iMid ?? a.nicepay.iMid;
    const amt = o.amt ?? '10000';
    const token = o.token === undefined ? notificationToken({ iMid, tXid, amt: o.tokenAmt ?? amt, merchantKey: o.key ?? a.nicepay.merchantKey }) : o.token;
    const body = new URLSearchParams({ tXid, iMid, referenceNo: op.id, amt, payMethod: '02', status: '0', ...(token === null ? {} : { merchantToken: token }) }).toString();
    return { method: 'POST', path: notifyPath(accountId), body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  };
  const refused = (r: Reply) => assert.equal(r.status, 401, r.text);
  return {
    name: 'NICEPAY: merchantToken with the account’s merchant key',
    paymentId: created.body.data.id,
    genuine: fields(),
    acknowledged: (r) => assert.deepEqual([r.status, r.text], [200, 'OK']),
    attacks: [
      { name: 'no merchantToken', request: fields({ token: null }), check: refused },
      { name: 'token made with another key', request: fields({ key: b.nicepay.merchantKey }), check: refused },
      { name: 'token over another amount', request: fields({ tokenAmt: '1' }), check: refused },
      { name: "another merchant's iMid and key", request: fields({ iMid: b.nicepay.iMid, key: b.nicepay.merchantKey }), check: refused },
      { name: 'malformed token', request: fields({ token: 'z'.repeat(64) }), check: refused },
    ],
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
