// NICEPAY's hostile requests (registration, inquiry, cancel and the browser's payment step; JSON,
// form or query string) and the judge of its answers: HTTP 200 with a resultCd (on the page for the
// browser step), never 1003 (internal error) nor 1004 (outcome unknown, unless a processor trigger).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { cancelToken, registrationToken, paymentToken } from '../../src/dialects/nicepay/token.ts';
import { CARD_NUMBERS, TRIGGER } from './fuzz-native.ts';
import type { DialectFuzz, FuzzCase, Verdict } from './fuzz-run.ts';
import type { Harness } from './harness.ts';
import { anyOf, good, hostileBody, hostileNumber, hostileObject, hostileString, jsonText, str, type FieldSpec, type Json } from './hostile-json.ts';
import * as np from './nicepay.ts';
import type { Reply, Sent } from './wire.ts';

export interface Registered {
  tXid: string;
  referenceNo: string;
  amt: string;
  payMethod: string;
}

let serial = 0;

function operations(h: Harness, iMid: string, pool: Registered[]): Record<string, fc.Arbitrary<{ entry: Registered; spec: FieldSpec }>> {
  const ts = fc.constant(null).map((): Json => np.timeStamp(h));
  const common = (e: Registered) => ({ timeStamp: ts, iMid: str(iMid), tXid: str(e.tXid), amt: good(e.amt, hostileNumber, str('10000.00', '0', '-1', '1e4')) });
  const on = (methods: string[], spec: (e: Registered) => FieldSpec) => fc.constantFrom(...pool.filter((e) => methods.includes(e.payMethod))).map((entry) => ({ entry, spec: spec(entry) }));
  const perMethod = ['bankCd', 'mitraCd', 'vacctValidDt', 'vacctValidTm', 'payValidDt', 'payValidTm', 'paymentExpDt', 'paymentExpTm', 'instmntType', 'instmntMon', 'recurrOpt'];
  return {
    registration: on(['01'], (e) => ({
      fields: {
        ...common(e),
        payMethod: good('02', str('01', '03', '05', '08', '99')),
        currency: good('IDR', str('USD', 'idr')),
        referenceNo: fc.oneof({ weight: 4, arbitrary: fc.constant('ORD') }, { weight: 1, arbitrary: hostileString }).map((s): Json => `${s.slice(0, 30)}${++serial}`),
        goodsNm: good('Goods', hostileString), billingNm: good('Budi', hostileString), billingPhone: str('081234567890'), billingEmail: str('budi@example.com'),
        billingCity: str('Jakarta'), billingState: str('DKI'), billingPostCd: str('10110'), billingCountry: str('Indonesia'),
        dbProcessUrl: good('http://127.0.0.1:9/notify', str('javascript:x', 'ftp://x')), callBackUrl: good('https://merchant.example/r', str('data:text/html,x')),
        description: good('Order', hostileString, str('sandbox:cancel_timeout')), userIP: str('127.0.0.1'),
        cartData: good('{}', str('{"item":[{"goods_amt":"10000"}]}', '{"item":[{"goods_amt":"1"}]}', '{"item":', '['.repeat(5000))),
        bankCd: good('BMRI', str('XXXX')), mitraCd: str('ALMA', 'OVOE', 'QSHP', '????'),
        vacctValidDt: good('20310101', str('20310230', '20311301', '2031011')), vacctValidTm: good('235959', str('240000', '236000', '23595')),
        payValidDt: str('20310101', '20310431'), payValidTm: str('120000', '126000'), paymentExpDt: str('20310101', '20310229'), paymentExpTm: str('000000', '000060'),
        instmntType: str('1', '2'), instmntMon: str('1', '0', '99'), recurrOpt: str('0', '1', '2'),
      },
      optional: ['callBackUrl', 'description', 'userIP', 'cartData', ...perMethod],
    })),
    inquiry: on(['01', '02'], (e) => ({ fields: { ...common(e), referenceNo: good(e.referenceNo, hostileString) }, optional: ['tXid'] })),
    cancel: on(['01', '02'], (e) => ({
      fields: { ...common(e), payMethod: good(e.payMethod, str('01', '02', '9')), cancelType: good('1', str('2', '01', '3', '')), cancelMsg: hostileString, preauthToken: str('') },
      optional: ['cancelMsg', 'preauthToken'],
    })),
    payment: on(['01'], (e) => ({
      fields: {
        timeStamp: ts, tXid: str(e.tXid),
        callBackUrl: good('https://merchant.example/r', str('javascript:alert(1)', '//evil.example', 'https://merchant.example/r?x=1#y')),
        cardNo: anyOf(fc.constantFrom(...CARD_NUMBERS), hostileString), cardExpYymm: good('3912', str('0001', '3913', 'ab')), cardCvv: good('100', str('1', 'abcd')),
        cardHolderNm: str('BUDI'), cardHolderEmail: str('budi@example.com'),
      },
      optional: ['callBackUrl', 'cardHolderNm', 'cardHolderEmail'],
    })),
  };
}

/** The fields exactly as the server decodes them (transport.ts): JSON's last duplicate or the form's first. */
function serverView(text: string, form: boolean): Record<string, string> {
  if (form) {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(text)) if (!Object.hasOwn(out, k)) out[k] = v;
    return out;
  }
  try {
    const parsed = JSON.parse(text);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed ?? {})) {
      if (v === null || v === undefined) continue;
      out[k] = typeof v === 'string' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v).toString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return out;
  } catch {
    return {};
  }
}

