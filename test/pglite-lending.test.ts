// The test harness's PGlite databases (helpers/pglite-lending.ts): each borrower gets a migrated
// schema of its own, and gets nothing of an earlier borrower of the same database: not its tables,
// not its session settings, not a transaction it left open (failed, even), and not a statement it
// sends late.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Queryable } from '../src/db/db.ts';
import { borrowPglite } from './helpers/pglite-lending.ts';
import { usingPostgres } from './helpers/harness.ts';

const skip = usingPostgres() ? 'PGlite only' : false;
const MIGRATIONS = readdirSync(new URL('../migrations/', import.meta.url)).filter((f) => /^\d+_.*\.sql$/.test(f));

const timeZone = async (db: Queryable) => (await db.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0].TimeZone;

test('given back, a database is lent again with nothing of its last borrower', { skip }, async (t) => {
  const first = await borrowPglite();
  t.after(() => first.close());
  const applied = await first.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
  assert.equal(applied.rows[0].n, MIGRATIONS.length, 'every migration applied in the borrower\'s schema');
  const defaultZone = await timeZone(first);
  await first.query('CREATE TABLE leftover (v int)');
  await first.query('INSERT INTO leftover VALUES (1)');
  await first.query("SET TimeZone TO 'Asia/Jakarta'");
  // Outside every schema a borrower is given: survives the give-back, and so shows the database is the same one.
  await first.query('CREATE TABLE public.lending_marker (v int)');
  // A transaction left open, and failed: nothing runs in it until it is rolled back.
  await first.query('BEGIN');
  await assert.rejects(first.query('SELECT 1 / 0'), (e: Error & { code?: string }) => e.code === '22012');
  await first.close();
  await assert.rejects(first.query('SELECT 1'), /closed/, 'a late statement of the last borrower is refused');
  await assert.rejects(first.tx((q) => q.query('SELECT 1')), /closed/);

  const next = await borrowPglite();
  t.after(async () => {
    await next.query('DROP TABLE IF EXISTS public.lending_marker');
    await next.close();
  });
  assert.notEqual((await next.query<{ t: string | null }>("SELECT to_regclass('public.lending_marker')::text AS t")).rows[0].t, null, 'the same database, lent again');
  assert.equal((await next.query<{ t: string | null }>("SELECT to_regclass('leftover')::text AS t")).rows[0].t, null);
  assert.equal((await next.query<{ n: number }>('SELECT count(*)::int AS n FROM payments')).rows[0].n, 0);
  assert.equal(await timeZone(next), defaultZone);
  // Outside a transaction block, SAVEPOINT is an error: the transaction left open was rolled back.
  await assert.rejects(next.query('SAVEPOINT s'), (e: Error & { code?: string }) => e.code === '25P01');
});

test('borrowed at the same time, two databases: one borrower\'s session is not the other\'s', { skip }, async (t) => {
  const [a, b] = await Promise.all([borrowPglite(), borrowPglite()]);
  t.after(async () => {
    await a.query('DROP TABLE IF EXISTS public.only_in_a');
    await Promise.allSettled([a.close(), b.close()]);
  });
  await a.query('CREATE TABLE public.only_in_a (v int)');
  assert.equal((await b.query<{ t: string | null }>("SELECT to_regclass('public.only_in_a')::text AS t")).rows[0].t, null);
  const paths = await Promise.all([a, b].map(async (db) => (await db.query<{ search_path: string }>('SHOW search_path')).rows[0].search_path));
  assert.match(paths[0], /^kasir_test_[0-9a-f]{12}$/);
  assert.notEqual(paths[0], paths[1]);
});
