// Named statements on PostgreSQL (src/db/pg-named-query.ts): described once per connection, then
// only bound and executed. What a caller gets must be exactly what node-pg's own query gives
// (rows, types, row counts, errors), and the per-connection memory of parsed statements must stay
// true through failures: a statement that parsed and then failed, one without result rows, a
// connection lost in the middle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgres, type PostgresDb } from '../src/db/postgres.ts';
import { usingPostgres } from './helpers/harness.ts';
import { adminQuery } from './helpers/pg-admin.ts';
import { silentProxy } from './helpers/silent-proxy.ts';

const URL = process.env.DATABASE_URL;
const skip = !usingPostgres() && 'named statements are PostgreSQL’s (PGlite has its own adapter)';
const schema = `kasir_test_statements_${process.pid}`;

let db: PostgresDb;
let reference: pg.Client;

test.before(async () => {
  if (skip) return;
  await adminQuery(URL!, `CREATE SCHEMA ${schema}`);
  // One connection: every statement below meets what the ones before it left on that connection
  // (until an error outside a transaction, after which the pool opens a new one).
  db = openPostgres({ url: URL!, schema, max: 1 });
  reference = new pg.Client({ connectionString: URL, options: `-c search_path=${schema}` });
  await reference.connect();
  await db.query(`CREATE TABLE kinds (
    id uuid PRIMARY KEY, n int8, i int4, dec numeric, t text, b boolean, at timestamptz, d date,
    doc jsonb, raw bytea, tags text[], ids uuid[], amounts int8[], maybe text)`);
  await db.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, ref uuid)');
});

test.after(async () => {
  if (skip) return;
  await reference.end();
  await db.close();
  await adminQuery(URL!, `DROP SCHEMA ${schema} CASCADE`);
});

const ROW = [
  '0190f5a1-7c2e-7000-8000-000000000001', 9_007_199_254_740_993n, 42, '12.50', 'tab\there "quoted" \\ back', true,
  new Date('2026-12-01T06:30:00.123Z'), '2026-12-01', { amount: { value: '1000', currency: 'IDR' }, list: [1, null] },
  Buffer.from([0, 1, 254, 255]), ['a', 'b,c', 'd"e', null], ['0190f5a1-7c2e-7000-8000-000000000002'], [1n, -2n], null,
];
const INSERT = `INSERT INTO kinds (id, n, i, dec, t, b, at, d, doc, raw, tags, ids, amounts, maybe)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`;

/** node-pg's own query with the same text and values (unnamed: described on every execution). */
async function asNodePg(sql: string, values: unknown[]) {
  const wire = values.map((v) => (typeof v === 'bigint' ? v.toString() : v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) && !Buffer.isBuffer(v) ? JSON.stringify(v) : Array.isArray(v) ? v.map((e) => (typeof e === 'bigint' ? e.toString() : e)) : v));
  const res = await reference.query(sql, wire);
  return { rows: res.rows, rowCount: res.rowCount };
}

test('rows, types and row counts are node-pg’s own, the first time and every time after', { skip }, async () => {
  const inserted = await db.query(INSERT, ROW);
  assert.equal(inserted.rowCount, 1);
  const select = 'SELECT *, n AS twice, n AS twice FROM kinds WHERE id = $1 AND t = $2';
  const expected = await asNodePg(select, [ROW[0], ROW[4]]);
  assert.equal(expected.rows.length, 1);
  for (let run = 0; run < 3; run++) {
    const got = await db.query(select, [ROW[0], ROW[4]]);
    assert.deepEqual(got, expected, `run ${run}`);
  }
  const row = (await db.query<Record<string, unknown>>(select, [ROW[0], ROW[4]])).rows[0];
  assert.equal(row.n, '9007199254740993', 'int8 as text, never a rounded number');
  assert.deepEqual(row.at, new Date('2026-12-01T06:30:00.123Z'));
  assert.deepEqual(row.raw, Buffer.from([0, 1, 254, 255]));
  assert.deepEqual(row.tags, ['a', 'b,c', 'd"e', null]);
  assert.deepEqual(row.doc, { amount: { value: '1000', currency: 'IDR' }, list: [1, null] });
  assert.equal(row.maybe, null);

  const none = await db.query('SELECT id FROM kinds WHERE id = $1', ['0190f5a1-7c2e-7000-8000-0000000000ff']);
  assert.deepEqual(none, { rows: [], rowCount: 0 });
  const updated = await db.query('UPDATE kinds SET i = i + $1 WHERE id = $2', [1, ROW[0]]);
  assert.deepEqual(updated, { rows: [], rowCount: 1 });
  assert.equal((await db.query<{ i: number }>('SELECT i FROM kinds WHERE id = $1', [ROW[0]])).rows[0].i, 43);
});

test('a statement without result rows is parsed once and runs again on the same connection', { skip }, async () => {
  const insert = 'INSERT INTO notes (body) VALUES ($1)';
  for (let i = 0; i < 3; i++) assert.deepEqual(await db.query(insert, [`note ${i}`]), { rows: [], rowCount: 1 });
  const many = await db.query('INSERT INTO notes (body) SELECT b FROM unnest($1::text[]) AS b', [['x', 'y', 'z']]);
  assert.equal(many.rowCount, 3);
  const deleted = await db.query('DELETE FROM notes WHERE body = ANY($1::text[])', [['x', 'y']]);
  assert.deepEqual(deleted, { rows: [], rowCount: 2 });
});

