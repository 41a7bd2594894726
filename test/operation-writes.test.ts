// A processor call's claim and its operation record, and the answer's write and the record's
// completion, are each one statement where nothing else has to commit with them (repo.ts
// WithChange). The record must then still move exactly with the payment: written when the claim
// wins, not when it loses its race; completed when the answer's write wins, left alone when it loses;
// and a final record never overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getOperation, finishOperationWith, insertOperationWith, newOperation } from '../src/core/processors/operations.ts';
import { getPaymentById, updatePayment } from '../src/core/payments/repo.ts';
import type { Payment } from '../src/core/payments/model.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { cancel, CARDS, cardPayment, expectStatus, reach, stored } from './helpers/native.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const db = h.deps.core.db;

async function authorized(): Promise<Payment> {
  const p = await cardPayment(m, CARDS.succeeds, { captureMethod: 'manual' });
  return (await getPaymentById(db, p.id))!;
}

test('a claim that loses its race writes no operation record; one that wins writes it whole', async () => {
  const p = await authorized();
  const now = h.clock.now();
  const claim = { pendingOperation: 'cancel', pendingState: 'in_flight' as const, pendingUntil: new Date(now.getTime() + 30_000) };
  const lost = newOperation(h.clock, p, { kind: 'void', amount: p.amount });
  const stale = { ...p, version: p.version - 1 };
  assert.equal(await updatePayment(db, stale, null, claim, now, undefined, [insertOperationWith(lost)]), null);
  assert.equal(await getOperation(db, lost.id), null, 'no record for a claim that was not made');
  assert.equal((await stored(h, p.id)).pendingOperation, null);

  const won = newOperation(h.clock, p, { kind: 'void', amount: p.amount });
  const claimed = await updatePayment(db, p, null, claim, now, undefined, [insertOperationWith(won)]);
  assert.equal(claimed?.pendingOperation, 'cancel');
  assert.equal(claimed?.version, p.version + 1);
  assert.deepEqual(await getOperation(db, won.id), won, 'the record as insertOperation writes it');
});

test('the answer\'s write completes the record only when it wins, and never overwrites a final record', async () => {
  const p = await authorized();
  const now = h.clock.now();
  const op = newOperation(h.clock, p, { kind: 'void', amount: p.amount });
  const claimed = (await updatePayment(db, p, null, { pendingOperation: 'cancel', pendingState: 'in_flight' }, now, undefined, [insertOperationWith(op)]))!;
  const done = finishOperationWith({ id: op.id, status: 'completed', result: { source: 'response' } }, now);
  const clear = { pendingOperation: null, pendingState: null, pendingUntil: null, pendingData: null };

  assert.equal(await updatePayment(db, p, 'canceled', clear, now, { dialect: 'native' }, [done]), null, 'a write at the old version loses');
  assert.equal((await getOperation(db, op.id))?.status, 'pending', 'the record stays open with the payment');

  const refused = finishOperationWith({ id: op.id, status: 'refused', result: { code: 'X' } }, now);
  const other = (await updatePayment(db, claimed, null, {}, now, undefined, [refused]))!;
  assert.equal((await getOperation(db, op.id))?.status, 'refused');
  const canceled = await updatePayment(db, other, 'canceled', clear, now, { dialect: 'native' }, [done]);
  assert.equal(canceled?.status, 'canceled', 'the payment change itself is made');
  assert.deepEqual((await getOperation(db, op.id))?.result, { code: 'X' }, 'a final record keeps its outcome');
});

test('an authorized card\'s cancel over HTTP leaves one completed void record and the claim cleared', async () => {
  const p = await authorized();
  const res = expectStatus(await cancel(m, p.id), 200).data;
  assert.equal(res.status, 'canceled');
  const { rows } = await db.query<{ kind: string; status: string; result: unknown }>(
    'SELECT kind, status, result FROM processor_operations WHERE payment_id = $1 ORDER BY created_at, id', [p.id]);
  assert.deepEqual(rows.map((r) => [r.kind, r.status]), [['authorize', 'completed'], ['void', 'completed']]);
  assert.deepEqual(rows[1]!.result, { source: 'response' });
  const after = await stored(h, p.id);
  assert.equal(after.pendingOperation, null);
  assert.equal(after.pendingData, null);
});

test('cancelling a charge whose outcome is unknown completes both records in the cancel\'s one statement', async () => {
  // A card whose issuer never answered: the authorize record stays open ('processing'), and the
  // cancel's void covers it. Both records must be completed with the payment's change.
  const p = await reach(h, m, 'processing');
  const open = await db.query<{ status: string }>(`SELECT status FROM processor_operations WHERE payment_id = $1 AND kind = 'authorize'`, [p.id]);
  assert.deepEqual(open.rows.map((r) => r.status), ['unknown']);
  assert.equal(expectStatus(await cancel(m, p.id), 200).data.status, 'canceled');
  const { rows } = await db.query<{ id: string; kind: string; status: string; result: Record<string, unknown> }>(
    'SELECT id, kind, status, result FROM processor_operations WHERE payment_id = $1 ORDER BY created_at, id', [p.id]);
  const [authorize, voided] = rows;
  assert.deepEqual(rows.map((r) => [r.kind, r.status]), [['authorize', 'completed'], ['void', 'completed']]);
  assert.equal(authorize!.result.outcome, 'canceled');
  assert.equal(authorize!.result.coveredBy, voided!.id);
  assert.equal((await stored(h, p.id)).pendingOperation, null);
});
