// The test harness's PGlite databases (helpers/pglite-lending.ts): each borrower gets a migrated
// schema of its own, and gets nothing of an earlier borrower of the same database: not its tables,
// not its session (settings, role, an open or failed transaction, cursors, temporary tables, locks,
// prepared statements, listened channels), not the types its statements were prepared with, and not
// a statement it sends late, even through a transaction's handle it kept. A database still busy
// with its borrower's statements is closed rather than lent, and IDLE_DATABASES at most wait idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../src/db/db.ts';
import { notReadyReason } from '../src/http/health.ts';
import { borrowPglite, IDLE_DATABASES, lendingDatabasesOpen } from './helpers/pglite-lending.ts';
import { usingPostgres } from './helpers/harness.ts';

const skip = usingPostgres() ? 'PGlite only' : false;

const one = async <T>(db: Queryable, sql: string): Promise<T> => Object.values((await db.query(sql)).rows[0])[0] as T;
/** Marks the database itself (outside every schema a borrower gets), to tell whether the next borrower got the same one. */
const mark = (db: Queryable, name: string) => db.query(`CREATE TABLE public.${name} (v int)`);
const marked = async (db: Queryable, name: string) => (await one<string | null>(db, `SELECT to_regclass('public.${name}')::text`)) !== null;
const unmark = (db: Queryable, name: string) => db.query(`DROP TABLE IF EXISTS public.${name}`);

test('given back, a database is lent again with nothing of its last borrower', { skip }, async (t) => {
  const first = await borrowPglite();
  t.after(() => first.close());
  assert.equal(await notReadyReason(first), null, 'every migration applied in the borrower\'s schema');
  const fresh = { zone: await one(first, 'SHOW TimeZone'), user: await one(first, 'SELECT current_user') };
  await first.query('CREATE TABLE leftover (v int)');
  await first.query('INSERT INTO leftover VALUES (1)');
  await first.query("SET TimeZone TO 'Asia/Jakarta'");
  await first.query('CREATE ROLE lending_test_role');
  t.after(async () => {
    const cleanup = await borrowPglite();
    await cleanup.query('DROP ROLE IF EXISTS lending_test_role');
    await cleanup.close();
  });
  await first.query('CREATE TEMP TABLE payments (shadow int)');
  await first.query('PREPARE by_hand AS SELECT 1');
  await first.query('SELECT pg_advisory_lock(4242)');
  await first.query('LISTEN lending_channel');
  await mark(first, 'lending_marker');
  let kept: Queryable | undefined;
  await first.tx(async (q) => void (kept = q));
  // Last, as what it made needed the superuser: a role that RESET ALL leaves as it is.
  await first.query('SET ROLE lending_test_role');
  assert.equal(await one(first, 'SELECT current_user'), 'lending_test_role');
  await first.query('BEGIN');
  await first.query('DECLARE held CURSOR WITH HOLD FOR SELECT 1');
  await first.query('COMMIT');
  assert.equal(await one(first, "SELECT count(*)::int FROM pg_cursors WHERE name = 'held'"), 1);
  await first.query('BEGIN');
  await assert.rejects(first.query('SELECT 1 / 0'), (e: Error & { code?: string }) => e.code === '22012', 'a transaction left open, and failed');
  await first.close();
  await assert.rejects(first.query('SELECT 1'), /closed/, 'a late statement of the last borrower is refused');
  await assert.rejects(first.tx((q) => q.query('SELECT 1')), /closed/);
  await assert.rejects(kept!.query('SELECT 1'), /closed/, 'so is one through a transaction\'s handle it kept');

  const next = await borrowPglite();
  t.after(async () => {
    await unmark(next, 'lending_marker');
    await next.close();
  });
  assert.ok(await marked(next, 'lending_marker'), 'the same database, lent again');
  assert.equal(await one(next, "SELECT to_regclass('leftover')::text"), null);
  assert.equal(await one(next, 'SELECT count(*)::int FROM payments'), 0, 'its own payments, not a temporary table of the last borrower');
  assert.equal(await one(next, "SELECT count(*)::int FROM pg_class WHERE relpersistence = 't'"), 0, 'no temporary table');
  assert.equal(await one(next, 'SHOW TimeZone'), fresh.zone);
  assert.equal(await one(next, 'SELECT current_user'), fresh.user);
  assert.equal(await one(next, 'SELECT count(*)::int FROM pg_prepared_statements WHERE from_sql'), 0);
  assert.equal(await one(next, "SELECT count(*)::int FROM pg_cursors WHERE name <> ''"), 0, 'no cursor but this statement\'s own');
  assert.equal(await one(next, "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory'"), 0);
  assert.equal(await one(next, 'SELECT count(*)::int FROM pg_listening_channels()'), 0);
  // Outside a transaction block, SAVEPOINT is an error: the transaction left open was rolled back.
  await assert.rejects(next.query('SAVEPOINT s'), (e: Error & { code?: string }) => e.code === '25P01');
});

