// Idempotency-Key (docs/native-api.md): same key + same request → the first response replayed byte for
// byte with no new effect; same key + another request → 422; validation failures are not kept;
// keys are per merchant, at most 255 characters, and kept at least 24 hours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../src/core/clock.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import {
  cancel, CARDS, countEvents, countPayments, create, expectInvalid, expectStatus, reach, stored, type Response,
} from './helpers/native.ts';

const h = await startKasir({ clock: new FixedClock('2024-06-01T00:00:00.000Z') });
const m = await nativeMerchant(h);
const key = (k: string) => ({ 'Idempotency-Key': k });
const body = { amount: '250.00', currency: 'THB', referenceId: 'idem' };

function assertReplay(replay: Response, original: Response) {
  assert.equal(replay.status, original.status, replay.text);
  assert.equal(replay.text, original.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(original.headers.get('idempotent-replayed'), null);
}

const REUSED = { success: false, error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'This Idempotency-Key was used with a different request' } };

test('create: same key + same body replays the first response byte for byte, one payment', async () => {
  const im = await nativeMerchant(h, 'Replays');
  const first = await create(im, body, key('k-create'));
  const p = expectStatus(first, 201).data;
  h.clock.advance(5000);
  const second = await create(im, body, key('k-create'));
  assertReplay(second, first);
  assert.equal(await countPayments(h, im.merchantId), 1);
  // The replay is the first answer even after the payment changed since.
  expectStatus(await cancel(im, p.id), 200);
  const third = await create(im, body, key('k-create'));
  assertReplay(third, first);
  assert.equal(third.body.data.status, 'requires_payment_method');
  assert.equal((await stored(h, p.id)).status, 'canceled');
  assert.equal(await countPayments(h, im.merchantId), 1);
  // Without a key, the same body is a new payment.
  expectStatus(await create(im, body), 201);
  assert.equal(await countPayments(h, im.merchantId), 2);
});

test('cancel: a retry under the same key replays the success instead of "already canceled"', async () => {
  const p = await reach(h, m, 'requires_action');
  const first = await cancel(m, p.id, undefined, key(`cancel-${p.id}`));
  expectStatus(first, 200);
  assertReplay(await cancel(m, p.id, undefined, key(`cancel-${p.id}`)), first);
  assert.equal(await countEvents(h, p.id, 'canceled'), 1);
  // A new key is a new request: the payment is canceled already.
  expectStatus(await cancel(m, p.id, undefined, key(`cancel-${p.id}-2`)), 400);
  // A final 404 is kept too.
  const missing = '/api/v1/payments/0190b6f0-0000-7000-8000-000000000000/cancel';
  const nf = await m.request('POST', missing, undefined, key('k-404'));
  expectStatus(nf, 404);
  assertReplay(await m.request('POST', missing, undefined, key('k-404')), nf);
});

test('same key, different request: 422 IDEMPOTENCY_KEY_REUSED, no effect, the original still replays', async () => {
  const im = await nativeMerchant(h, 'Reuse');
  const first = await create(im, body, key('k-reuse'));
  expectStatus(first, 201);
  const other = await reach(h, im, 'requires_action');
  const before = await countPayments(h, im.merchantId);
  const variants: Response[] = [
    await create(im, { ...body, amount: '250.01' }, key('k-reuse')),
    await create(im, JSON.stringify(body, null, 1), key('k-reuse')), // same JSON, other bytes: another request
    await cancel(im, other.id, undefined, key('k-reuse')),
  ];
  for (const r of variants) {
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.body, REUSED);
  }
  assert.equal(await countPayments(h, im.merchantId), before);
  assert.equal((await stored(h, other.id)).status, 'requires_action');
  assertReplay(await create(im, body, key('k-reuse')), first);
});

test('validation failures are not kept: a corrected retry under the same key runs', async () => {
  const im = await nativeMerchant(h, 'Corrects');
  expectInvalid(await create(im, { ...body, amount: '250.001' }, key('k-fix')), 'amount');
  expectInvalid(await create(im, { ...body, amount: '250.001' }, key('k-fix')), 'amount'); // not a replay either
  assert.equal(await countPayments(h, im.merchantId), 0);
  const fixed = await create(im, body, key('k-fix'));
  assert.equal(fixed.status, 201, fixed.text);
  assert.equal(fixed.headers.get('idempotent-replayed'), null);
  assertReplay(await create(im, body, key('k-fix')), fixed);
  assert.equal(await countPayments(h, im.merchantId), 1);
});

test('a create whose confirm outcome is unknown (202) is still one payment when retried', async () => {
  const im = await nativeMerchant(h, 'Unknown outcome');
  const req = { ...body, paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.timesOut } } };
  const first = await create(im, req, key('k-202'));
  assert.equal(expectStatus(first, 202).data.status, 'processing');
  const retry = await create(im, req, key('k-202'));
  assertReplay(retry, first);
  assert.equal(await countPayments(h, im.merchantId), 1);
});

test('key length: 1 to 255 characters', async () => {
  const im = await nativeMerchant(h, 'Lengths');
  for (const k of ['k'.repeat(256), 'k'.repeat(1000)]) {
    const res = await create(im, body, key(k));
    expectInvalid(res, 'Idempotency-Key');
    assert.equal(res.body.error.message, 'Idempotency-Key must be 1 to 255 characters');
  }
  expectInvalid(await create(im, body, key('')), 'Idempotency-Key');
  assert.equal(await countPayments(h, im.merchantId), 0);
  const longest = await create(im, body, key('k'.repeat(255)));
  expectStatus(longest, 201);
  assertReplay(await create(im, body, key('k'.repeat(255))), longest);
});

test('keys are per merchant', async () => {
  const a = await nativeMerchant(h, 'A');
  const b = await nativeMerchant(h, 'B');
  const fromA = await create(a, { ...body, referenceId: 'from-a' }, key('shared-key'));
  const fromB = await create(b, { ...body, referenceId: 'from-b' }, key('shared-key'));
  expectStatus(fromA, 201);
  expectStatus(fromB, 201);
  assert.equal(fromB.headers.get('idempotent-replayed'), null);
  assert.notEqual(fromA.body.data.id, fromB.body.data.id);
  assert.equal((await stored(h, fromB.body.data.id)).merchantId, b.merchantId);
  // The same body under the same key from B is B's own replay, never A's payment.
  const sameAsA = await create(b, { ...body, referenceId: 'from-a' }, key('shared-key'));
  assert.equal(sameAsA.status, 422, sameAsA.text);
  assertReplay(await create(b, { ...body, referenceId: 'from-b' }, key('shared-key')), fromB);
  assert.deepEqual([await countPayments(h, a.merchantId), await countPayments(h, b.merchantId)], [1, 1]);
});

test('keys are kept for 24 hours', async () => {
  const im = await nativeMerchant(h, 'Keeper');
  const first = await create(im, body, key('k-day'));
  expectStatus(first, 201);
  h.clock.advance(24 * 3600_000 - 1);
  assertReplay(await create(im, body, key('k-day')), first);
  assert.equal((await create(im, { ...body, amount: '1.00' }, key('k-day'))).status, 422);
  h.clock.advance(2);
  const later = await create(im, { ...body, amount: '1.00' }, key('k-day'));
  assert.equal(later.status, 201, later.text);
  assert.equal(await countPayments(h, im.merchantId), 2);
});
