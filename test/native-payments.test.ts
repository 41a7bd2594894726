// The native payment lifecycle through signed HTTP: create, retrieve, list, confirm with each test
// card, capture, refunds, the events timeline, the sandbox buyer and expiry on the fixed clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../src/core/clock.ts';
import { sweepExpired } from '../src/core/jobs/expiry.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import {
  buyerPays, capture, cardPayment, CARDS, confirm, create, createPayment, eventTypes, EXTRA_KEYS, expectInvalid, expectStatus, get,
  ISO_MS, reach, refund, SEED_KEYS, stored, UUID,
} from './helpers/native.ts';

const h = await startKasir({ clock: new FixedClock('2024-03-01T00:00:00.000Z') });
const m = await nativeMerchant(h);
const iso = (offsetMs = 0) => new Date(h.clock.now().getTime() + offsetMs).toISOString();
const ALL_KEYS = [...SEED_KEYS, ...EXTRA_KEYS, 'amountCanceled'].sort();

test('create (minimal): every field present, absent values null, amounts as strings', async () => {
  const res = await create(m, { amount: '1000.00', currency: 'THB' });
  const p = expectStatus(res, 201).data;
  assert.equal(res.body.success, true);
  assert.deepEqual(Object.keys(p).sort(), ALL_KEYS);
  assert.match(p.id, UUID);
  assert.match(p.clientSecret, new RegExp(`^${p.id}_secret_`));
  assert.deepEqual({ ...p, id: 'x', clientSecret: 'x' }, {
    id: 'x', amount: '1000.00', currency: 'THB', status: 'requires_payment_method', paymentMethod: null, referenceId: null,
    description: null, metadata: {}, clientSecret: 'x', nextAction: null, confirmedAt: null, capturedAt: null, canceledAt: null,
    expiresAt: iso(3600_000), createdAt: iso(), updatedAt: iso(), captureMethod: 'automatic', amountCapturable: '0.00',
    amountReceived: '0.00', amountRefunded: '0.00', amountCanceled: '0.00', cancellationReason: null,
  });
  assert.match(res.text, /"paymentMethod":null,"referenceId":null,"description":null/); // present, not omitted
  const s = await stored(h, p.id);
  assert.equal(s.amount, 100000n);
  assert.equal(s.merchantId, m.merchantId);
  assert.deepEqual(await eventTypes(h, p.id), ['created']);
});

test('create (every field), JPY without decimals, explicit expiresAt; retrieve returns the same object', async () => {
  const expiresAt = iso(7200_000);
  const body = {
    amount: '100', currency: 'JPY', paymentMethod: 'card', referenceId: 'order-77', description: 'Seven', metadata: { a: '1', b: '' },
    captureMethod: 'manual', expiresAt,
  };
  const p = expectStatus(await create(m, body), 201).data;
  assert.equal(p.amount, '100');
  assert.equal(p.amountCapturable, '0');
  assert.equal(p.status, 'requires_confirmation');
  for (const k of ['currency', 'paymentMethod', 'referenceId', 'description', 'metadata', 'captureMethod', 'expiresAt'] as const) {
    assert.deepEqual(p[k], body[k], k);
  }
  assert.equal((await stored(h, p.id)).amount, 100n);
  assert.deepEqual(expectStatus(await get(m, p.id), 200).data, p);
  expectInvalid(await create(m, { amount: '100.5', currency: 'JPY' }), 'amount');
  expectInvalid(await create(m, { amount: '10.00', currency: 'THB', expiresAt: iso(-1) }), 'expiresAt');
  expectInvalid(await create(m, { amount: '10.00', currency: 'THB', expiresAt, expiresInSeconds: 600 }), 'expiresAt');
});