test('the same statement on tables of another shape: prepared afresh for the next borrower', { skip }, async (t) => {
  const first = await borrowPglite();
  t.after(() => first.close());
  await first.query('CREATE TABLE shaped (v int)');
  await first.query('INSERT INTO shaped VALUES (1)');
  for (let i = 0; i < 6; i++) assert.equal((await first.query('SELECT * FROM shaped WHERE v > $1', [0])).rows.length, 1);
  await first.close();
  const next = await borrowPglite();
  t.after(() => next.close());
  await next.query('CREATE TABLE shaped (v text, w int)');
  await next.query("INSERT INTO shaped VALUES ('b', 2)");
  // Prepared in the last borrower's schema, this text had an int parameter and one int column.
  assert.deepEqual((await next.query('SELECT * FROM shaped WHERE v > $1', ['a'])).rows, [{ v: 'b', w: 2 }]);
});

// Bounded: a give-back that waited for the transaction would never end.
test('a database still busy with its borrower\'s statements is closed, not lent again', { skip, timeout: 30_000 }, async (t) => {
  const first = await borrowPglite();
  await mark(first, 'busy_marker');
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const stuck = first.tx(async (q) => {
    await q.query('SELECT 1');
    await new Promise<void>((r) => {
      release = r;
      entered();
    });
    return q.query('SELECT 2');
  });
  await inside;
  await first.close(); // does not wait for the transaction
  release();
  await assert.rejects(stuck, /closed/);
  const next = await borrowPglite();
  t.after(() => next.close());
  assert.equal(await marked(next, 'busy_marker'), false, 'another database');
});

test('borrowed at the same time, databases of their own; given back, IDLE_DATABASES of them wait for the next borrowers', { skip }, async (t) => {
  const n = IDLE_DATABASES + 1;
  const first = await Promise.all(Array.from({ length: n }, () => borrowPglite()));
  const names = first.map((_, i) => `only_in_${i}`);
  await mark(first[0], names[0]);
  assert.equal(await marked(first[1], names[0]), false, 'one borrower\'s session is not the other\'s');
  const paths = await Promise.all(first.map((db) => one<string>(db, 'SHOW search_path')));
  for (const p of paths) assert.match(p, /^kasir_test_[0-9a-f]{12}$/);
  assert.equal(new Set(paths).size, n);
  for (let i = 1; i < n; i++) await mark(first[i], names[i]);
  await Promise.all(first.map((db) => db.close()));
  assert.equal(lendingDatabasesOpen(), IDLE_DATABASES, 'the others were closed');
  const again = await Promise.all(Array.from({ length: n }, () => borrowPglite()));
  t.after(async () => {
    for (const db of again) for (const name of names) await unmark(db, name);
    await Promise.all(again.map((db) => db.close()));
  });
  let kept = 0;
  for (const db of again) for (const name of names) if (await marked(db, name)) kept++;
  assert.equal(kept, IDLE_DATABASES, 'those waiting came back, a new one was opened for the rest');
});
