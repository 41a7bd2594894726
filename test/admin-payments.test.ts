// The operator's payments API (/admin/v1/payments): search by filters and by any id or reference,
// keyset pages without duplicates or gaps, one payment with its whole history, and cancel / partial
// cancel / capture / refund through the dialects' own core operations, recorded as 'operator'.
// A refused action changes nothing stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../src/core/clock.ts';
import { createPayment as coreCreate } from '../src/core/payments/create.ts';
import type { CallContext } from '../src/core/deps.ts';
import { admin, nativeMerchant, startKasir, type NativeClient } from './helpers/harness.ts';
import { createPayment, reach, stored } from './helpers/native.ts';
import { listEvents } from '../src/core/payments/repo.ts';

const h = await startKasir({ clock: new FixedClock('2024-03-01T00:00:00.000Z') });
const m1 = await nativeMerchant(h, 'First');
const m2 = await nativeMerchant(h, 'Second');

/** A payment made through another dialect, as its plugin would make it (the dialect's own ids set). */
async function dialectPayment(m: NativeClient, profile: 'antom' | 'nicepay', ids: Record<string, string>) {
  const ctx: CallContext = { merchant: { id: m.merchantId, mode: 'test', contract: {} }, dialect: profile, requestId: `t-${profile}` };
  return coreCreate(h.deps.core, ctx, { profile, amount: 50_000n, currency: profile === 'nicepay' ? 'IDR' : 'USD', paymentMethod: 'card', ...ids });
}

const list = async (query: string) => {
  const res = await admin(h, 'GET', `/payments?${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as { object: string; data: any[]; nextCursor: string | null };
};
const ids = (page: { data: any[] }) => page.data.map((p) => p.id);

/** What is stored about a payment: its row's version and its whole timeline. */
async function snapshot(id: string) {
  const p = await stored(h, id);
  return { version: p.version, status: p.status, events: (await listEvents(h.deps.core.db, id)).length, canceled: p.amountCanceled, refunded: p.amountRefunded };
}

test('filters: merchant, status, dialect, method, connector and the creation time range', async () => {
  const a = await createPayment(m1, { paymentMethod: 'promptpay', referenceId: 'filters-a' });
  h.clock.advance(60_000);
  const b = await reach(h, m1, 'succeeded');
  h.clock.advance(60_000);
  const c = await createPayment(m2, { paymentMethod: 'promptpay' });
  const antom = await dialectPayment(m2, 'antom', { antomPaymentRequestId: 'filters-antom' });
  const since = new Date(a.createdAt).toISOString();

  assert.deepEqual(ids(await list(`merchant=${m1.merchantId}&from=${since}`)), [b.id, a.id]);
  assert.deepEqual(ids(await list(`merchant=${m2.merchantId}&dialect=antom`)), [antom.id]);
  assert.deepEqual(ids(await list(`status=succeeded&from=${since}`)), [b.id]);
  assert.deepEqual(ids(await list(`method=promptpay&from=${since}`)), [c.id, a.id]);
  assert.deepEqual(ids(await list(`connector=sandbox&from=${since}`)), [antom.id, c.id, b.id, a.id]);
  assert.deepEqual(ids(await list('connector=con_nobody')), []);
  // to is exclusive: b was created one minute after a.
  assert.deepEqual(ids(await list(`from=${since}&to=${encodeURIComponent(b.createdAt)}`)), [a.id]);
  const first = (await list(`merchant=${m1.merchantId}&from=${since}&limit=1`)).data[0];
  assert.deepEqual(
    { id: first.id, merchantId: first.merchantId, status: first.status, dialect: first.dialect, processor: first.processor, amount: first.amount, currency: first.currency, amountReceived: first.amountReceived },
    { id: b.id, merchantId: m1.merchantId, status: 'succeeded', dialect: 'native', processor: 'sandbox', amount: '1000.00', currency: 'THB', amountReceived: '1000.00' },
  );
  assert.equal(first.clientSecret, undefined, 'secrets are never listed');

  for (const [query, field] of [['status=nope', 'status'], ['dialect=soap', 'dialect'], ['from=yesterday', 'from'], ['limit=101', 'limit'], ['limit=0', 'limit'], ['cursor=xyz', 'cursor']]) {
    const res = await admin(h, 'GET', `/payments?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.success, false);
    assert.equal(res.body.error.details.field, field, query);
  }
  const unauthenticated = await fetch(`${h.baseUrl}/admin/v1/payments`);
  assert.equal(unauthenticated.status, 401);
});

