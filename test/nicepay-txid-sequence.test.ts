// The tXid sequence (src/dialects/nicepay/txid-sequence.ts): one draw per number when calls come one
// at a time, blocks under load, and never a number used outside the second it was drawn in, which is
// what keeps tXids (time + sequence) unique across every process on the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../src/db/db.ts';
import { TxidSequence } from '../src/dialects/nicepay/txid-sequence.ts';
import { startKasir } from './helpers/harness.ts';

const h = await startKasir();
const db = h.deps.core.db;

/** The database as one process sees it, counting the statements it sends; `during` runs inside each. */
function counted(during?: () => void): Queryable & { statements: number } {
  const q = {
    statements: 0,
    async query<R>(sql: string, params?: readonly unknown[]) {
      q.statements++;
      const res = await db.query<R>(sql, params);
      during?.();
      return res;
    },
  };
  return q;
}

const lastValue = async () => Number((await db.query<{ last_value: string }>('SELECT last_value FROM nicepay_txid_seq')).rows[0]!.last_value);
const nextSecond = () => h.clock.set(Math.floor(h.clock.now().getTime() / 1000) * 1000 + 1000);

test('a call a second draws one number each, in the sequence\'s order, with nothing skipped', async () => {
  const q = counted();
  const seq = new TxidSequence({ db: q, clock: h.clock });
  await db.query(`SELECT setval('nicepay_txid_seq', 100)`);
  const numbers: number[] = [];
  for (let i = 0; i < 3; i++) {
    nextSecond();
    numbers.push(await seq.next());
  }
  assert.deepEqual(numbers, [101, 102, 103]);
  assert.equal(q.statements, 3);
  assert.equal(await lastValue(), 103);
});

test('a busy second draws in blocks: 200 concurrent calls, 200 distinct numbers, far fewer statements', async () => {
  nextSecond();
  await db.query(`SELECT setval('nicepay_txid_seq', 2000)`);
  const q = counted();
  const seq = new TxidSequence({ db: q, clock: h.clock });
  const numbers = await Promise.all(Array.from({ length: 200 }, () => seq.next()));
  assert.equal(new Set(numbers).size, 200);
  assert.ok(numbers.every((n) => n > 2000 && n <= 2000 + 64 * q.statements), String(numbers));
  assert.ok(q.statements <= 10, `${q.statements} statements for 200 numbers`);
});

test('two processes in the same second never hand out the same number', async () => {
  nextSecond();
  const a = new TxidSequence({ db: counted(), clock: h.clock });
  const b = new TxidSequence({ db: counted(), clock: h.clock });
  const numbers: number[] = [];
  for (let round = 0; round < 5; round++) {
    numbers.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).next()))));
  }
  assert.equal(new Set(numbers).size, numbers.length);
});

test('numbers left over when a second ends are never handed out in the next one', async () => {
  nextSecond();
  const seq = new TxidSequence({ db: counted(), clock: h.clock });
  await Promise.all(Array.from({ length: 50 }, () => seq.next())); // leaves part of a block over
  await seq.next();
  nextSecond();
  await db.query(`SELECT setval('nicepay_txid_seq', 7000)`);
  assert.equal(await seq.next(), 7001, 'drawn anew in the new second');
});

test('a draw that comes back after its second ended is dropped and drawn again', async () => {
  nextSecond();
  let slow = true;
  const q = counted(() => {
    if (slow) nextSecond(); // the second ends while the first draw is in flight
    slow = false;
  });
  const seq = new TxidSequence({ db: q, clock: h.clock });
  const n = await seq.next();
  assert.equal(q.statements, 2);
  assert.equal(n, await lastValue(), 'the number from the second draw');
});
