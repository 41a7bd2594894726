// PGlite has no autovacuum and Kasir keeps its statements prepared for the process's life: a plan
// made while a table was small would stay a scan of the whole table as it grows. The analyze job
// (src/core/jobs/analyze-embedded.ts) refreshes the statistics, and the statement is planned again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeEmbedded } from '../src/core/jobs/analyze-embedded.ts';
import type { Db } from '../src/db/db.ts';
import { borrowPglite } from './helpers/pglite-lending.ts';

// Both bring what they test themselves (a schema in the PGlite database this process lends; a
// stand-in for a PostgreSQL Db), so both run whichever database the suite is configured with.
test('on PGlite, a plan made while the table was small is replaced once the job has run', async (t) => {
  const db = await borrowPglite();
  t.after(() => db.close());
  await db.query('CREATE TABLE growing (id bigint PRIMARY KEY, k bigint NOT NULL, v text NOT NULL)');
  await db.query('CREATE INDEX growing_k ON growing (k)');
  await db.query('ANALYZE growing'); // known empty, as a fresh installation's tables are
  const lookup = 'SELECT v FROM growing WHERE k = $1';
  // Beyond PostgreSQL's five custom plans: the statement now runs its cached generic plan.
  for (let i = 0; i < 8; i++) await db.query(lookup, [i]);
  await db.query("INSERT INTO growing SELECT i, i, repeat('x', 100) FROM generate_series(1, 20000) AS i");
  const plan = async () => {
    // A lent database's statements start with a comment naming the borrower's schema.
    const { rows } = await db.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE statement LIKE '%' || $1", [lookup]);
    assert.equal(rows.length, 1, 'Kasir keeps the statement prepared');
    const explained = await db.query<Record<string, string>>(`EXPLAIN EXECUTE ${rows[0].name}(7)`);
    return explained.rows.map((r) => Object.values(r)[0]).join('\n');
  };
  // The hazard itself: without fresh statistics the 20,000 rows are scanned on every call.
  assert.match(await plan(), /Seq Scan on growing/);
  assert.equal(await analyzeEmbedded({ db }), true);
  const after = await plan();
  assert.match(after, /Index (Only )?Scan using growing_k/, after);
  assert.equal((await db.query<{ v: string }>(lookup, [7])).rows.length, 1);
});

test('on PostgreSQL the job leaves statistics to autovacuum and does nothing', async () => {
  const statements: string[] = [];
  const db = { kind: 'postgres' as const, query: (sql: string) => (statements.push(sql), Promise.resolve({ rows: [], rowCount: 0 })) };
  assert.equal(await analyzeEmbedded({ db: db as unknown as Db }), false);
  assert.deepEqual(statements, []);
});
