// Fail closed on bad input (docs/architecture.md): every malformed request is a 400 VALIDATION_ERROR naming
// the field (413 for an oversized body, 404 for an unknown path), nothing is stored, and never a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { cancel, countPayments, create, expectInvalid, expectStatus, reach, stored } from './helpers/native.ts';

const h = await startKasir();
const m = await nativeMerchant(h); // only ever sends invalid requests: it must end with no payment
const valid = await nativeMerchant(h, 'Valid requests');
const base = { amount: '1000.00', currency: 'THB' };
const card = (number: string, extra = {}) => ({ paymentMethod: 'card', paymentMethodData: { card: { number, ...extra } } });

async function assertNothingCreated() {
  assert.equal(await countPayments(h, m.merchantId), 0);
  const list = expectStatus(await m.request('GET', '/api/v1/payments'), 200);
  assert.deepEqual(list.data.data, []);
}

test('malformed JSON and non-object bodies: 400 naming body', async () => {
  for (const raw of ['{', '{"amount":', 'not json', "{'amount':'1'}", 'null', '[]', '"text"', '123', 'true', '{"amount":"1.00",}']) {
    expectInvalid(await create(m, raw), 'body');
  }
  const empty = await m.request('POST', '/api/v1/payments');
  expectInvalid(empty, 'body');
  assert.equal(empty.body.error.message, 'body is required');
  await assertNothingCreated();
});

test('wrong types, missing and unknown fields: 400 naming the field', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ currency: 'THB' }, 'amount'],
    [{ amount: '1.00' }, 'currency'],
    [{ ...base, amount: 1000 }, 'amount'],
    [{ ...base, amount: null }, 'amount'],
    [{ ...base, currency: 764 }, 'currency'],
    [{ ...base, paymentMethod: 'cash' }, 'paymentMethod'],
    [{ ...base, paymentMethod: null }, 'paymentMethod'],
    [{ ...base, captureMethod: 'later' }, 'captureMethod'],
    [{ ...base, confirm: 'yes' }, 'confirm'],
    [{ ...base, referenceId: 42 }, 'referenceId'],
    [{ ...base, metadata: 'x' }, 'metadata'],
    [{ ...base, metadata: ['x'] }, 'metadata'],
    [{ ...base, metadata: { k: 1 } }, 'metadata.k'],
    [{ ...base, metadata: { k: { nested: 'x' } } }, 'metadata.k'],
    [{ ...base, expiresInSeconds: '600' }, 'expiresInSeconds'],
    [{ ...base, expiresInSeconds: 600.5 }, 'expiresInSeconds'],
    [{ ...base, expiresInSeconds: 59 }, 'expiresInSeconds'],
    [{ ...base, expiresAt: 1735689600000 }, 'expiresAt'],
    [{ ...base, expiresAt: '2099-01-01' }, 'expiresAt'],
    [{ ...base, expiresAt: '2099-02-30T00:00:00Z' }, 'expiresAt'],
    [{ ...base, ...card('12') }, 'paymentMethodData.card.number'],
    [{ ...base, ...card('4242424242424242', { cvc: 123 }) }, 'paymentMethodData.card.cvc'],
    [{ ...base, ...card('4242424242424242', { expMonth: 13 }) }, 'paymentMethodData.card.expMonth'],
    [{ ...base, paymentMethod: 'promptpay', paymentMethodData: { card: { number: '4242424242424242' } } }, 'paymentMethodData.card'],
    [{ ...base, confirm: true }, 'paymentMethod'],
    [{ ...base, colour: 'red' }, 'colour'],
    [{ ...base, colour: { zzz: 1 } }, 'colour'],
    [{ ...base, Amount: '1.00' }, 'Amount'],
    [{ ...base, paymentMethodData: { bank: { number: '1' } } }, 'paymentMethodData.bank'],
    [{ ...base, ...card('4242424242424242', { holder: 'A' }) }, 'paymentMethodData.card.holder'],
    [{ ...base, metadata: { 'a/b': 1 } }, 'metadata.a/b'],
  ];
  for (const [body, field] of cases) expectInvalid(await create(m, body), field);
  await assertNothingCreated();
});

test('amounts: too many decimals for the currency, zero, negative, unknown currency, huge', async () => {
  const cases: [string, string, string][] = [
    ['1.001', 'THB', 'amount'], ['1.5', 'JPY', 'amount'], ['100.0', 'JPY', 'amount'], ['1.0001', 'BHD', 'amount'],
    ['0', 'THB', 'amount'], ['0.00', 'THB', 'amount'], ['-1.00', 'THB', 'amount'], ['-0', 'JPY', 'amount'], ['', 'THB', 'amount'],
    ['1e3', 'THB', 'amount'], ['1,000.00', 'THB', 'amount'], [' 1.00', 'THB', 'amount'], ['NaN', 'THB', 'amount'],
    ['99999999999999999', 'JPY', 'amount'], ['10000000000000.01', 'THB', 'amount'], ['1'.repeat(21), 'JPY', 'amount'],
    ['1.00', 'XXX', 'currency'], ['1.00', 'thb', 'currency'], ['1.00', 'TH', 'currency'], ['1.00', 'THBB', 'currency'], ['1.00', '', 'currency'],
  ];
  for (const [amount, currency, field] of cases) {
    const res = await create(m, { amount, currency });
    expectInvalid(res, field);
    assert.ok(res.body.error.message.startsWith(`${field} `), res.text);
  }
  const decimals = await create(m, { amount: '1.5', currency: 'JPY' });
  assert.equal(decimals.body.error.message, 'amount has more than 0 decimal places for JPY');
  await assertNothingCreated();
});

