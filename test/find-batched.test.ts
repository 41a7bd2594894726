// The payment read that starts every operation, shared by the requests in flight
// (src/core/payments/find-batched.ts): each read gets exactly what findPayment alone gives it —
// its own merchant's payment or nothing, never another merchant's — in fewer statements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPaymentBatched } from '../src/core/payments/find-batched.ts';
import { findPayment, type PaymentRef } from '../src/core/payments/repo.ts';
import type { Queryable } from '../src/db/db.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { createPayment } from './helpers/native.ts';

const h = await startKasir();
const db = h.deps.core.db;
const [a, b] = [await nativeMerchant(h, 'Reader A'), await nativeMerchant(h, 'Reader B')];
const own = { a: [] as string[], b: [] as string[] };
for (let i = 0; i < 6; i++) {
  own.a.push((await createPayment(a)).id);
  own.b.push((await createPayment(b)).id);
}

/** A view of the database that counts statements (a coalescer of its own: keyed by the object). */
function counted(): Queryable & { statements: number } {
  const c: Queryable & { statements: number } = { statements: 0, query: (text, params) => (c.statements++, db.query(text, params)) };
  return c;
}

const UNKNOWN = '0190f4a6-0000-7000-8000-000000000000';

test('reads in flight together: each gets its own merchant’s payment or nothing, in fewer statements', async () => {
  const c = counted();
  const lookups: [string, PaymentRef, string | null][] = [
    ...own.a.map((id) => [a.merchantId, { id }, null] as [string, PaymentRef, null]),
    ...own.b.map((id) => [b.merchantId, { id }, null] as [string, PaymentRef, null]),
    ...own.b.map((id) => [a.merchantId, { id }, null] as [string, PaymentRef, null]), // another merchant's ids
    [a.merchantId, { id: UNKNOWN }, null],
    [a.merchantId, { id: own.a[0] }, 'account-1'], // the right id, but not under that account
    [a.merchantId, { antomPaymentRequestId: 'no-such-request' }, null],
  ];
  const alone = await Promise.all(lookups.map(([m, ref, acc]) => findPayment(db, m, ref, acc)));
  const together = await Promise.all(lookups.map(([m, ref, acc]) => findPaymentBatched(c, m, ref, acc)));
  assert.deepEqual(together, alone);
  assert.deepEqual(together.slice(0, 12).map((p) => p?.id), [...own.a, ...own.b]);
  assert.ok(together.slice(12).every((p) => p === null), 'nothing of another merchant, unknown ids, a wrong account');
  assert.ok(c.statements < lookups.length / 2, `${lookups.length} reads in ${c.statements} statements`);
});

test('an id that is no uuid fails its own read as it does alone; the reads beside it are answered', async () => {
  const c = counted();
  const alone = await findPayment(db, a.merchantId, { id: 'not-a-uuid' }).then(() => 'answered', (err: Error) => err.message);
  assert.notEqual(alone, 'answered', 'PostgreSQL refuses it alone too');
  const reads = [own.a[1], 'not-a-uuid', own.a[2], own.a[3]].map((id) => findPaymentBatched(c, a.merchantId, { id }));
  const settled = await Promise.allSettled(reads);
  assert.equal(settled[1].status, 'rejected');
  assert.equal(((settled[1] as PromiseRejectedResult).reason as Error).message, alone);
  assert.deepEqual([0, 2, 3].map((i) => (settled[i] as PromiseFulfilledResult<{ id: string } | null>).value?.id), [own.a[1], own.a[2], own.a[3]]);
});

test('concurrent cancels of many payments over HTTP: every one canceled once, through the shared reads', async () => {
  const ids = await Promise.all(Array.from({ length: 12 }, () => createPayment(a).then((p) => p.id as string)));
  const answers = await Promise.all(ids.flatMap((id) => [a.request('POST', `/api/v1/payments/${id}/cancel`, {}), a.request('POST', `/api/v1/payments/${id}/cancel`, {})]));
  const byId = new Map<string, number[]>();
  answers.forEach((r, i) => byId.set(ids[i >> 1], [...(byId.get(ids[i >> 1]) ?? []), r.status]));
  for (const [id, statuses] of byId) assert.deepEqual(statuses.sort(), [200, 400], `${id}: one cancel wins, the other is told it is canceled`);
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM payment_events WHERE type = 'canceled' AND payment_id = ANY($1::uuid[])", [ids]);
  assert.equal(Number(rows[0].n), ids.length, 'one canceled event per payment');
});
