// The native replay guard: a signature is accepted once inside the tolerance window (both ways:
// 2 × 300 s), accepted again only after it, and remembered signatures are pruned as they expire.
// It lives in the database, so a replay to another Kasir process on it, or after a restart, is
// refused too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../src/core/clock.ts';
import { pruneGuards, REPLAY_KEEP_MS } from '../src/core/jobs/prune-guards.ts';
import { ReplayGuard, TOLERANCE_MS } from '../src/dialects/native/auth.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { nativeMerchant, readResponse, signNative, startKasir, usingPostgres, type Harness, type NativeClient } from './helpers/harness.ts';
import { countPayments } from './helpers/native.ts';
import { startNode } from './helpers/second-node.ts';
import { silentProxy } from './helpers/silent-proxy.ts';

const h = await startKasir();
const db = h.deps.core.db;

async function remembered(before: Date): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM native_replay_guard WHERE expires_at < $1', [before]);
  return Number(rows[0].n);
}

/** The pruner keeps expired signatures a margin longer (clock skew between nodes): prune past it. */
const prunePastMargin = (clock: FixedClock) => {
  clock.advance(REPLAY_KEEP_MS);
  return pruneGuards({ db, clock });
};

test('a signature is refused while remembered, accepted after the window, and pruned', async () => {
  // A clock years behind the harness's: the HTTP tests' entries are neither expired nor counted here.
  const clock = new FixedClock('2024-01-01T00:00:00.000Z');
  const mine = new Date('2025-01-01T00:00:00.000Z');
  const guard = new ReplayGuard({ db, clock });
  assert.equal(await guard.firstUse('k:1:a', 1), true);
  assert.equal(await guard.firstUse('k:1:a', 1), false, 'a replay');
  clock.advance(2 * TOLERANCE_MS);
  assert.equal(await guard.firstUse('k:1:a', 1), false, 'still inside the window at its very end');
  clock.advance(1);
  for (let i = 0; i < 200; i++) assert.equal(await guard.firstUse(`k:2:${i}`, 2), true);
  assert.deepEqual(await prunePastMargin(clock), { replays: 1, windows: 0 }, 'the expired signature was pruned');
  assert.equal(await remembered(mine), 200, 'the live ones kept');
  clock.advance(2 * TOLERANCE_MS + 1);
  assert.equal(await guard.firstUse('k:2:7', 2), true, 'an expired signature no longer blocks, pruned or not');
  assert.equal(await guard.firstUse('k:2:7', 2), false, 'and is remembered afresh');
  assert.deepEqual(await prunePastMargin(clock), { replays: 199, windows: 0 }, 'everything expired is gone');
  assert.equal(await remembered(mine), 1);
  clock.advance(2 * TOLERANCE_MS + 1);
  assert.deepEqual(await prunePastMargin(clock), { replays: 1, windows: 0 });
  assert.equal(await remembered(mine), 0);
});

/** One signed request with the exact headers given: what an attacker who captured them sends. */
function captured(m: NativeClient, method: string, path: string, body: string) {
  const timestamp = String(h.clock.now().getTime());
  const headers = { 'X-API-Key': m.apiKey, 'X-Timestamp': timestamp, 'X-Signature': signNative(m.apiSecret, timestamp, body), 'Content-Type': 'application/json' };
  return async (to: Harness) => readResponse(await fetch(to.baseUrl + path, { method, headers, body }));
}

const newPayment = (m: NativeClient) =>
  captured(m, 'POST', '/api/v1/payments', JSON.stringify({ amount: '10.00', currency: 'THB', paymentMethod: 'promptpay' }));

function refusedAsReplay(res: { status: number; body: any; text: string }) {
  assert.equal(res.status, 401, res.text);
  assert.match(res.body.error.message, /replayed/);
}

test('a request replayed to a second Kasir process on the same database is refused', async (t) => {
  const node = await startNode(h);
  t.after(() => node.close());
  const m = await nativeMerchant(h, 'Two nodes');
  const send = newPayment(m);
  assert.equal((await send(h)).status, 201);
  refusedAsReplay(await send(node.harness));
  assert.equal(await countPayments(h, m.merchantId), 1, 'the replay made no payment');

  // Offered to both at once, exactly one process accepts it: the insert of its digest decides.
  h.clock.advance(1); // another timestamp, another signature
  const race = newPayment(m);
  const both = await Promise.all([race(h), race(node.harness)]);
  assert.deepEqual(both.map((r) => r.status).sort(), [201, 401], both.map((r) => r.text).join('\n'));
  assert.equal(await countPayments(h, m.merchantId), 2);
});

