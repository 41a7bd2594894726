// Hostile input in every dialect: bodies nested or sized beyond the bounds get the dialect's own
// parameter error before any recursive work (never an internal error), impossible dates are refused,
// JSON bodies must be declared JSON where the dialect says so, and what does fail internally is
// logged with a limit. Every refusal changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../src/core/clock.ts';
import { calendarUtc, isoDateTimeParser } from '../src/http/datetime.ts';
import { ErrorLogLimiter } from '../src/http/error-log.ts';
import { jsonBoundsProblem } from '../src/http/json-bounds.ts';
import { parseWib } from '../src/dialects/nicepay/fields.ts';
import { undefinedField } from '../src/dialects/nicepay/result-codes.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { antomMerchant, expectResult as expectAntom, payBody } from './helpers/antom.ts';
import { countPayments, create, createPayment, expectInvalid, expectStatus } from './helpers/native.ts';
import { expectResult as expectNicepay, nicepayMerchant, post, registrationRequest } from './helpers/nicepay.ts';

const h = await startKasir();
const antom = await antomMerchant(h, 'Hostile input shop');
const native = await nativeMerchant(h, 'Hostile input native shop');
const nicepay = await nicepayMerchant(h, undefined, 'Hostile input NICEPAY shop');

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const DEEP = nested(5000); // the attack test's 10 KB, 5,000 levels
const WIDE = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, 'v']));

test('the bounds: depth 32 and 1,000 members pass, one more does not; brackets in strings are text', () => {
  assert.equal(jsonBoundsProblem(nested(32)), null);
  assert.match(jsonBoundsProblem(nested(33))!, /nested deeper than 32/);
  assert.equal(jsonBoundsProblem(JSON.stringify({ a: Array.from({ length: 999 }, () => 0) })), null);
  assert.match(jsonBoundsProblem(JSON.stringify({ a: Array.from({ length: 1000 }, () => 0) }))!, /more than 1000/);
  assert.equal(jsonBoundsProblem(JSON.stringify({ s: '[{'.repeat(100) + '\\"' + ',,,'.repeat(1000) })), null);
  assert.equal(jsonBoundsProblem('{"a": [ ], "b": { }}'), null);
});

test('native: a deep or wide body is 400 VALIDATION_ERROR, nothing is created', async () => {
  const before = await countPayments(h, native.merchantId);
  expectInvalid(await create(native, `{"amount":"1.00","currency":"THB","metadata":{"a":${DEEP}}}`), 'body');
  expectInvalid(await create(native, { amount: '1.00', currency: 'THB', metadata: WIDE }), 'body');
  assert.equal(await countPayments(h, native.merchantId), before);
});

test('native: a body must be declared application/json (UTF-8); nothing is created otherwise', async () => {
  const body = { amount: '1.00', currency: 'THB' };
  const before = await countPayments(h, native.merchantId);
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', 'application/jsonx']) {
    expectInvalid(await create(native, body, { 'Content-Type': type }), 'Content-Type');
  }
  assert.equal(await countPayments(h, native.merchantId), before);
  expectStatus(await create(native, body, { 'Content-Type': 'Application/JSON; charset="UTF-8"' }), 201);
  // A request without a body needs no type.
  const p = await createPayment(native, { paymentMethod: 'wallet' });
  expectStatus(await native.request('POST', `/api/v1/payments/${p.id}/cancel`), 200);
});

test('Antom: a deep or wide body is PARAM_ILLEGAL (F), signed; no payment is made', async () => {
  const deep = payBody();
  const deepRaw = JSON.stringify(deep).replace(/}$/, `,"extra":${DEEP}}`);
  expectAntom(await antom.call('pay', undefined, { raw: deepRaw }), 'PARAM_ILLEGAL', 'F');
  const wide = payBody({ env: WIDE });
  expectAntom(await antom.call('pay', wide), 'PARAM_ILLEGAL', 'F');
  const { rows } = await h.deps.core.db.query('SELECT 1 FROM payments WHERE antom_payment_request_id = ANY($1)', [[deep.paymentRequestId, wide.paymentRequestId]]);
  assert.equal(rows.length, 0);
});

