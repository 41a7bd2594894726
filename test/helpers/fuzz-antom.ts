// Antom's hostile requests (pay, cancel, capture, refund, inquiryPayment, inquiryRefund under each
// prefix) and the judge of its answers: HTTP 200, a Result, signed with the merchant's gateway key,
// never SYSTEM_ERROR or UNKNOWN_EXCEPTION (unless a processor trigger asked for it).
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { PREFIXES, verifyResponse, type AntomClient } from './antom.ts';
import { antomSigned, signerOf } from './attacks-antom.ts';
import { CARD_NUMBERS, TRIGGER } from './fuzz-native.ts';
import { parsePublicKey } from '../../src/dialects/antom/signature.ts';
import type { DialectFuzz, FuzzCase, Verdict } from './fuzz-run.ts';
import type { Harness } from './harness.ts';
import { anyOf, good, hostileBody, hostileNumber, hostileString, obj, str, type FieldSpec, type Json } from './hostile-json.ts';
import type { Reply, Sent } from './wire.ts';

export interface AntomPool {
  paymentIds: string[];
  paymentRequestIds: string[];
  refundIds: string[];
  refundRequestIds: string[];
}

let serial = 0;
/**
 * A request id (an idempotency key): hostile text, but never one another request of the batch uses,
 * since two concurrent requests under one id are answered UNKNOWN_EXCEPTION (U) by design.
 */
const requestId: fc.Arbitrary<Json> = fc.oneof({ weight: 4, arbitrary: fc.constant('req') }, { weight: 1, arbitrary: hostileString }).map((s) => `${s.slice(0, 40)}#${++serial}`);
const pick = (ids: string[]): fc.Arbitrary<Json> => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: hostileString });
const amount = obj({ currency: 'USD', value: '1000' });
const amountArb = fc
  .tuple(str('USD', 'JPY', 'IDR', 'usd', 'XXXX'), anyOf(str('1000', '100', '0', '-1', '1.5', '99999999999999999'), hostileNumber))
  .map(([currency, value]) => obj({ currency, value }));