test('a request replayed after a restart (a new app on the same database) is refused', async () => {
  const m = await nativeMerchant(h, 'Restarted');
  const before = await startNode(h);
  h.clock.advance(1);
  const send = newPayment(m);
  assert.equal((await send(before.harness)).status, 201);
  await before.close();
  const after = await startNode(h);
  try {
    refusedAsReplay(await send(after.harness));
    refusedAsReplay(await send(h));
  } finally {
    await after.close();
  }
  assert.equal(await countPayments(h, m.merchantId), 1);
});

test('the prune job deletes the signatures of requests once their window has passed', async () => {
  const m = await nativeMerchant(h, 'Pruned');
  h.clock.advance(1);
  const send = newPayment(m);
  assert.equal((await send(h)).status, 201);
  const live = await remembered(new Date(h.clock.now().getTime() + 2 * TOLERANCE_MS + 1));
  assert.ok(live >= 1, 'the request is remembered');
  assert.equal((await pruneGuards(h.deps.core)).replays, 0, 'nothing expired yet');
  h.clock.advance(2 * TOLERANCE_MS + 1 + REPLAY_KEEP_MS);
  assert.equal((await pruneGuards(h.deps.core)).replays, live, 'every request of this file has expired');
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM native_replay_guard');
  assert.equal(Number(rows[0].n), 0);
  // Forgotten, yet still refused: its timestamp is now too old to be accepted at all.
  const late = await send(h);
  assert.equal(late.status, 401, late.text);
  assert.match(late.body.error.message, /300 seconds/);
});

test('entries remembered before the guard was keyed by signed time still refuse their replay, and pruning spares live ones', async () => {
  const clock = new FixedClock('2023-06-01T00:00:00.000Z');
  const guard = new ReplayGuard({ db, clock });
  const { createHash } = await import('node:crypto');
  const digest = createHash('sha256').update('legacy:5:b').digest();
  // What migration 019 found in the table (no signed_at), where migration 020 moved it.
  await db.query('INSERT INTO native_replay_guard_legacy (digest, expires_at) VALUES ($1, $2)', [digest, new Date(clock.now().getTime() + 2 * TOLERANCE_MS)]);
  assert.equal(await guard.firstUse('legacy:5:b', 5), false, 'a replay of a signature accepted before the migration');
  clock.advance(2 * TOLERANCE_MS + 1);
  assert.equal(await guard.firstUse('legacy:5:b', 5), true, 'accepted once the old entry expired');
  assert.equal(await guard.firstUse('legacy:5:b', 5), false, 'and remembered under the new key');
  // The expired old entry and the live new one share the digest: the prune removes only the old.
  await prunePastMargin(clock);
  const legacy = await db.query('SELECT 1 FROM native_replay_guard_legacy WHERE digest = $1', [digest]);
  assert.equal(legacy.rows.length, 0, 'the expired old entry is pruned');
  const { rows } = await db.query('SELECT 1 FROM native_replay_guard WHERE digest = $1', [digest]);
  assert.equal(rows.length, 1, 'the live entry stayed');
  assert.equal(await guard.firstUse('legacy:5:b', 5), false);
});

test('the replay probe never reads the guard table itself, whatever plan its statement keeps', async () => {
  // A statement prepared while the table was small may keep that plan for the connection's life
  // (PGlite never re-plans it): a probe of native_replay_guard, which grows with every request, was
  // then a scan of all of it per request. The probe reads the legacy table, which nothing grows.
  let sql = '';
  const recording = { query: (text: string, params?: unknown[]) => ((sql = text), db.query(text, params)) };
  await new ReplayGuard({ db: recording as typeof db, clock: new FixedClock('2022-01-01T00:00:00.000Z') }).firstUse('plan:1:a', 1);
  const plan = await db.tx(async (q) => {
    await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await q.query(`PREPARE replay_probe AS ${sql}`);
    try {
      const { rows } = await q.query<Record<string, string>>("EXPLAIN EXECUTE replay_probe(ARRAY[now()], ARRAY['\\x00'::bytea], now(), now())");
      return rows.map((r) => Object.values(r)[0]).join('\n');
    } finally {
      await q.query('DEALLOCATE replay_probe');
    }
  });
  assert.match(plan, /on native_replay_guard_legacy/, plan);
  assert.doesNotMatch(plan, /Scan[^\n]* on native_replay_guard(?!_legacy)\b/, plan);
});

