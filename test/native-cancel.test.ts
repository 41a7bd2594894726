// Seed 002 (POST /api/v1/payments/{id}/cancel), exactly: cancellable and non-cancellable statuses,
// the not-found rules, the seed's example request and responses as contract fixtures, reasons, and
// an unknown processor outcome finished by an identical retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { FixedClock } from '../src/core/clock.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import {
  cancel, capture, cardPayment, CARDS, countEvents, createPayment, expectInvalid, expectStatus, get, buyerPays, ISO_MS,
  NOT_FOUND, reach, stored, assertSameShape, SEED_KEYS, EXTRA_KEYS,
} from './helpers/native.ts';
import type { Status } from '../src/core/payments/states.ts';

// The seed's example happens at 2024-01-01T00:00:00Z; start the clock there.
const h = await startKasir({ clock: new FixedClock('2024-01-01T00:00:00.000Z') });
const m = await nativeMerchant(h);
const other = await nativeMerchant(h, 'Another merchant');

const SEED_SUCCESS = {
  success: true,
  data: {
    id: '550e8400-e29b-41d4-a716-446655440000', amount: '1000.00', currency: 'THB', status: 'canceled', paymentMethod: 'promptpay',
    referenceId: 'order-12345', description: 'Payment for order #12345', metadata: { order_id: '12345' }, clientSecret: null,
    nextAction: null, confirmedAt: null, capturedAt: null, canceledAt: '2024-01-01T00:10:00.000Z', expiresAt: '2024-01-01T01:00:00.000Z',
    createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:10:00.000Z',
  },
};
const SEED_NOT_FOUND = { success: false, error: { code: 'RESOURCE_NOT_FOUND', message: 'Payment not found' } };
const SEED_CANNOT_CANCEL = { success: false, error: { code: 'VALIDATION_ERROR', message: 'Payment cannot be cancelled because it has already been completed' } };

/** The seed's client code, verbatim in substance: POST, no body, signature over `${timestamp}.`. */
async function seedCancel(paymentId: string) {
  h.clock.advance(1); // a real client's Date.now() moves on; an identical (ts, body) would be a replay
  const path = `/api/v1/payments/${paymentId}/cancel`;
  const body = '';
  const timestamp = h.clock.now().getTime().toString();
  const signature = createHmac('sha256', m.apiSecret).update(`${timestamp}.${body}`).digest('hex');
  const response = await fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'X-API-Key': m.apiKey, 'X-Timestamp': timestamp, 'X-Signature': `sha256=${signature}` },
  });
  return { status: response.status, text: await response.text() };
}

test("seed 002 example: the request as the seed sends it, and the success response's shape and values", async () => {
  const p = await createPayment(m, {
    paymentMethod: 'promptpay', referenceId: 'order-12345', description: 'Payment for order #12345', metadata: { order_id: '12345' },
  });
  assert.equal(p.status, 'requires_confirmation');
  h.clock.advance(10 * 60_000 - 1); // seedCancel moves the clock on by 1 ms
  const res = await seedCancel(p.id);
  assert.equal(res.status, 200, res.text);
  const body = JSON.parse(res.text);
  assert.equal(body.success, true);
  // Every key of the seed's example, each with the same JSON type …
  const seedPart = Object.fromEntries(SEED_KEYS.map((k) => [k, body.data[k]]));
  assertSameShape(seedPart, SEED_SUCCESS.data);
  // … and, for the same inputs at the same times, the same values (only the id is ours).
  assert.deepEqual({ ...seedPart, id: SEED_SUCCESS.data.id }, SEED_SUCCESS.data);
  assert.match(body.data.id, /^[0-9a-f-]{36}$/);
  // Beyond the seed, docs/native-api.md's extra fields, also always present.
  assert.deepEqual(Object.keys(body.data).sort(), [...SEED_KEYS, ...EXTRA_KEYS, 'amountCanceled'].sort());
  assert.equal(body.data.cancellationReason, null);
  assert.deepEqual(Object.keys(body).sort(), ['data', 'success']);
});

