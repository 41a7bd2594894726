// The native dialect's hostile requests (create, confirm, cancel, refund, capture, plus retrieve and
// list) and the judge of its answers: the envelope, never a 5xx (a 503 OUTCOME_UNKNOWN only when
// the request carries a processor trigger), every 4xx but 402 a refusal that changed nothing.
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { NativeKeys } from './attacks-native.ts';
import { signV2, timestamp } from './attacks-native.ts';
import type { DialectFuzz, FuzzCase, Verdict } from './fuzz-run.ts';
import type { Harness } from './harness.ts';
import { good, hostileBody, hostileString, obj, str, type FieldSpec } from './hostile-json.ts';
import type { Reply, Sent } from './wire.ts';

export const TRIGGER = /4000000000000119|sandbox:/;
export const CARD_NUMBERS = ['4242424242424242', '5123450000000008', '4000002500003155', '4000000000000002', '4000000000009995', '4000000000000119', '4242424242424241', '1234 5678 9012 3456'];
const card = fc.constantFrom(...CARD_NUMBERS).map((number) => obj({ card: obj({ number }) }));
const reasons = good('requested_by_customer', str('duplicate', 'fraudulent', 'abandoned', 'other'));
/** Valid dates, impossible ones (30 February, 24:00) and near misses of the syntax. */
export const dateStrings = str('2031-01-01T00:00:00Z', '2031-02-30T00:00:00Z', '2031-13-01T00:00:00Z', '2031-01-01T24:00:00Z', '2031-01-01T00:60:00Z', '2031-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '2031-01-01T00:00:00+25:00', '1e12', '');

const FIELDS: Record<string, FieldSpec> = {
  create: {
    fields: {
      amount: good('1000.00', str('10', '0.01', '0', '-1', '1e3', '10.001', '99999999999999999999', ' 10')),
      currency: good('THB', str('USD', 'JPY', 'IDR', 'thb', 'XXX')),
      paymentMethod: good('card', str('promptpay', 'wallet', 'bank_transfer', 'crypto')),
      paymentMethodData: card,
      referenceId: good('order-1', hostileString),
      description: good('Order', hostileString, str('sandbox:confirm_timeout', 'sandbox:cancel_system_error')),
      metadata: good(obj({ order: '1' }), fc.dictionary(hostileString, hostileString, { maxKeys: 4 }).map((d) => obj(d))),
      captureMethod: good('automatic', str('manual', 'later')),
      confirm: fc.boolean(),
      expiresAt: good('2031-01-01T00:00:00Z', dateStrings),
      expiresInSeconds: good({ raw: '3600' }, fc.integer({ min: -10, max: 40 * 86_400 }).map((n) => ({ raw: String(n) }))),
    },
    optional: ['paymentMethod', 'paymentMethodData', 'referenceId', 'description', 'metadata', 'captureMethod', 'confirm', 'expiresAt', 'expiresInSeconds'],
  },
  confirm: { fields: { paymentMethod: str('card', 'promptpay', 'wallet'), paymentMethodData: card }, optional: ['paymentMethod', 'paymentMethodData'] },
  cancel: { fields: { cancellationReason: reasons }, optional: ['cancellationReason'] },
  refund: { fields: { amount: str('1.00', '0.01', '0', '1000000', '1,00'), reason: reasons }, optional: ['amount', 'reason'] },
  capture: { fields: { amountToCapture: str('1.00', '1000.00', '0', '-5') }, optional: ['amountToCapture'] },
};

/** Any text as one path segment: its UTF-8 bytes percent-encoded (encodeURIComponent throws on lone surrogates). */
const pathSegment = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('') || '%20';

/** A path segment naming a payment: a real one, an unknown one, or something that is not an id. */
const idArb = (ids: string[]) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: hostileString.map((s) => pathSegment(s.slice(0, 3000))) },
  );

interface Shape {
  op: string;
  method: string;
  path: string;
  body?: string | Buffer;
}

