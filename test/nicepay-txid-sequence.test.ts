// The tXid sequence (src/dialects/nicepay/txid-sequence.ts): one draw per number when calls come one
// at a time, blocks under load, never a number shown with a second other than the one its draw came
// back in (which keeps tXids, time + sequence, unique across every process on the database), and
// neither a slow nor a failing database leaves a caller waiting for ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../src/db/db.ts';
import { TxidSequence, type TxidNumber } from '../src/dialects/nicepay/txid-sequence.ts';
import { startKasir } from './helpers/harness.ts';

const h = await startKasir();
const db = h.deps.core.db;

/** The database as one process sees it, counting the statements it sends; `during` runs inside each. */
function counted(during?: () => void): Queryable & { statements: number } {
  const q = {
    statements: 0,
    async query<R>(sql: string, params?: readonly unknown[]) {
      q.statements++;
      during?.();
      return db.query<R>(sql, params);
    },
  };
  return q;
}

const lastValue = async () => Number((await db.query<{ last_value: string }>('SELECT last_value FROM nicepay_txid_seq')).rows[0]!.last_value);
const nextSecond = () => h.clock.set(Math.floor(h.clock.now().getTime() / 1000) * 1000 + 1000);
const numbers = (taken: TxidNumber[]) => taken.map((t) => t.n);

test('a call a second draws one number each, in the sequence\'s order, with nothing skipped', async () => {
  const q = counted();
  const seq = new TxidSequence({ db: q, clock: h.clock });
  await db.query(`SELECT setval('nicepay_txid_seq', 100)`);
  const taken: TxidNumber[] = [];
  for (let i = 0; i < 3; i++) {
    nextSecond();
    taken.push(await seq.next());
    assert.equal(taken.at(-1)!.at.getTime(), h.clock.now().getTime(), 'shown with the time it was handed out at');
  }
  assert.deepEqual(numbers(taken), [101, 102, 103]);
  assert.equal(q.statements, 3);
  assert.equal(await lastValue(), 103);
});

test('a busy second draws in blocks: 200 concurrent calls, 200 distinct numbers, far fewer statements', async () => {
  nextSecond();
  await db.query(`SELECT setval('nicepay_txid_seq', 2000)`);
  const q = counted();
  const seq = new TxidSequence({ db: q, clock: h.clock });
  const taken = numbers(await Promise.all(Array.from({ length: 200 }, () => seq.next())));
  assert.equal(new Set(taken).size, 200);
  assert.ok(taken.every((n) => n > 2000 && n <= 2000 + 64 * q.statements), String(taken));
  assert.ok(q.statements <= 10, `${q.statements} statements for 200 numbers`);
});

test('two processes drawing blocks in the same second never hand out the same number', async () => {
  nextSecond();
  const qa = counted();
  const qb = counted();
  const a = new TxidSequence({ db: qa, clock: h.clock });
  const b = new TxidSequence({ db: qb, clock: h.clock });
  const taken: number[] = [];
  for (let round = 0; round < 5; round++) {
    taken.push(...numbers(await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).next()))));
  }
  assert.equal(new Set(taken).size, taken.length);
  assert.ok(qa.statements + qb.statements < taken.length / 4, 'both drew in blocks, interleaved on the one sequence');
});

test('numbers left over when a second ends are never handed out in the next one', async () => {
  nextSecond();
  const seq = new TxidSequence({ db: counted(), clock: h.clock });
  await Promise.all(Array.from({ length: 50 }, () => seq.next())); // leaves part of a block over
  await seq.next();
  nextSecond();
  await db.query(`SELECT setval('nicepay_txid_seq', 7000)`);
  assert.equal((await seq.next()).n, 7001, 'drawn anew in the new second');
});

test('a database slower than a second: every draw serves its callers, shown with the second it came back in', async () => {
  nextSecond();
  const start = h.clock.now().getTime();
  const q = counted(() => h.clock.advance(1500)); // each round trip takes 1.5 s
  const seq = new TxidSequence({ db: q, clock: h.clock });
  const taken = await Promise.all(Array.from({ length: 20 }, () => seq.next()));
  assert.equal(new Set(numbers(taken)).size, 20);
  // The first draw knew of the one caller that started it; the second took the nineteen waiting.
  assert.equal(q.statements, 2);
  assert.deepEqual(taken.map((t) => t.at.getTime() - start), [1500, ...Array(19).fill(3000)], 'the time each draw came back');
});

test('a failed draw fails its callers and the next call draws again', async () => {
  nextSecond();
  let fail = true;
  const q: Queryable = {
    async query<R>(sql: string, params?: readonly unknown[]) {
      if (fail) throw new Error('connection reset');
      return db.query<R>(sql, params);
    },
  };
  const seq = new TxidSequence({ db: q, clock: h.clock });
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => seq.next()));
  assert.deepEqual(results.map((r) => r.status), Array(5).fill('rejected'));
  fail = false;
  assert.equal((await seq.next()).n, await lastValue());
});