/** The guard's db, counting its statements; statement number `failing` fails. */
function counted(failing = 0) {
  const c = {
    statements: 0,
    query: async (text: string, params?: unknown[]) => {
      if (++c.statements === failing) throw new Error('connection lost');
      return db.query(text, params);
    },
  };
  return c;
}

test('signatures offered at once share statements: each accepted exactly once, a copy in the same batch refused', async () => {
  const clock = new FixedClock('2021-01-01T00:00:00.000Z');
  const c = counted();
  const guard = new ReplayGuard({ db: c as unknown as typeof db, clock });
  const keys = Array.from({ length: 60 }, (_, i) => `batch:${i}:sig`);
  // Every key twice, interleaved, all at once: the copies land in the same statements as the originals.
  const answers = await Promise.all([...keys, ...keys].map((k) => guard.firstUse(k, 7)));
  assert.deepEqual(answers.slice(0, 60), keys.map(() => true), 'each original accepted');
  assert.deepEqual(answers.slice(60), keys.map(() => false), 'each copy refused as a replay');
  assert.ok(c.statements <= 2, `120 offers in ${c.statements} statements`);
  // Remembered in the database, one by one, as before.
  for (const k of keys.slice(0, 5)) assert.equal(await guard.firstUse(k, 7), false);
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM native_replay_guard WHERE signed_at = $1", [new Date(7)]);
  assert.equal(Number(rows[0].n), 60);
});

test('two processes offering the same signatures at once: each is accepted by exactly one of them', async (t) => {
  const node = await startNode(h); // on PostgreSQL a pool of its own, as another process has
  t.after(() => node.close());
  const clock = new FixedClock('2021-02-01T00:00:00.000Z');
  const [a, b] = [new ReplayGuard({ db, clock }), new ReplayGuard({ db: node.harness.deps.core.db, clock })];
  const keys = Array.from({ length: 80 }, (_, i) => `race:${i}:sig`);
  const [fromA, fromB] = await Promise.all([Promise.all(keys.map((k) => a.firstUse(k, 8))), Promise.all(keys.map((k) => b.firstUse(k, 8)))]);
  keys.forEach((k, i) => assert.equal(Number(fromA[i]) + Number(fromB[i]), 1, `${k}: accepted by ${fromA[i] ? 'A' : ''}${fromB[i] ? 'B' : ''}`));
});

test('a statement that fails fails the requests it carried, and they are offered afresh when retried', async () => {
  const clock = new FixedClock('2021-03-01T00:00:00.000Z');
  const guard = new ReplayGuard({ db: counted(2) as unknown as typeof db, clock });
  // The first goes alone; the two offered while it runs share the second statement, which fails.
  const first = await Promise.allSettled(['fail:1', 'fail:2', 'fail:3'].map((k) => guard.firstUse(k, 9)));
  assert.deepEqual(first.map((r) => r.status), ['fulfilled', 'rejected', 'rejected'], JSON.stringify(first));
  assert.equal((first[0] as PromiseFulfilledResult<boolean>).value, true);
  for (const r of first.slice(1)) assert.match(String((r as PromiseRejectedResult).reason), /connection lost/);
  // Nothing of the failed statement was remembered: retried, those two are accepted; the first is a replay.
  assert.deepEqual(await Promise.all(['fail:2', 'fail:3', 'fail:1'].map((k) => guard.firstUse(k, 9))), [true, true, false]);
});