type Auth = 'token' | 'no-token' | 'random-token' | 'other-key' | 'unknown-iMid';
type Wire = 'json' | 'form' | 'get';

function encode(pairs: [string, Json][], wire: Wire): string {
  if (wire === 'json') return jsonText({ pairs });
  const q = new URLSearchParams();
  for (const [k, v] of pairs) q.append(k, typeof v === 'string' ? v : jsonText(v));
  return q.toString();
}

export function nicepayFuzz(h: Harness, m: { iMid: string; merchantKey: string }, pool: Registered[]): DialectFuzz {
  const ops = operations(h, m.iMid, pool);
  const token = (op: string, f: Record<string, string>, key: string, e: Registered) => {
    const [timeStamp, iMid, amt] = [f.timeStamp ?? '', f.iMid ?? '', f.amt ?? ''];
    if (op === 'cancel') return cancelToken({ timeStamp, iMid, tXid: f.tXid ?? '', amt, merchantKey: key });
    if (op === 'payment') return paymentToken({ timeStamp, iMid: (f.tXid ?? '').slice(0, 10), referenceNo: e.referenceNo, amt: e.amt, merchantKey: key });
    return registrationToken({ timeStamp, iMid, referenceNo: f.referenceNo ?? '', amt, merchantKey: key });
  };
  const build = (op: string, entry: Registered, body: Json | string | Buffer, wire: Wire, auth: Auth): Sent => {
    const path = op === 'payment' ? '/nicepay/direct/v2/payment' : `/nicepay/direct/v2/${op}`;
    if (typeof body === 'string' || Buffer.isBuffer(body) || body === null || typeof body !== 'object' || !('pairs' in body)) {
      // Not an object of fields: sent as it is, as JSON.
      return { method: 'POST', path, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : jsonText(body), headers: { 'content-type': 'application/json' } };
    }
    let pairs = body.pairs;
    if (auth === 'unknown-iMid') pairs = pairs.map(([k, v]) => [k, k === 'iMid' ? 'NOBODY0000' : k === 'tXid' && typeof v === 'string' ? 'NOBODY0000' + v.slice(10) : v]);
    const view = serverView(encode(pairs, wire), wire !== 'json');
    const key = auth === 'other-key' ? randomBytes(32).toString('base64') : m.merchantKey;
    const tokenValue = auth === 'random-token' ? randomBytes(32).toString('hex') : token(op, view, key, entry);
    const text = encode(auth === 'no-token' ? pairs : [...pairs, ['merchantToken', tokenValue]], wire);
    if (wire === 'get') return { method: 'GET', path: `${path}?${text}` };
    return { method: 'POST', path, body: text, headers: { 'content-type': wire === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' } };
  };
  const shape = fc.oneof(
    ...Object.entries(ops).map(([op, arb]) =>
      arb.chain(({ entry, spec }) =>
        fc.tuple(fc.constant(op), fc.constant(entry), fc.oneof({ weight: 4, arbitrary: hostileObject(spec) }, { weight: 1, arbitrary: hostileBody(spec) }), fc.constantFrom<Wire>(...(op === 'payment' ? ['form', 'get', 'json'] as const : ['json', 'form'] as const))),
      ),
    ),
  );
  return {
    name: 'nicepay',
    cases: (authenticated) =>
      fc.tuple(shape, authenticated ? fc.constant<Auth>('token') : fc.constantFrom<Auth>('no-token', 'random-token', 'other-key', 'unknown-iMid')).map(([[op, entry, body, wire], auth]): FuzzCase => {
        const sent = build(op, entry, body, wire, auth);
        return { op, sent, authenticated, trigger: TRIGGER.test(`${sent.path} ${String(sent.body ?? '')}`) };
      }),
    judge: judgeNicepay,
  };
}

function judgeNicepay(c: FuzzCase, r: Reply): Verdict {
  const page = c.op === 'payment';
  // The browser step answers pages; a body it cannot even decode (transport.ts) is answered in JSON.
  const onPage: string | undefined = page ? /<code id="resultCd">([^<]*)<\/code>/.exec(r.text)?.[1] : undefined;
  const code: string | undefined = onPage ?? r.body?.resultCd;
  // The 3-D Secure / e-wallet approval page carries no result yet: the buyer has not answered.
  if (page && code === undefined && r.status === 200 && r.text.includes('/nicepay/sandbox/pay')) return { cls: 'payment challenge page', refusal: false };
  const cls = `${c.op}${page && onPage === undefined ? ' (JSON)' : ''} ${code ?? `HTTP ${r.status}`}`;
  const refusal = code !== undefined && code !== '0000' && !(page && (code === '9314' || code === '1004'));
  if (r.status !== 200) return { cls, refusal, failure: `HTTP ${r.status} (NICEPAY answers 200)` };
  if (typeof code !== 'string') return { cls, refusal, failure: 'no resultCd in the answer' };
  if (code === '1003' || code === '') return { cls, refusal, failure: `resultCd ${code || '(empty)'}: internal error` };
  if (code === '1004' && !c.trigger) return { cls, refusal, failure: 'resultCd 1004 without a processor trigger' };
  return { cls, refusal };
}
