// Races through real HTTP: many cancels of one payment, cancel against capture, and concurrent
// requests under one Idempotency-Key. The stored state and the timeline must show exactly one effect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { buyerPays, cancel, capture, confirm, CARDS, countEvents, countPayments, create, reach, stored, type Response } from './helpers/native.ts';

// A little simulated processor latency keeps processor calls in flight while the others arrive.
const h = await startKasir({ sandboxLatencyMs: 5 });
const m = await nativeMerchant(h);

const ALREADY = { success: false, error: { code: 'VALIDATION_ERROR', message: 'Payment cannot be cancelled because it has already been canceled' } };

for (const status of ['requires_payment_method', 'requires_action'] as const) {
  test(`50 concurrent cancels of one ${status} payment: one canceled event, one 200, the rest 400`, async () => {
    const p = await reach(h, m, status);
    const responses = await Promise.all(Array.from({ length: 50 }, () => cancel(m, p.id)));
    const winners = responses.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, responses.map((r) => `${r.status} ${r.text}`).join('\n'));
    assert.equal(winners[0].body.data.id, p.id);
    assert.equal(winners[0].body.data.status, 'canceled');
    for (const r of responses.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.body, ALREADY);
    }
    assert.equal(await countEvents(h, p.id, 'canceled'), 1);
    const s = await stored(h, p.id);
    assert.equal(s.status, 'canceled');
    assert.equal(s.pendingOperation, null);
    assert.equal(s.canceledAt?.toISOString(), winners[0].body.data.canceledAt);
  });
}

test('cancel racing capture on authorized cards: exactly one wins, the store agrees with the winner', async () => {
  const winners = { canceled: 0, succeeded: 0 };
  for (let round = 0; round < 10; round++) {
    const p = await reach(h, m, 'requires_capture');
    // Alternate who is sent first, so both orders of arrival are exercised.
    const [c, k] = round % 2
      ? await Promise.all([cancel(m, p.id), capture(m, p.id)])
      : await Promise.all([capture(m, p.id), cancel(m, p.id)]).then(([k2, c2]) => [c2, k2] as const);
    const codes = [c.status, k.status].sort();
    assert.deepEqual(codes, [200, 400], `round ${round}: cancel ${c.status} ${c.text} / capture ${k.status} ${k.text}`);
    const winner: Response = c.status === 200 ? c : k;
    const loser: Response = c.status === 200 ? k : c;
    assert.equal(loser.body.error.code, 'VALIDATION_ERROR', loser.text);
    const s = await stored(h, p.id);
    assert.equal(s.status, winner.body.data.status);
    assert.equal(s.pendingOperation, null);
    if (c.status === 200) {
      assert.equal(s.status, 'canceled');
      assert.deepEqual([s.amountReceived, s.amountCapturable], [0n, 0n]);
    } else {
      assert.equal(s.status, 'succeeded');
      assert.deepEqual([s.amountReceived, s.amountCapturable, s.canceledAt], [100000n, 0n, null]);
    }
    assert.equal(await countEvents(h, p.id, 'canceled'), c.status === 200 ? 1 : 0);
    assert.equal(await countEvents(h, p.id, 'captured'), k.status === 200 ? 1 : 0);
    winners[s.status as 'canceled' | 'succeeded']++;
  }
  assert.equal(winners.canceled + winners.succeeded, 10);
});

test('cancel racing the buyer paying, and cancel racing confirm: one wins, a late success never resurrects', async () => {
  for (let round = 0; round < 6; round++) {
    const byBuyer = round % 2 === 0;
    const p = byBuyer ? await reach(h, m, 'requires_action') : await reach(h, m, 'requires_confirmation');
    const other = () => (byBuyer ? buyerPays(m, p.id) : confirm(m, p.id, CARDS.succeeds));
    const [c, o] = round % 4 < 2 ? await Promise.all([cancel(m, p.id), other()]) : (await Promise.all([other(), cancel(m, p.id)])).reverse();
    const s = await stored(h, p.id);
    if (c.status === 200) {
      // The cancel won: the payment stays canceled whatever the other request answered. A buyer
      // paying afterwards is told so (200, still canceled) and the late funds go back (seed 001).
      assert.equal(s.status, 'canceled');
      assert.equal(await countEvents(h, p.id, 'succeeded'), 0);
      const lateFunds = byBuyer && o.status === 200;
      if (lateFunds) assert.equal(o.body.data.status, 'canceled', o.text);
      else assert.equal(o.status, 400, o.text);
      assert.equal(await countEvents(h, p.id, 'late_payment_received'), lateFunds ? 1 : 0);
      assert.equal(await countEvents(h, p.id, 'late_payment_reversed'), lateFunds ? 1 : 0);
    } else {
      assert.equal(c.status, 400, c.text);
      assert.equal(o.status, 200, o.text);
      assert.equal(s.status, 'succeeded');
      assert.equal(o.body.data.status, 'succeeded');
      assert.equal(await countEvents(h, p.id, 'canceled'), 0);
    }
  }
});

/** Every response is the first one (replayed byte for byte) or 409 CONFLICT while it still runs. */
function assertOneEffect(responses: Response[], okStatus: number): Response {
  const done = responses.filter((r) => r.status === okStatus);
  assert.ok(done.length >= 1, responses.map((r) => `${r.status} ${r.text}`).join('\n'));
  for (const r of done) assert.equal(r.text, done[0].text);
  for (const r of responses.filter((x) => x.status !== okStatus)) {
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.error.code, 'CONFLICT');
  }
  assert.equal(done.filter((r) => r.headers.get('idempotent-replayed') !== 'true').length, 1, 'exactly one original response');
  return done[0];
}

test('concurrent creates under one Idempotency-Key: one payment', async () => {
  const im = await nativeMerchant(h, 'Idempotent creator');
  const body = { amount: '12.34', currency: 'USD', referenceId: 'race-create' };
  const headers = { 'Idempotency-Key': 'create-race-1' };
  const responses = await Promise.all(Array.from({ length: 20 }, () => create(im, body, headers)));
  const first = assertOneEffect(responses, 201);
  assert.equal(await countPayments(h, im.merchantId), 1);
  assert.equal((await stored(h, first.body.data.id)).referenceId, 'race-create');
});

test('concurrent cancels under one Idempotency-Key: one effect, no second attempt', async () => {
  const p = await reach(h, m, 'requires_action');
  const headers = { 'Idempotency-Key': `cancel-${p.id}` };
  const responses = await Promise.all(Array.from({ length: 20 }, () => cancel(m, p.id, undefined, headers)));
  const first = assertOneEffect(responses, 200);
  assert.equal(first.body.data.status, 'canceled');
  assert.equal(await countEvents(h, p.id, 'canceled'), 1);
  // After the race, the same key still replays the original success (not "already canceled").
  const later = await cancel(m, p.id, undefined, headers);
  assert.equal(later.status, 200);
  assert.equal(later.text, first.text);
  assert.equal(later.headers.get('idempotent-replayed'), 'true');
});