test('Antom: a body must be declared application/json', async () => {
  const body = payBody();
  expectAntom(await antom.call('pay', body, { headers: { 'content-type': 'text/plain' } }), 'PARAM_ILLEGAL', 'F');
  expectAntom(await antom.call('pay', body), 'PAYMENT_IN_PROCESS', 'U');
});

test('Antom: impossible paymentExpiryTime is PARAM_ILLEGAL, never rolled over', async () => {
  for (const at of ['2099-02-30T00:00:00Z', '2099-01-01T24:00:00Z', '2099-13-01T00:00:00+08:00', '2099-01-01T00:60:00Z', '2099-01-01T00:00:60Z', '2099-01-01T00:00:00+24:00']) {
    const body = payBody({ paymentExpiryTime: at });
    expectAntom(await antom.call('pay', body), 'PARAM_ILLEGAL', 'F');
    const { rows } = await h.deps.core.db.query('SELECT 1 FROM payments WHERE antom_payment_request_id = $1', [body.paymentRequestId]);
    assert.equal(rows.length, 0, at);
  }
  // The offset without its colon, as some SDKs write it, is still read exactly.
  const body = payBody({ paymentExpiryTime: '2099-02-28T23:59:59.123456789+0800' });
  const res = expectAntom(await antom.call('pay', body), 'PAYMENT_IN_PROCESS', 'U');
  const { rows } = await h.deps.core.db.query<{ expires_at: string | Date }>('SELECT expires_at FROM payments WHERE antom_payment_request_id = $1', [res.paymentRequestId]);
  assert.equal(new Date(rows[0].expires_at).toISOString(), '2099-02-28T15:59:59.123Z');
});

test('NICEPAY: a deep JSON body or a form of 1,001 fields is its parameter code 9012, without credentials, never 1003', async () => {
  const deep = await post(h, '/nicepay/direct/v2/registration', `{"iMid":"X","cartData":${DEEP}}`);
  assert.match(expectNicepay(deep, '9012').resultMsg, /nested deeper than 32/);
  const form = new URLSearchParams(Object.entries(WIDE)).toString();
  expectNicepay(await post(h, '/nicepay/direct/v2/inquiry', form, { contentType: 'application/x-www-form-urlencoded' }), '9012');
  // A registration just beyond the bounds is refused even with a valid token, and stores nothing.
  const req = registrationRequest(h, nicepay, '02');
  const raw = JSON.stringify(req).replace(/}$/, `,"cartData":${nested(40)}}`);
  expectNicepay(await post(h, '/nicepay/direct/v2/registration', raw), '9012');
  const { rows } = await h.deps.core.db.query('SELECT 1 FROM payments WHERE nicepay_reference_no = $1', [req.referenceNo]);
  assert.equal(rows.length, 0);
});

test('NICEPAY: cartData is a field holding JSON text: bounded before it is parsed, never 1003', async () => {
  // Inside a string (JSON) or a form value the body's bound never sees it; a deep goods_amt once
  // overflowed the stack in String() and answered 1003 with a logged stack.
  for (const cartData of [`{"item":[{"goods_amt":${nested(20_000)}}]}`, `{"item":[{"goods_amt":[["10000"]],"goods_quantity":{"n":1}}]}`]) {
    const req = registrationRequest(h, nicepay, '02', { cartData });
    const answer = await post(h, '/nicepay/direct/v2/registration', req);
    assert.notEqual(answer.body.resultCd, '1003', answer.text);
    assert.notEqual(answer.body.resultCd, '0000', answer.text);
    const { rows } = await h.deps.core.db.query('SELECT 1 FROM payments WHERE nicepay_reference_no = $1', [req.referenceNo]);
    assert.equal(rows.length, 0);
  }
});

test('NICEPAY: impossible validity dates and times get the field’s own code', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ vacctValidDt: '20990230' }, 'vacctValidDt'],
    [{ vacctValidDt: '20991301' }, 'vacctValidDt'],
    [{ vacctValidTm: '246000' }, 'vacctValidTm'],
    [{ vacctValidTm: '235960' }, 'vacctValidTm'],
  ];
  for (const [fields, field] of cases) {
    const req = registrationRequest(h, nicepay, '02', { vacctValidDt: '20990228', vacctValidTm: '120000', ...fields });
    const body = expectNicepay(await post(h, '/nicepay/direct/v2/registration', req), undefinedField(field).resultCd);
    assert.match(body.resultMsg, new RegExp(`^Invalid ${field}:`));
    const { rows } = await h.deps.core.db.query('SELECT 1 FROM payments WHERE nicepay_reference_no = $1', [req.referenceNo]);
    assert.equal(rows.length, 0, JSON.stringify(fields));
  }
});

