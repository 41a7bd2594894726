// src/db/coalesce.ts on its own (no database): one run at a time, each carrying what arrived while
// the previous one ran; every item answered exactly once, whatever its run did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answered, coalesce } from '../src/db/coalesce.ts';

test('items offered while a run is in flight go together in the next run, in their order', async () => {
  const runs: number[][] = [];
  const double = coalesce(async (items: number[]) => (runs.push(items), items.map((n) => answered(n * 2))));
  assert.deepEqual(await Promise.all([1, 2, 3, 4].map(double)), [2, 4, 6, 8]);
  assert.deepEqual(runs, [[1], [2, 3, 4]]);
});

test('a run that throws at once, rejects, or answers nothing for an item fails exactly its items; the next run goes on', async () => {
  // What a run does is set by its first item; a lead item offered first runs alone, so the items
  // offered right after it share the next run.
  const run = coalesce((items: string[]) => {
    if (items[0] === 'throw') throw new Error('thrown at once');
    if (items[0] === 'reject') return Promise.reject(new Error('rejected'));
    if (items[0] === 'short') return Promise.resolve([answered('short')]);
    return Promise.resolve(items.map((s) => answered(s.toUpperCase())));
  });
  const batch = async (items: string[]) => {
    const lead = run('lead');
    const settled = await Promise.allSettled(items.map(run));
    assert.equal(await lead, 'LEAD');
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : `failed: ${(r.reason as Error).message}`));
  };
  assert.deepEqual(await batch(['throw', 'b']), ['failed: thrown at once', 'failed: thrown at once']);
  assert.deepEqual(await batch(['reject', 'c']), ['failed: rejected', 'failed: rejected']);
  assert.deepEqual(await batch(['short', 'd']), ['short', 'failed: coalesce: the batch gave no answer for this item']);
  assert.deepEqual(await batch(['e', 'f']), ['E', 'F']);
});

test('a run unanswered past stallMs stops holding back the next; its own items are answered when it ends', async () => {
  let release!: () => void;
  let call = 0;
  const run = coalesce(async (items: string[]) => {
    if (++call === 1) await new Promise<void>((go) => (release = go));
    return items.map((s) => answered(s));
  }, { stallMs: 100 });
  const stuck = run('stuck');
  const t0 = Date.now();
  assert.deepEqual(await Promise.all(['x', 'y'].map(run)), ['x', 'y']);
  assert.ok(Date.now() - t0 >= 90, 'held back until the stall');
  release();
  assert.equal(await stuck, 'stuck');
});