test('oversized fields: 400 naming the field', async () => {
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  const cases: [Record<string, unknown>, string][] = [
    [{ ...base, referenceId: 'r'.repeat(256) }, 'referenceId'],
    [{ ...base, referenceId: '' }, 'referenceId'],
    [{ ...base, description: 'd'.repeat(1001) }, 'description'],
    [{ ...base, metadata: { k: 'v'.repeat(501) } }, 'metadata.k'],
    [{ ...base, metadata: { ['k'.repeat(41)]: 'v' } }, `metadata.${'k'.repeat(41)}`],
    [{ ...base, metadata: { ok: 'v', '': 'empty key' } }, 'metadata.'],
    [{ ...base, metadata: many }, 'metadata'],
    [{ ...base, expiresInSeconds: 30 * 86_400 + 1 }, 'expiresInSeconds'],
  ];
  for (const [body, field] of cases) expectInvalid(await create(m, body), field);
  await assertNothingCreated();
  // The limits themselves are accepted.
  const edge = { ...base, referenceId: 'r'.repeat(255), description: 'd'.repeat(1000), metadata: { ['k'.repeat(40)]: 'v'.repeat(500) } };
  const p = expectStatus(await create(valid, edge), 201).data;
  assert.deepEqual([p.referenceId, p.description, p.metadata], [edge.referenceId, edge.description, edge.metadata]);
});

test('NUL characters (which PostgreSQL cannot store) are refused, not a 500', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ ...base, description: 'a\u0000b' }, 'description'],
    [{ ...base, referenceId: '\u0000' }, 'referenceId'],
    [{ ...base, metadata: { k: 'v\u0000' } }, 'metadata.k'],
    [{ ...base, metadata: { 'k\u0000': 'v' } }, 'metadata.k\u0000'],
  ];
  for (const [body, field] of cases) expectInvalid(await create(m, body), field);
  expectInvalid(await m.request('GET', '/api/v1/payments?referenceId=%00'), 'referenceId');
  await assertNothingCreated();
});

test('lifecycle bodies: wrong types and unknown fields change nothing', async () => {
  const p = await reach(h, valid, 'requires_capture');
  const before = await stored(h, p.id);
  const post = (op: string, body: unknown) => valid.request('POST', `/api/v1/payments/${p.id}/${op}`, body);
  expectInvalid(await post('capture', { amountToCapture: 500 }), 'amountToCapture');
  expectInvalid(await post('capture', { amountToCapture: '1.001' }), 'amountToCapture');
  expectInvalid(await post('capture', { amount: '1.00' }), 'amount');
  expectInvalid(await post('capture', '{'), 'body');
  expectInvalid(await post('refunds', { amount: 1 }), 'amount');
  expectInvalid(await post('confirm', { paymentMethod: 'cash' }), 'paymentMethod');
  expectInvalid(await post('cancel', { cancellationReason: 7 }), 'cancellationReason');
  expectInvalid(await post('cancel', 'null'), 'body');
  assert.deepEqual(await stored(h, p.id), before);
});

test('a body over the limit: 413 in the envelope; unknown paths and methods: 404 in the envelope', async () => {
  const big = await create(m, { ...base, description: 'x'.repeat(70_000) });
  assert.equal(big.status, 413, big.text);
  assert.deepEqual(big.body, { success: false, error: { code: 'VALIDATION_ERROR', message: 'The request body is too large', details: { field: 'body' } } });
  assert.ok(big.headers.get('x-request-id'));
  const noSuchApi = { success: false, error: { code: 'RESOURCE_NOT_FOUND', message: 'No such API' } };
  for (const [method, path] of [
    ['GET', '/api/v1/nothing'], ['POST', '/api/v1/payment'], ['DELETE', '/api/v1/payments'],
    ['PUT', '/api/v1/payments/0190b6f0-0000-7000-8000-000000000000'], ['GET', '/api/v1/payments/0190b6f0-0000-7000-8000-000000000000/cancel'],
  ]) {
    const res = await m.request(method, path);
    assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
    assert.deepEqual(res.body, noSuchApi, `${method} ${path}`);
    assert.ok(res.headers.get('x-request-id'));
  }
  await assertNothingCreated();
});

// A random JSON value, biased towards objects with the create endpoint's own keys.
const KEYS = ['amount', 'currency', 'paymentMethod', 'paymentMethodData', 'referenceId', 'description', 'metadata', 'captureMethod', 'confirm', 'expiresAt', 'expiresInSeconds', 'cancellationReason'];
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('1000.00', '100', 'THB', 'JPY', 'card', 'promptpay', 'manual', 'duplicate', '-1', '1e9', '2099-01-01T00:00:00Z'));
const anyValue = fc.oneof(anyString, fc.jsonValue(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), anyValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

test('fuzz: random bodies to create and cancel are answered 2xx/4xx in the envelope, never 500', async () => {
  const victim = await reach(h, valid, 'requires_action');
  await fc.assert(
    fc.asyncProperty(body, body, async (createBody, cancelBody) => {
      const c = await create(valid, createBody);
      assert.ok([201, 400].includes(c.status), `create ${createBody} → ${c.status} ${c.text}`);
      assert.equal(c.body.success, c.status === 201, c.text);
      if (c.status === 400) assert.equal(c.body.error.code, 'VALIDATION_ERROR');
      const x = await cancel(valid, victim.id, cancelBody);
      assert.ok([200, 400].includes(x.status), `cancel ${cancelBody} → ${x.status} ${x.text}`);
      assert.equal(x.body.success, x.status === 200, x.text);
    }),
    { numRuns: 100 },
  );
});