test('list: newest first, cursor pagination, filters by status, referenceId and created range', async () => {
  const lm = await nativeMerchant(h, 'Lister');
  const made: any[] = [];
  for (let i = 0; i < 5; i++) {
    h.clock.advance(1000);
    made.push(await createPayment(lm, { referenceId: i % 2 ? 'odd' : 'even', ...(i === 4 ? { paymentMethod: 'promptpay', confirm: true } : {}) }));
  }
  const list = (q: string) => lm.request('GET', `/api/v1/payments${q}`);
  const ids = (r: any) => expectStatus(r, 200).data.data.map((p: any) => p.id);
  const newestFirst = made.map((p) => p.id).reverse();
  assert.deepEqual(ids(await list('')), newestFirst);
  const page1 = expectStatus(await list('?limit=2'), 200).data;
  assert.equal(page1.object, 'list');
  assert.deepEqual(page1.data.map((p: any) => p.id), newestFirst.slice(0, 2));
  assert.deepEqual([page1.hasMore, page1.nextStartingAfter], [true, newestFirst[1]]);
  const page2 = expectStatus(await list(`?limit=2&startingAfter=${page1.nextStartingAfter}`), 200).data;
  assert.deepEqual(page2.data.map((p: any) => p.id), newestFirst.slice(2, 4));
  const page3 = expectStatus(await list(`?limit=2&startingAfter=${page2.nextStartingAfter}`), 200).data;
  assert.deepEqual(page3.data.map((p: any) => p.id), newestFirst.slice(4));
  assert.deepEqual([page3.hasMore, page3.nextStartingAfter], [false, null]);
  assert.deepEqual(ids(await list('?referenceId=odd')), [made[3].id, made[1].id]);
  assert.deepEqual(ids(await list('?status=requires_action')), [made[4].id]);
  assert.deepEqual(ids(await list('?status=requires_action&referenceId=odd')), []);
  const range = `?createdGte=${made[1].createdAt}&createdLte=${made[3].createdAt}`;
  assert.deepEqual(ids(await list(range)), [made[3].id, made[2].id, made[1].id]);
  // Other merchants' payments never appear.
  assert.ok(ids(await m.request('GET', '/api/v1/payments?limit=100')).every((id: string) => !newestFirst.includes(id)));
  expectInvalid(await list('?limit=0'), 'limit');
  expectInvalid(await list('?limit=101'), 'limit');
  expectInvalid(await list('?status=paid'), 'status');
  expectInvalid(await list('?startingAfter=nope'), 'startingAfter');
  expectInvalid(await list('?createdGte=yesterday'), 'createdGte');
  expectInvalid(await list('?colour=red'), 'colour');
});

test('confirm with each test card', async () => {
  const cases: [string, string, number, string][] = [
    [CARDS.succeeds, 'automatic', 200, 'succeeded'],
    [CARDS.succeeds, 'manual', 200, 'requires_capture'],
    [CARDS.threeDS, 'automatic', 200, 'requires_action'],
    [CARDS.declined, 'automatic', 200, 'payment_failed'],
    [CARDS.timesOut, 'automatic', 202, 'processing'],
  ];
  for (const [card, captureMethod, status, expected] of cases) {
    const created = await createPayment(m, { paymentMethod: 'card', captureMethod });
    h.clock.advance(1000);
    const p = expectStatus(await confirm(m, created.id, card), status).data;
    assert.equal(p.status, expected, `${card} ${captureMethod}`);
    assert.equal(p.confirmedAt, iso());
    assert.equal((await stored(h, p.id)).status, expected);
    assert.equal(p.amountReceived, expected === 'succeeded' ? '1000.00' : '0.00');
    assert.equal(p.amountCapturable, expected === 'requires_capture' ? '1000.00' : '0.00');
    assert.equal(p.capturedAt, expected === 'succeeded' ? iso() : null);
    if (expected === 'requires_action') assert.equal(p.nextAction.type, 'redirect_to_url');
    else assert.equal(p.nextAction, null);
    const last = { succeeded: 'succeeded', requires_capture: 'authorized', requires_action: 'action_required', payment_failed: 'failed', processing: 'outcome_unknown' }[expected];
    assert.deepEqual(await eventTypes(h, p.id), ['created', 'submitted', last]);
    // A confirmed payment cannot be confirmed again.
    expectStatus(await confirm(m, p.id, CARDS.succeeds), 400);
    assert.equal((await stored(h, p.id)).status, expected);
  }
  const noMethod = await createPayment(m);
  expectInvalid(await confirm(m, noMethod.id), 'paymentMethod');
  const withMethod = await m.request('POST', `/api/v1/payments/${noMethod.id}/confirm`, { paymentMethod: 'card', paymentMethodData: { card: { number: CARDS.succeeds } } });
  assert.equal(expectStatus(withMethod, 200).data.paymentMethod, 'card');
  assert.equal(withMethod.body.data.status, 'succeeded');
});