test('search by each kind of id or reference finds exactly that payment', async () => {
  const native = await createPayment(m1, { paymentMethod: 'promptpay', referenceId: 'order-77' });
  const antom = await dialectPayment(m1, 'antom', { antomPaymentRequestId: 'antom-req-1' });
  const nicepay = await dialectPayment(m2, 'nicepay', { nicepayTxid: 'IONPAYTEST01202403010000000001', nicepayReferenceNo: 'nicepay-ref-1' });
  await h.deps.core.db.query("UPDATE payments SET processor_ref = 'upstream-ref-9' WHERE id = $1", [nicepay.id]);
  const cases: [string, string][] = [
    [native.id, native.id],
    [native.id.toUpperCase(), native.id],
    ['order-77', native.id],
    [antom.antomPaymentId!, antom.id],
    ['antom-req-1', antom.id],
    ['IONPAYTEST01202403010000000001', nicepay.id],
    ['nicepay-ref-1', nicepay.id],
    ['upstream-ref-9', nicepay.id],
  ];
  for (const [q, id] of cases) assert.deepEqual(ids(await list(`q=${encodeURIComponent(q)}`)), [id], q);
  assert.deepEqual(ids(await list('q=order-7')), [], 'exact match only');
  assert.deepEqual(ids(await list(`q=order-77&merchant=${m2.merchantId}`)), [], 'other filters still apply');
});

test('keyset pages: every payment exactly once, newest first, also among payments created in the same millisecond', async () => {
  const m = await nativeMerchant(h, 'Pages');
  for (let i = 0; i < 23; i++) {
    if (i % 4 === 0) h.clock.advance(1_000); // groups of payments share one created_at
    await createPayment(m, { referenceId: `page-${i}` });
  }
  const { rows } = await h.deps.core.db.query<{ id: string }>('SELECT id FROM payments WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC', [m.merchantId]);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await list(`merchant=${m.merchantId}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(page.data.length <= 5);
    seen.push(...ids(page));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 5);
  assert.deepEqual(seen, rows.map((r) => r.id));
  // A payment created after the first page was read does not shift the pages that follow.
  const first = await list(`merchant=${m.merchantId}&limit=5`);
  await createPayment(m, { referenceId: 'late' });
  const second = await list(`merchant=${m.merchantId}&limit=5&cursor=${first.nextCursor}`);
  assert.deepEqual(ids(second), rows.slice(5, 10).map((r) => r.id));
});

test('operator cancel: the same core cancel, in the timeline as the operator; refusals change nothing', async () => {
  const p = await createPayment(m1, { paymentMethod: 'promptpay', confirm: true });
  const res = await admin(h, 'POST', `/payments/${p.id}/cancel`, { reason: 'fraudulent' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.status, 'canceled');
  assert.equal(res.body.data.amountCanceled, '1000.00');
  assert.equal(res.body.data.cancellationReason, 'fraudulent');
  const after = await stored(h, p.id);
  assert.equal(after.status, 'canceled');
  const last = (await listEvents(h.deps.core.db, p.id)).at(-1)!;
  assert.equal(last.type, 'canceled');
  assert.equal(last.dialect, 'operator');
  assert.match(last.requestId!, /^operator:.+/);

  const detail = (await admin(h, 'GET', `/payments/${p.id}`)).body.data;
  assert.deepEqual(detail.timeline.map((e: any) => [e.type, e.dialect]).at(-1), ['canceled', 'operator']);
  assert.ok(Array.isArray(detail.operations) && Array.isArray(detail.deliveries) && Array.isArray(detail.ledger));

  // Again: already canceled. Refused, nothing written.
  const before = await snapshot(p.id);
  const again = await admin(h, 'POST', `/payments/${p.id}/cancel`, {});
  assert.equal(again.status, 400);
  assert.deepEqual(await snapshot(p.id), before);

  const paid = await reach(h, m1, 'succeeded'); // a paid native card cannot be canceled (seed 002)
  for (const [path, body, code] of [
    ['cancel', {}, 400],
    ['capture', {}, 400],
    ['refunds', { amount: '1000.001' }, 400],
    ['refunds', { amount: '1000.01' }, 400],
    ['refunds', { amount: 'ten' }, 400],
    ['cancel', { reason: 'because' }, 400],
    ['refunds', { unknown: true }, 400],
  ] as const) {
    const snap = await snapshot(paid.id);
    const refused = await admin(h, 'POST', `/payments/${paid.id}/${path}`, body);
    assert.equal(refused.status, code, `${path} ${JSON.stringify(body)}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.success, false);
    assert.deepEqual(await snapshot(paid.id), snap, `${path} changed nothing`);
  }
  const missing = await admin(h, 'POST', '/payments/0190a000-0000-7000-8000-000000000000/cancel', {});
  assert.equal(missing.status, 404);
  assert.equal((await admin(h, 'GET', '/payments/not-a-payment')).status, 404);
});