/** Valid and impossible date-times (Antom writes them with an offset). */
const dates = str('2031-06-01T12:00:00+08:00', '2031-02-30T12:00:00+08:00', '2031-04-31T10:00:00Z', '2031-06-01T24:00:00+08:00', '2031-06-01T12:00:00+0800', '2031-06-01T12:00:00', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59-12:00');
const url = str('https://merchant.example/return', 'http://127.0.0.1:9/notify', 'javascript:alert(1)', 'https://' + 'a'.repeat(3000));

function operations(pool: AntomPool): Record<string, FieldSpec> {
  const lookup: FieldSpec = {
    fields: { paymentId: pick(pool.paymentIds), paymentRequestId: pick(pool.paymentRequestIds), merchantAccountId: str('acct-1') },
    optional: ['paymentRequestId', 'merchantAccountId'],
  };
  return {
    pay: {
      fields: {
        productCode: good('CASHIER_PAYMENT', str('AGREEMENT_PAYMENT', 'IN_STORE_PAYMENT', 'X')),
        paymentRequestId: requestId,
        paymentAmount: good(amount, amountArb),
        paymentMethod: fc
          .tuple(good('ALIPAY_CN', str('CARD', 'GCASH', 'DANA', 'X-Y')), fc.option(fc.constantFrom(...CARD_NUMBERS), { freq: 3 }))
          .map(([type, cardNo]) => obj({ paymentMethodType: type, ...(cardNo ? { paymentMethodMetaData: obj({ cardNo }) } : {}) })),
        order: str('Cappuccino', 'sandbox:cancel_timeout', 'sandbox:cancel_system_error').map((d) => obj({ referenceOrderId: 'order-1', orderDescription: d, orderAmount: amount })),
        paymentRedirectUrl: good('https://merchant.example/return', url),
        paymentNotifyUrl: good('https://merchant.example/notify', url),
        paymentExpiryTime: good('2031-06-01T12:00:00+08:00', dates),
        paymentFactor: good('AUTOMATIC', str('MANUAL', 'x')).map((captureMode) => obj({ captureMode })),
      },
      optional: ['paymentRedirectUrl', 'paymentNotifyUrl', 'paymentExpiryTime', 'paymentFactor'],
    },
    cancel: lookup,
    inquiryPayment: lookup,
    capture: {
      fields: { captureRequestId: requestId, paymentId: pick(pool.paymentIds), captureAmount: good(amount, amountArb), isLastCapture: good('true', str('false', 'maybe')) },
      optional: ['isLastCapture'],
    },
    refund: {
      fields: { refundRequestId: requestId, paymentId: pick(pool.paymentIds), refundAmount: good(obj({ currency: 'USD', value: '100' }), amountArb), refundReason: good('customer', hostileString), refundNotifyUrl: good('https://merchant.example/notify', url) },
      optional: ['refundReason', 'refundNotifyUrl'],
    },
    inquiryRefund: { fields: { refundId: pick(pool.refundIds), refundRequestId: pick(pool.refundRequestIds), merchantAccountId: str('acct-1') }, optional: ['refundRequestId', 'merchantAccountId'] },
  };
}

type Auth = 'signed' | 'no-signature' | 'foreign-key' | 'unknown-client' | 'tampered';

export function antomFuzz(h: Harness, a: AntomClient, foreign: KeyObject, pool: AntomPool): DialectFuzz {
  const me = signerOf(a);
  const gateway = parsePublicKey(a.gatewayPublicKey);
  const shape = fc.oneof(...Object.entries(operations(pool)).map(([op, f]) => fc.tuple(fc.constant(op), fc.constantFrom(...PREFIXES), hostileBody(f))));
  const sign = (path: string, body: string | Buffer, auth: Auth): Sent => {
    // The signer signs text; raw bytes that are not UTF-8 go out as what that text encodes to.
    const raw = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    if (auth === 'foreign-key') return antomSigned(h, { ...me, privateKey: foreign }, path, raw);
    if (auth === 'unknown-client') return antomSigned(h, { ...me, clientId: 'SANDBOX_NOBODY000000' }, path, raw);
    if (auth === 'tampered') return antomSigned(h, me, path, raw, { signedBody: raw + ' ' });
    const s = antomSigned(h, me, path, raw);
    if (auth === 'no-signature') delete s.headers!.signature;
    return s;
  };
  return {
    name: 'antom',
    cases: (authenticated) =>
      fc.tuple(shape, authenticated ? fc.constant<Auth>('signed') : fc.constantFrom<Auth>('no-signature', 'foreign-key', 'unknown-client', 'tampered')).map(
        ([[op, prefix, body], auth]): FuzzCase => {
          const sent = sign(`${prefix}/${op}`, body, auth);
          return { op, sent, authenticated, trigger: TRIGGER.test(String(sent.body)) };
        },
      ),
    // A known client must be able to trust every answer, refusals included: signed by its gateway key.
    judge: (c, r) => judgeAntom(c, r, c.sent.headers?.['client-id'] === a.clientId && !verifyResponse(gateway, c.sent.path, r)),
  };
}

function judgeAntom(c: FuzzCase, r: Reply, unverified: boolean): Verdict {
  const result = r.body?.result;
  const cls = String(result?.resultCode ?? `HTTP ${r.status}`);
  const refusal = result?.resultStatus === 'F' && result.resultCode !== 'PROCESS_FAIL';
  if (r.status !== 200) return { cls, refusal, failure: `HTTP ${r.status} (Antom answers 200)` };
  if (typeof result?.resultCode !== 'string' || !['S', 'F', 'U'].includes(result.resultStatus)) return { cls, refusal, failure: 'no Result in the answer' };
  if ((cls === 'SYSTEM_ERROR' || cls === 'UNKNOWN_EXCEPTION') && !c.trigger) return { cls, refusal, failure: cls };
  if (unverified) return { cls, refusal, failure: 'answer not signed with the gateway key' };
  return { cls, refusal };
}