test('seed 002 error responses, byte for byte: not found and already completed', async () => {
  const missing = await seedCancel('550e8400-e29b-41d4-a716-446655440000');
  assert.equal(missing.status, 404);
  assert.deepEqual(JSON.parse(missing.text), SEED_NOT_FOUND);
  assert.equal(missing.text, JSON.stringify(SEED_NOT_FOUND));
  const paid = await reach(h, m, 'succeeded');
  const completed = await seedCancel(paid.id);
  assert.equal(completed.status, 400);
  assert.deepEqual(JSON.parse(completed.text), SEED_CANNOT_CANCEL);
  assert.equal(completed.text, JSON.stringify(SEED_CANNOT_CANCEL));
});

const CANCELLABLE: Status[] = ['processing', 'requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'];
for (const status of CANCELLABLE) {
  test(`cancel from ${status}: 200, canceled, canceledAt set, clientSecret and nextAction null`, async () => {
    const before = await reach(h, m, status);
    assert.notEqual(before.clientSecret, null);
    h.clock.advance(1000);
    const now = h.clock.now().toISOString();
    const p = expectStatus(await cancel(m, before.id), 200).data;
    assert.equal(p.id, before.id);
    assert.equal(p.status, 'canceled');
    assert.equal(p.canceledAt, now);
    assert.equal(p.updatedAt, now);
    assert.equal(p.clientSecret, null);
    assert.equal(p.nextAction, null);
    assert.equal(p.amountCapturable, '0.00');
    assert.equal(p.amountReceived, '0.00');
    if (status === 'requires_capture') assert.equal(before.amountCapturable, '1000.00'); // the authorization is voided
    if (status === 'requires_action') assert.notEqual(before.nextAction, null);
    const s = await stored(h, before.id);
    assert.equal(s.status, 'canceled');
    assert.equal(s.canceledAt?.toISOString(), now);
    assert.equal(s.clientSecret, null);
    assert.equal(s.nextAction, null);
    assert.equal(s.amountCapturable, 0n);
    assert.equal(s.pendingOperation, null);
    const { rows } = await h.deps.core.db.query<{ from_status: string; to_status: string }>(
      "SELECT from_status, to_status FROM payment_events WHERE payment_id = $1 AND type = 'canceled'", [before.id],
    );
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ from_status: status, to_status: 'canceled' }]);
    assert.deepEqual(expectStatus(await get(m, before.id), 200).data, p);
  });
}

const MESSAGES: Record<string, string> = {
  succeeded: 'Payment cannot be cancelled because it has already been completed',
  canceled: 'Payment cannot be cancelled because it has already been canceled',
  expired: 'Payment cannot be cancelled because it has expired',
  payment_failed: 'Payment cannot be cancelled because it has already failed',
};
for (const status of ['succeeded', 'canceled', 'expired', 'payment_failed'] as Status[]) {
  test(`cancel from ${status}: 400 VALIDATION_ERROR naming the status, nothing changes`, async () => {
    const p = await reach(h, m, status);
    const before = await stored(h, p.id);
    const events = await countEvents(h, p.id, 'canceled');
    const res = await cancel(m, p.id);
    assert.deepEqual(expectStatus(res, 400), { success: false, error: { code: 'VALIDATION_ERROR', message: MESSAGES[status] } });
    assert.deepEqual(await stored(h, p.id), before);
    assert.equal(await countEvents(h, p.id, 'canceled'), events);
  });
}

test('a wallet payment the buyer paid is just as final: the seed message, no change', async () => {
  const p = await createPayment(m, { paymentMethod: 'promptpay', confirm: true });
  expectStatus(await buyerPays(m, p.id), 200);
  assert.deepEqual(expectStatus(await cancel(m, p.id), 400), SEED_CANNOT_CANCEL);
  assert.equal((await stored(h, p.id)).status, 'succeeded');
});