test('operator partial cancel, capture and refund: amounts as decimal strings, each an operator event', async () => {
  // Partial cancels of native cards are a contract choice of the merchant.
  const contract = await admin(h, 'PUT', `/merchants/${m2.merchantId}/contract`, { native: { cancel: { card: { partial: true } } } });
  assert.equal(contract.status, 200, JSON.stringify(contract.body));
  const p = await reach(h, m2, 'requires_capture');

  const partial = await admin(h, 'POST', `/payments/${p.id}/cancel`, { amount: '100.00' });
  assert.equal(partial.status, 200, JSON.stringify(partial.body));
  assert.equal(partial.body.data.status, 'requires_capture');
  assert.equal(partial.body.data.amountCanceled, '100.00');
  assert.equal(partial.body.data.amountCapturable, '900.00');

  const captured = await admin(h, 'POST', `/payments/${p.id}/capture`, { amount: '600.00' });
  assert.equal(captured.status, 200, JSON.stringify(captured.body));
  assert.equal(captured.body.data.status, 'succeeded');
  assert.equal(captured.body.data.amountReceived, '600.00');

  const refund = await admin(h, 'POST', `/payments/${p.id}/refunds`, { amount: '250.50', reason: 'damaged goods' });
  assert.equal(refund.status, 201, JSON.stringify(refund.body));
  assert.equal(refund.body.data.amount, '250.50');
  assert.equal(refund.body.data.status, 'succeeded');
  assert.equal(refund.body.data.payment.amountRefunded, '250.50');

  const tooMuch = await admin(h, 'POST', `/payments/${p.id}/refunds`, { amount: '349.51' });
  assert.equal(tooMuch.status, 400);
  const s = await stored(h, p.id);
  assert.deepEqual([s.amountCanceled, s.amountReceived, s.amountRefunded], [40_000n, 60_000n, 25_050n], 'canceled: 100.00 partial + 300.00 released at capture');

  const events = (await listEvents(h.deps.core.db, p.id)).filter((e) => e.dialect === 'operator');
  assert.deepEqual(events.map((e) => [e.type, e.amount]), [['partially_canceled', 10_000n], ['captured', 60_000n], ['refunded', 25_050n]]);
  const detail = (await admin(h, 'GET', `/payments/${p.id}`)).body.data;
  assert.deepEqual(detail.refunds.map((r: any) => [r.amount, r.reason]), [['250.50', 'damaged goods']]);
  assert.ok(detail.ledger.some((j: any) => j.kind === 'refund'), 'the refund is in the ledger');
  assert.ok(detail.operations.some((o: any) => o.kind === 'capture' && o.amount === '600.00'));
});