test('capture: full, partial (rest released), over-capture and wrong status refused', async () => {
  const full = await reach(h, m, 'requires_capture');
  h.clock.advance(1000);
  const captured = expectStatus(await capture(m, full.id), 200).data;
  assert.deepEqual([captured.status, captured.amountReceived, captured.amountCapturable, captured.capturedAt], ['succeeded', '1000.00', '0.00', iso()]);
  expectStatus(await capture(m, full.id), 400);

  const partial = await reach(h, m, 'requires_capture');
  expectInvalid(await capture(m, partial.id, '1000.01'), 'amountToCapture');
  expectInvalid(await capture(m, partial.id, '0.00'), 'amountToCapture');
  expectInvalid(await capture(m, partial.id, '1.001'), 'amountToCapture');
  assert.equal((await stored(h, partial.id)).status, 'requires_capture');
  const part = expectStatus(await capture(m, partial.id, '600.00'), 200).data;
  assert.deepEqual([part.status, part.amountReceived, part.amountCapturable], ['succeeded', '600.00', '0.00']);
  const s = await stored(h, partial.id);
  assert.deepEqual([s.amountReceived, s.amountCapturable], [60000n, 0n]);
  // Only what was captured can be refunded.
  expectInvalid(await refund(m, partial.id, { amount: '600.01' }), 'amount');
  expectStatus(await refund(m, partial.id, { amount: '600.00' }), 201);

  const action = await reach(h, m, 'requires_action');
  const refused = expectStatus(await capture(m, action.id), 400);
  assert.equal(refused.error.message, 'Payment cannot be captured because its status is requires_action');
});

test('refunds: partial, then the rest, over-refund and refund of an unpaid payment refused', async () => {
  const p = await reach(h, m, 'succeeded');
  expectInvalid(await refund(m, p.id, { amount: '1000.01' }), 'amount');
  const first = await refund(m, p.id, { amount: '300.00', reason: 'requested_by_customer' });
  const r1 = expectStatus(first, 201).data;
  assert.match(r1.id, UUID);
  assert.deepEqual({ ...r1, id: 'x', payment: undefined }, {
    id: 'x', paymentId: p.id, amount: '300.00', currency: 'THB', status: 'succeeded', reason: 'requested_by_customer', createdAt: iso(), payment: undefined,
  });
  assert.deepEqual([r1.payment.status, r1.payment.amountRefunded], ['succeeded', '300.00']);
  expectInvalid(await refund(m, p.id, { amount: '700.01' }), 'amount');
  const r2 = expectStatus(await refund(m, p.id), 201).data; // no amount: everything left
  assert.deepEqual([r2.amount, r2.payment.amountRefunded], ['700.00', '1000.00']);
  expectInvalid(await refund(m, p.id, { amount: '0.01' }), 'amount');
  assert.equal((await stored(h, p.id)).amountRefunded, 100000n);
  const { rows } = await h.deps.core.db.query<{ amount: string }>('SELECT amount FROM refunds WHERE payment_id = $1 ORDER BY created_at, id', [p.id]);
  assert.deepEqual(rows.map((r) => String(r.amount)), ['30000', '70000']);
  expectInvalid(await refund(m, p.id, { reason: 'because' }), 'reason');

  for (const status of ['requires_capture', 'requires_action', 'canceled', 'payment_failed'] as const) {
    const unpaid = await reach(h, m, status);
    const res = expectStatus(await refund(m, unpaid.id), 400);
    assert.equal(res.error.message, `Payment cannot be refunded because its status is ${status}`);
    assert.equal((await stored(h, unpaid.id)).amountRefunded, 0n);
  }
});

test('events: the timeline of a manual-capture card payment, each row tied to its request', async () => {
  const created = await create(m, { amount: '50.00', currency: 'USD', paymentMethod: 'card', captureMethod: 'manual' });
  const id = expectStatus(created, 201).data.id;
  const steps = [created, await confirm(m, id, CARDS.succeeds), await capture(m, id, '40.00'), await refund(m, id, { amount: '15.00' })];
  const events = expectStatus(await m.request('GET', `/api/v1/payments/${id}/events`), 200).data;
  assert.equal(events.object, 'list');
  const rows = events.data.map(({ id: _id, at, requestId: _r, ...rest }: any) => (assert.match(at, ISO_MS), rest));
  assert.deepEqual(rows, [
    { type: 'created', fromStatus: null, toStatus: 'requires_confirmation', amount: '50.00', dialect: 'native' },
    { type: 'submitted', fromStatus: 'requires_confirmation', toStatus: 'processing', amount: null, dialect: 'native' },
    { type: 'authorized', fromStatus: 'processing', toStatus: 'requires_capture', amount: '50.00', dialect: 'native' },
    { type: 'captured', fromStatus: 'requires_capture', toStatus: 'succeeded', amount: '40.00', dialect: 'native' },
    { type: 'refunded', fromStatus: 'succeeded', toStatus: 'succeeded', amount: '15.00', dialect: 'native' },
  ]);
  const requestIds = steps.map((r) => r.headers.get('x-request-id'));
  assert.deepEqual(events.data.map((e: any) => e.requestId), [requestIds[0], requestIds[1], requestIds[1], requestIds[2], requestIds[3]]);
  expectStatus(await m.request('GET', '/api/v1/payments/0190b6f0-0000-7000-8000-000000000000/events'), 404);
});