test('an unpaired surrogate (which PostgreSQL cannot store) is each dialect’s parameter error, nothing stored', async () => {
  const before = await countPayments(h, native.merchantId);
  expectInvalid(await create(native, '{"amount":"1.00","currency":"THB","metadata":{"\\ud800":"v"}}'), 'metadata.\ud800');
  expectInvalid(await create(native, '{"amount":"1.00","currency":"THB","description":"a\\udc00b"}'), 'description');
  assert.equal(await countPayments(h, native.merchantId), before);
  const body = payBody();
  const raw = JSON.stringify(body).replace(/}$/, ',"order":{"orderDescription":"x\\ud800"}}');
  expectAntom(await antom.call('pay', undefined, { raw }), 'PARAM_ILLEGAL', 'F');
  const req = registrationRequest(h, nicepay, '02');
  const nicepayRaw = JSON.stringify(req).replace(/}$/, ',"goodsNm":"x\\ud800"}');
  expectNicepay(await post(h, '/nicepay/direct/v2/registration', nicepayRaw), '9012');
  const { rows } = await h.deps.core.db.query('SELECT 1 FROM payments WHERE antom_payment_request_id = $1 OR nicepay_reference_no = $2', [body.paymentRequestId, req.referenceNo]);
  assert.equal(rows.length, 0);
});

test('one strict calendar: no roll-over, years 1 to 9999, offsets in range', () => {
  assert.equal(calendarUtc(2099, 2, 30, 0, 0, 0), null);
  assert.equal(calendarUtc(2100, 2, 29, 0, 0, 0), null, '2100 is not a leap year');
  assert.equal(calendarUtc(2000, 2, 29, 0, 0, 0)!.toISOString(), '2000-02-29T00:00:00.000Z');
  assert.equal(calendarUtc(50, 1, 1, 0, 0, 0)!.getUTCFullYear(), 50, 'never mapped to 1950');
  const native = isoDateTimeParser({ fractionDigits: 3, compactOffset: false });
  assert.equal(native('2099-01-01T00:00:00+0800'), null, 'the native syntax wants the colon');
  assert.equal(native('2099-01-01T00:00:00.1234Z'), null);
  assert.equal(native('0000-06-01T00:00:00Z'), null);
  assert.equal(native('9999-12-31T23:59:59-01:00'), null, 'lands in year 10000');
  assert.equal(native('2024-05-06T07:08+07:00')!.toISOString(), '2024-05-06T00:08:00.000Z');
  assert.equal(parseWib('20990230', '000000'), null);
  assert.equal(parseWib('20990101', '246000'), null);
  assert.equal(parseWib('00010101', '000000'), null, 'UTC+7 midnight of year 1 is in year 0');
  assert.equal(parseWib('20240101', '070000')!.toISOString(), '2024-01-01T00:00:00.000Z');
});

test('internal errors: at most N stacks per window, then one line, then the count', () => {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    error: (obj: object, msg: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  };
  const clock = new FixedClock('2024-01-01T00:00:00Z');
  const limiter = new ErrorLogLimiter({ stacksPerWindow: 3, windowMs: 60_000 });
  for (let i = 0; i < 10; i++) limiter.internal(log, clock, new Error(`boom ${i}`), 'request failed');
  assert.deepEqual(lines.map((l) => l.level), ['error', 'error', 'error', 'warn']);
  assert.equal((lines[2].obj.err as Error).message, 'boom 2');
  clock.advance(60_000);
  limiter.internal(log, clock, new Error('later'), 'request failed');
  assert.deepEqual(lines.slice(4).map((l) => [l.level, l.obj.suppressedErrors ?? (l.obj.err as Error).message]), [['warn', 7], ['error', 'later']]);
});