test("unknown, malformed and another merchant's ids: exactly the seed's 404, no state change", async () => {
  const mine = await reach(h, m, 'requires_action');
  const before = await stored(h, mine.id);
  const ids = [
    '0190b6f0-0000-7000-8000-000000000000', 'not-a-uuid', '123', `${mine.id}0`, mine.id.slice(0, -1) + 'g', 'x'.repeat(90), '%00', "1'%20OR%20'1'='1",
  ];
  for (const id of ids) {
    const res = await cancel(m, id);
    assert.equal(res.status, 404, `${id}: ${res.text}`);
    assert.equal(res.text, JSON.stringify(NOT_FOUND), id);
  }
  const theirs = await cancel(other, mine.id);
  assert.equal(theirs.status, 404);
  assert.equal(theirs.text, JSON.stringify(NOT_FOUND));
  assert.equal((await get(other, mine.id)).text, JSON.stringify(NOT_FOUND));
  assert.deepEqual(await stored(h, mine.id), before);
  assert.equal(await countEvents(h, mine.id, 'canceled'), 0);
});

test('cancellationReason: each documented reason is accepted and stored', async () => {
  for (const reason of ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']) {
    const p = await reach(h, m, 'requires_action');
    const done = expectStatus(await cancel(m, p.id, { cancellationReason: reason }), 200).data;
    assert.equal(done.cancellationReason, reason);
    assert.equal((await stored(h, p.id)).cancellationReason, reason);
  }
  const empty = await reach(h, m, 'requires_confirmation');
  assert.equal(expectStatus(await cancel(m, empty.id, {}), 200).data.cancellationReason, null);
});

test('an unknown reason, an unknown field or a non-object body: 400 naming the field, not canceled', async () => {
  const p = await reach(h, m, 'requires_action');
  const before = await stored(h, p.id);
  expectInvalid(await cancel(m, p.id, { cancellationReason: 'changed_my_mind' }), 'cancellationReason');
  expectInvalid(await cancel(m, p.id, { cancellationReason: null }), 'cancellationReason');
  expectInvalid(await cancel(m, p.id, { reason: 'duplicate' }), 'reason');
  expectInvalid(await cancel(m, p.id, '[]'), 'body');
  expectInvalid(await cancel(m, p.id, '{"cancellationReason":'), 'body');
  assert.deepEqual(await stored(h, p.id), before);
});

test('sandbox:cancel_timeout: 503 OUTCOME_UNKNOWN, then an identical retry completes with one canceled event', async () => {
  const p = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual', description: 'Order 42 sandbox:cancel_timeout' });
  assert.equal(p.status, 'requires_capture');
  const first = await cancel(m, p.id);
  const body = expectStatus(first, 503);
  assert.equal(body.success, false);
  assert.equal(body.error.code, 'OUTCOME_UNKNOWN');
  assert.equal(typeof body.error.message, 'string');
  const pending = await stored(h, p.id);
  assert.equal(pending.status, 'requires_capture');
  assert.equal(pending.pendingOperation, 'cancel');
  assert.equal(pending.pendingState, 'unknown');
  assert.equal(await countEvents(h, p.id, 'outcome_unknown'), 1);
  assert.equal(await countEvents(h, p.id, 'canceled'), 0);
  // While the cancel's outcome is unknown, a capture must not slip in.
  expectStatus(await capture(m, p.id), 400);
  const retry = expectStatus(await cancel(m, p.id), 200).data;
  assert.equal(retry.status, 'canceled');
  assert.match(retry.canceledAt, ISO_MS);
  assert.equal(retry.amountCapturable, '0.00');
  const s = await stored(h, p.id);
  assert.equal(s.status, 'canceled');
  assert.equal(s.pendingOperation, null);
  assert.equal(await countEvents(h, p.id, 'canceled'), 1);
  assert.equal((await cancel(m, p.id)).status, 400);
  assert.equal(await countEvents(h, p.id, 'canceled'), 1);
});