function shapes(ids: string[]): fc.Arbitrary<Shape> {
  const post = (op: string, path: (id: string) => string) =>
    fc.tuple(idArb(ids), hostileBody(FIELDS[op])).map(([id, body]): Shape => ({ op, method: 'POST', path: path(id), body }));
  const query = fc.dictionary(fc.constantFrom('limit', 'startingAfter', 'status', 'referenceId', 'createdGte', 'createdLte', 'x', '__proto__'), hostileString, { maxKeys: 4 });
  return fc.oneof(
    { weight: 3, arbitrary: hostileBody(FIELDS.create).map((body): Shape => ({ op: 'create', method: 'POST', path: '/api/v1/payments', body })) },
    { weight: 2, arbitrary: post('confirm', (id) => `/api/v1/payments/${id}/confirm`) },
    { weight: 2, arbitrary: post('cancel', (id) => `/api/v1/payments/${id}/cancel`) },
    { weight: 2, arbitrary: post('refund', (id) => `/api/v1/payments/${id}/refunds`) },
    { weight: 2, arbitrary: post('capture', (id) => `/api/v1/payments/${id}/capture`) },
    { weight: 1, arbitrary: idArb(ids).map((id): Shape => ({ op: 'retrieve', method: 'GET', path: `/api/v1/payments/${id}` })) },
    { weight: 1, arbitrary: query.map((q): Shape => ({ op: 'list', method: 'GET', path: `/api/v1/payments?${new URLSearchParams(q)}` })) },
  );
}

const hmac = (secret: string, ts: string, raw: string | Buffer) => 'sha256=' + createHmac('sha256', secret).update(`${ts}.`).update(raw).digest('hex');
/** Header values fetch can send (visible ASCII), hostile in every other way. */
const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,300}$/);

type Auth = 'sha256' | 'v2' | 'none' | 'wrong-secret' | 'unknown-key' | 'stale' | 'garbled';

function sign(h: Harness, k: NativeKeys, s: Shape, auth: Auth, idem: string | null, garble: string): Sent {
  const raw = s.body ?? '';
  const ts = timestamp(h, auth === 'stale' ? -600_000 : 0);
  // v2 signs text; a body of raw bytes (not UTF-8) is signed with the sha256 scheme, which signs bytes.
  const signature =
    auth === 'v2' && !Buffer.isBuffer(raw) ? signV2(k.apiSecret, ts, s.method, s.path, raw) : hmac(auth === 'wrong-secret' ? 'ks_' + randomBytes(8).toString('hex') : k.apiSecret, ts, raw);
  const headers: Record<string, string> =
    auth === 'none' ? {} : { 'x-api-key': auth === 'unknown-key' ? `kn_${randomBytes(12).toString('hex')}` : k.apiKey, 'x-timestamp': auth === 'garbled' ? garble : ts, 'x-signature': signature };
  if (s.body !== undefined) headers['content-type'] = 'application/json';
  if (idem !== null) headers['idempotency-key'] = idem;
  return { method: s.method, path: s.path, body: s.body, headers };
}

export function nativeFuzz(h: Harness, k: NativeKeys, ids: string[]): DialectFuzz {
  return {
    name: 'native',
    cases: (authenticated) =>
      fc
        .tuple(shapes(ids), authenticated ? fc.constantFrom<Auth>('sha256', 'sha256', 'v2') : fc.constantFrom<Auth>('none', 'wrong-secret', 'unknown-key', 'stale', 'garbled'), fc.option(headerValue, { freq: 4 }), headerValue)
        .map(([s, auth, idem, garble]): FuzzCase => {
          const sent = sign(h, k, s, auth, idem, garble);
          const text = Buffer.isBuffer(sent.body) ? sent.body.toString('latin1') : (sent.body ?? '');
          return { op: s.op, sent, authenticated, trigger: TRIGGER.test(text) };
        }),
    judge: (c, r) => judgeNative(c, r),
  };
}

function judgeNative(c: FuzzCase, r: Reply): Verdict {
  const code = r.body?.error?.code ?? (r.body?.success === true ? 'ok' : 'not an envelope');
  const cls = `${r.status} ${code}`;
  const refusal = r.status >= 400 && r.status < 500 && r.status !== 402;
  if (typeof r.body?.success !== 'boolean') return { cls, refusal, failure: 'answer is not the native envelope' };
  if (r.status === 503 && code === 'OUTCOME_UNKNOWN' && c.trigger) return { cls, refusal };
  if (r.status >= 500) return { cls, refusal, failure: `HTTP ${r.status} ${code}` };
  return { cls, refusal };
}