test('sandbox buyer: pays or fails a payment awaiting the buyer; refused once it is final', async () => {
  const qr = await reach(h, m, 'requires_action');
  assert.equal(qr.nextAction.type, 'display_qr_code');
  const paid = expectStatus(await buyerPays(m, qr.id, 'succeeded'), 200).data;
  assert.deepEqual([paid.status, paid.amountReceived, paid.nextAction, paid.capturedAt], ['succeeded', '1000.00', null, iso()]);
  const again = expectStatus(await buyerPays(m, qr.id, 'failed'), 400);
  assert.equal(again.error.message, 'Payment cannot be paid because its status is succeeded');
  assert.equal((await stored(h, qr.id)).status, 'succeeded');

  const failing = await reach(h, m, 'requires_action');
  assert.equal(expectStatus(await buyerPays(m, failing.id, 'failed'), 200).data.status, 'payment_failed');
  const threeDS = await cardPayment(m, CARDS.threeDS, { captureMethod: 'manual' });
  const authorized = expectStatus(await buyerPays(m, threeDS.id), 200).data;
  assert.deepEqual([authorized.status, authorized.amountCapturable], ['requires_capture', '1000.00']);
  expectInvalid(await m.request('POST', `/api/v1/sandbox/payments/${threeDS.id}/pay`, { outcome: 'maybe' }), 'outcome');
  expectInvalid(await m.request('POST', `/api/v1/sandbox/payments/${threeDS.id}/pay`), 'body');
  expectStatus(await buyerPays(m, '0190b6f0-0000-7000-8000-000000000000'), 404);
});

test('expiry: unpaid payments lapse at expiresAt (sweeper and on read); authorized ones do not', async () => {
  await sweepExpired(h.deps.core); // nothing of earlier tests is due yet, but start clean
  const qr = await createPayment(m, { paymentMethod: 'promptpay', confirm: true, expiresInSeconds: 120 });
  const lazy = await createPayment(m, { expiresInSeconds: 120 });
  const authorized = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual', expiresInSeconds: 120 });
  assert.equal(qr.expiresAt, iso(120_000));
  h.clock.advance(119_999);
  assert.equal(await sweepExpired(h.deps.core), 0);
  assert.equal((await stored(h, qr.id)).status, 'requires_action');
  h.clock.advance(1); // exactly expiresAt
  const lazyRead = expectStatus(await get(m, lazy.id), 200).data; // expires on access, before any sweep
  assert.deepEqual([lazyRead.status, lazyRead.updatedAt], ['expired', iso()]);
  assert.ok((await sweepExpired(h.deps.core)) >= 1);
  const s = await stored(h, qr.id);
  assert.deepEqual([s.status, s.nextAction, s.updatedAt.toISOString()], ['expired', null, iso()]);
  assert.deepEqual(await eventTypes(h, qr.id), ['created', 'submitted', 'action_required', 'expired']);
  const { rows } = await h.deps.core.db.query<{ dialect: string }>("SELECT dialect FROM payment_events WHERE payment_id = $1 AND type = 'expired'", [qr.id]);
  assert.deepEqual(rows.map((r) => r.dialect), ['system']);
  assert.equal((await stored(h, authorized.id)).status, 'requires_capture');
  assert.equal(await sweepExpired(h.deps.core), 0);
  // The buyer is too late (seed 001): the payment is never resurrected, the late funds go back.
  const late = expectStatus(await buyerPays(m, qr.id), 200).data;
  assert.deepEqual([late.status, late.amountReceived], ['expired', '0.00']);
  assert.deepEqual(await eventTypes(h, qr.id), ['created', 'submitted', 'action_required', 'expired', 'late_payment_received', 'late_payment_reversed']);
  assert.equal(expectStatus(await buyerPays(m, qr.id), 400).error.message, 'Payment cannot be paid because its status is expired');
  assert.equal(expectStatus(await get(m, qr.id), 200).data.status, 'expired');
});