test('a statement that never answers (a connection cut without a word) stops holding back the others after a while', async () => {
  const clock = new FixedClock('2021-04-01T00:00:00.000Z');
  let hung: (() => void) | undefined;
  let statements = 0;
  const hanging = {
    query: async (text: string, params?: unknown[]) => {
      // The first statement hangs until the test lets it go; the others reach the database.
      if (++statements === 1) await new Promise<void>((go) => (hung = go));
      return db.query(text, params);
    },
  };
  const guard = new ReplayGuard({ db: hanging as unknown as typeof db, clock }, { stallMs: 200 });
  const stuck = guard.firstUse('stall:1', 10);
  const started = Date.now();
  // Offered while the first hangs: answered once it has stalled, by a statement of their own.
  assert.deepEqual(await Promise.all(['stall:2', 'stall:3'].map((k) => guard.firstUse(k, 10))), [true, true]);
  assert.ok(Date.now() - started >= 150, 'they waited for the stall');
  // The stuck statement still decides its own signature when its answer comes.
  hung!();
  assert.equal(await stuck, true);
  assert.equal(await guard.firstUse('stall:1', 10), false);
});

test('two processes offering the same signatures in opposite orders at once: no deadlock, each accepted once', { skip: !usingPostgres() && 'PGlite is one connection: two statements never overlap' }, async (t) => {
  // Every guard row's insert takes 0.3 s, so that the two statements overlap row by row: inserted
  // in arrival order, each would wait for the other's uncommitted row (a deadlock, a batch failed).
  await db.query(`CREATE FUNCTION slow_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$`);
  await db.query('CREATE TRIGGER slow_guard_insert BEFORE INSERT ON native_replay_guard FOR EACH ROW EXECUTE FUNCTION slow_guard_insert()');
  t.after(async () => {
    await db.query('DROP TRIGGER slow_guard_insert ON native_replay_guard');
    await db.query('DROP FUNCTION slow_guard_insert()');
  });
  const clock = new FixedClock('2021-05-01T00:00:00.000Z');
  const [p1, p2] = [new ReplayGuard({ db, clock }), new ReplayGuard({ db, clock })];
  const keys = ['order:1:a', 'order:1:b', 'order:1:c'];
  // Each process's first offer goes alone; the three offered while it runs share its second
  // statement: in arrival order, a, b, c in one process and c, b, a in the other.
  const warm = [p1.firstUse('order:0:p1', 11), p2.firstUse('order:0:p2', 11)];
  const both = [Promise.all(keys.map((k) => p1.firstUse(k, 11))), Promise.all([...keys].reverse().map((k) => p2.firstUse(k, 11)))];
  assert.deepEqual(await Promise.all(warm), [true, true]);
  const [one, two] = await Promise.all(both);
  const twoInOrder = [...two].reverse();
  keys.forEach((k, i) => assert.equal(Number(one[i]) + Number(twoInOrder[i]), 1, `${k}: accepted ${Number(one[i]) + Number(twoInOrder[i])} times`));
});

test('a guard statement on a connection cut without a word stops holding back the others after the stall time', { skip: !usingPostgres() && 'a PostgreSQL connection to cut' }, async (t) => {
  const proxy = await silentProxy(new URL(process.env.DATABASE_URL!));
  const cut = openPostgres({ url: proxy.url, schema: h.schema });
  t.after(async () => {
    await proxy.close();
    await cut.close().catch(() => {});
  });
  const guard = new ReplayGuard({ db: cut, clock: new FixedClock('2021-06-01T00:00:00.000Z') }, { stallMs: 300 });
  assert.equal(await guard.firstUse('cut:0', 12), true, 'the pool holds one connection, idle');
  await new Promise((ok) => setImmediate(ok)); // its statement has let go of the queue
  proxy.silence();
  const stuck = guard.firstUse('cut:1', 12); // on the idle connection, now cut: never answered
  const started = Date.now();
  // Offered while it hangs: once it has stalled, they go on a new connection and are answered.
  assert.deepEqual(await Promise.all(['cut:2', 'cut:3'].map((k) => guard.firstUse(k, 12))), [true, true]);
  assert.ok(Date.now() - started >= 250, 'they waited for the stall');
  proxy.reset(); // the stuck statement fails; nothing was accepted for it
  await assert.rejects(stuck);
  assert.equal(await guard.firstUse('cut:1', 12), true, 'never reached the database: accepted when offered again');
});