test('a statement that parsed and then failed runs on the same connection when its values are good', { skip }, async () => {
  for (const [sql, bad, good] of [
    ['SELECT id, body FROM notes WHERE ref = $1', ['not a uuid'], ['0190f5a1-7c2e-7000-8000-000000000009']],
    ['INSERT INTO notes (body, ref) VALUES ($1, $2)', ['n', 'not a uuid'], ['n', '0190f5a1-7c2e-7000-8000-000000000009']],
  ] as const) {
    // In one transaction: a statement alone goes through the pool, which drops a connection after
    // any error, so only a transaction's connection meets the failed statement again.
    await db.tx(async (q) => {
      await q.query('SAVEPOINT before_bad');
      const [ours, theirs] = await Promise.allSettled([q.query(sql, [...bad]), asNodePg(sql, [...bad])]);
      assert.equal(ours.status, 'rejected', sql);
      assert.equal(theirs.status, 'rejected');
      const err = (ours as PromiseRejectedResult).reason;
      assert.equal(err.code, '22P02', `${sql}: ${err.message}`);
      assert.equal(err.message, (theirs as PromiseRejectedResult).reason.message, 'node-pg’s own error');
      await q.query('ROLLBACK TO SAVEPOINT before_bad');
      // Neither "prepared statement … already exists" nor "… does not exist": the connection's
      // memory of the statement matches the server's.
      const ok = await q.query(sql, [...good]);
      assert.equal(ok.rowCount, sql.startsWith('INSERT') ? 1 : 0, sql);
    });
  }
});

test('errors carry PostgreSQL’s fields, and the next statement is served', { skip }, async () => {
  await assert.rejects(db.query('SELEC id FROM notes WHERE id = $1', [1]), { code: '42601' });
  await assert.rejects(db.query('INSERT INTO notes (body) VALUES ($1)', [null]), (err: { code: string; column: string }) => {
    assert.equal(err.code, '23502');
    assert.equal(err.column, 'body');
    return true;
  });
  await assert.rejects(db.query(INSERT, ROW), { code: '23505', constraint: 'kinds_pkey' });
  assert.equal((await db.query<{ n: string }>('SELECT count(*) AS n FROM kinds WHERE id = $1', [ROW[0]])).rows[0].n, '1');
});

test('named statements in a transaction: committed together, or rolled back together', { skip }, async () => {
  const body = `tx ${Date.now()}`;
  await assert.rejects(db.tx(async (q) => {
    await q.query('INSERT INTO notes (body) VALUES ($1)', [body]);
    await q.query('INSERT INTO notes (body) VALUES ($1)', [null]); // fails: the first goes too
  }), { code: '23502' });
  const count = () => db.query<{ n: string }>('SELECT count(*) AS n FROM notes WHERE body = $1', [body]).then((r) => Number(r.rows[0].n));
  assert.equal(await count(), 0);
  await db.tx(async (q) => {
    await q.query('INSERT INTO notes (body) VALUES ($1)', [body]);
    const { rows } = await q.query<{ n: string }>('SELECT count(*) AS n FROM notes WHERE body = $1', [body]);
    assert.equal(rows[0].n, '1', 'its own write, seen inside');
  });
  assert.equal(await count(), 1);
});

test('each connection parses for itself: statements in flight on several connections at once', { skip }, async (t) => {
  const wide = openPostgres({ url: URL!, schema, max: 4 });
  t.after(() => wide.close());
  const reads = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    wide.query<{ id: string; i: number }>(i % 2 ? 'SELECT id, i FROM kinds WHERE id = $1' : 'SELECT id, i FROM kinds WHERE id = $1 AND i > $2', i % 2 ? [ROW[0]] : [ROW[0], 0])));
  for (const r of reads) assert.deepEqual(r, { rows: [{ id: ROW[0], i: 43 }], rowCount: 1 });
  assert.ok(wide.poolStats().total > 1, 'more than one connection took part');
});

for (const where of ['alone', 'in a transaction'] as const) {
  test(`a connection lost in the middle of a statement (${where}) fails it, and the next goes on a new connection`, { skip }, async (t) => {
    const proxy = await silentProxy(new globalThis.URL(URL!));
    const cut = openPostgres({ url: proxy.url, schema, max: 1 });
    t.after(async () => {
      await proxy.close();
      await cut.close().catch(() => {});
    });
    const read = 'SELECT body FROM notes WHERE id = $1';
    assert.equal((await cut.query(read, [1])).rowCount, 1, 'parsed on the first connection');
    const pending = where === 'alone'
      ? cut.query(read, [1])
      : cut.tx(async (q) => {
        await q.query(read, [1]);
        proxy.silence();
        return q.query(read, [1]);
      });
    if (where === 'alone') proxy.silence();
    await new Promise((ok) => setTimeout(ok, 50));
    proxy.reset();
    await assert.rejects(pending);
    // The process is still here (an unheard 'error' would have ended it), and the pool's new
    // connection parses the statement afresh: it answers.
    assert.deepEqual(await cut.query<{ body: string }>(read, [1]), { rows: [{ body: 'note 0' }], rowCount: 1 });
  });
}
