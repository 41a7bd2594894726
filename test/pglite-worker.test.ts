// PGlite in its worker thread (src/db/pglite.ts, pglite-worker.ts, pglite-statements.ts): the event
// loop keeps serving while a statement runs, transactions keep the one connection to themselves,
// databases side by side in one process share only code (compiled once, on the tier the process
// chose before), errors keep their SQLSTATE, prepared statements survive failures and eviction,
// parameters arrive as the types the SQL gives them, answers leave nothing behind on the worker's
// heap, a database whose worker is gone fails its statements at once, and an idle database never
// holds the process open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPglite, useOptimizingTierForPglite, type PgliteDb } from '../src/db/pglite.ts';
import { createStatementRunner } from '../src/db/pglite-statements.ts';
import { startKasir, usingPostgres } from './helpers/harness.ts';
import { migratedTemplate, migratedTemplateBlob } from './helpers/pglite-template.ts';
import { borrowPglite } from './helpers/pglite-lending.ts';

const skip = usingPostgres() ? 'PGlite only' : false;

/**
 * A database of its own, for the tests of a database's own life (side by side with another, closed).
 * The other tests borrow a schema in the database this process lends (pglite-lending.ts): the same
 * adapter and worker, without a PostgreSQL start of their own (about 1 s of CPU each).
 */
async function scratch(): Promise<PgliteDb> {
  return openPglite('memory://', await migratedTemplate());
}

test('HTTP is answered while a long statement runs in the database', { skip }, async () => {
  const h = await startKasir();
  const order: string[] = [];
  // Hundreds of milliseconds of work inside PostgreSQL; on the event loop it would block every request.
  const slow = h.deps.core.db.query('SELECT count(*) FROM generate_series(1, 1500000)').then(() => order.push('statement'));
  await new Promise((r) => setTimeout(r, 20)); // the statement has reached the worker
  const page = await fetch(`${h.baseUrl}/docs`);
  order.push(`http ${page.status}`);
  await slow;
  assert.deepEqual(order, ['http 200', 'statement']);
});

test('a transaction has the connection to itself: others wait, a rollback leaves nothing', { skip }, async (t) => {
  const db = await borrowPglite();
  t.after(() => db.close());
  await db.query('CREATE TABLE probe (n int)');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let insideSaw = -1;
  const tx = db.tx(async (q) => {
    await q.query('INSERT INTO probe VALUES (1)');
    await held;
    insideSaw = (await q.query<{ c: number }>('SELECT count(*)::int AS c FROM probe')).rows[0].c;
    throw new Error('roll back');
  }).catch((e: Error) => e.message);
  // Sent while the transaction is open: it must run after it, not inside it.
  const outside = db.query<{ c: number }>('SELECT count(*)::int AS c FROM probe');
  let outsideDone = false;
  void outside.then(() => (outsideDone = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(outsideDone, false, 'a statement outside the transaction waited for it');
  release();
  assert.equal(await tx, 'roll back');
  assert.equal(insideSaw, 1);
  assert.equal((await outside).rows[0].c, 0, 'ran after the rollback, outside the transaction');
  // Transactions queued behind each other commit one after the other.
  await Promise.all([1, 2, 3].map((n) => db.tx(async (q) => q.query('INSERT INTO probe VALUES ($1)', [n]))));
  assert.deepEqual((await db.query<{ n: number }>('SELECT n FROM probe ORDER BY n')).rows.map((r) => r.n), [1, 2, 3]);
});

test('errors keep their SQLSTATE; a failed statement does not poison its prepared form or the connection', { skip }, async (t) => {
  const db = await borrowPglite();
  t.after(() => db.close());
  await db.query('CREATE TABLE u (id uuid PRIMARY KEY)');
  const insert = 'INSERT INTO u (id) VALUES ($1)';
  await assert.rejects(db.query(insert, ['not-a-uuid']), (e: { code?: string }) => e.code === '22P02');
  await db.query(insert, ['0190c6a4-1234-7abc-8def-0123456789ab']);
  await assert.rejects(db.query(insert, ['0190c6a4-1234-7abc-8def-0123456789ab']), (e: { code?: string; constraint?: string }) => e.code === '23505' && e.constraint === 'u_pkey');
  // Inside a transaction: the error aborts it, the rollback ends it, the connection goes on.
  await assert.rejects(db.tx(async (q) => {
    await q.query(insert, ['0190c6a4-0000-7abc-8def-0123456789ab']);
    await q.query(insert, ['0190c6a4-0000-7abc-8def-0123456789ab']);
  }), (e: { code?: string }) => e.code === '23505');
  assert.equal((await db.query<{ c: number }>('SELECT count(*)::int AS c FROM u')).rows[0].c, 1);
});

test('more distinct statements than are kept prepared all run, the evicted ones prepared again', { skip }, async (t) => {
  const db = await borrowPglite();
  t.after(() => db.close());
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 520; i++) {
      const { rows } = await db.query<{ v: number }>(`SELECT $1::int + ${i} AS v`, [round]);
      assert.equal(rows[0].v, round + i);
    }
  }
});

test('parameters arrive as the types the statement gives them', { skip }, async (t) => {
  const db = await borrowPglite();
  t.after(() => db.close());
  const at = new Date('2026-11-30T12:34:56.789Z');
  const bytes = Buffer.from([0, 1, 2, 250, 255]);
  const tricky = ['plain', 'with,comma', 'with "quotes"', 'back\\slash', '{braces}', null, ''];
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT $1::timestamptz AS at, $2::bytea AS bytes, $3::text[] AS list, $4::int8 AS big, $5::jsonb AS doc, $6::boolean AS flag, $7::text AS nothing, $8::int[] AS numbers, $9::text AS greeting, $10::text AS empty`,
    [at, bytes, tricky, 9007199254740993n, { nested: { a: [1, 'x'] } }, false, null, [3, null, -7], 'Grüße, 你好 🎉', ''],
  );
  const row = rows[0];
  assert.equal((row.at as Date).toISOString(), at.toISOString());
  assert.deepEqual(Buffer.from(row.bytes as Uint8Array), bytes);
  assert.deepEqual(row.list, tricky);
  assert.equal(String(row.big), '9007199254740993');
  assert.deepEqual(row.doc, { nested: { a: [1, 'x'] } });
  assert.equal(row.flag, false);
  assert.equal(row.nothing, null);
  assert.deepEqual(row.numbers, [3, null, -7], 'array columns parsed element by element');
  assert.equal(row.greeting, 'Grüße, 你好 🎉', 'a parameter is sent as its UTF-8 bytes, counted in bytes');
  assert.equal(row.empty, '', 'an empty string is not NULL');
});

test('answers decode as PGlite\'s own query() decodes them; row counts as node-pg gives them', { skip }, async (t) => {
  // Kasir reads the backend messages itself (pglite-results.ts); PGlite's query() is the reference.
  const [db, lite] = await Promise.all([borrowPglite(), PGlite.create({ loadDataDir: await migratedTemplateBlob() })]);
  t.after(async () => {
    await db.close();
    await lite.close();
  });
  const ddl = 'CREATE TABLE decoded (id int PRIMARY KEY, note text, at timestamptz, doc jsonb, tags text[], amount int8, price numeric, ok boolean, raw bytea, day date)';
  await db.query(ddl);
  await lite.query(ddl);
  const fill = `INSERT INTO decoded VALUES
    (1, 'plain', '2026-11-30T12:34:56.789Z', '{"a":[1,"x"],"b":null}', '{"a,b","{c}","d\\"e"}', 9007199254740993, 12.50, true, '\\x00ff', '2026-02-28'),
    (2, 'Grüße, 你好 🎉', NULL, '"just a string"', '{}', -1, NULL, false, '\\x', NULL),
    (3, '', '1970-01-01T00:00:00Z', '[]', NULL, 0, 0, NULL, NULL, '1999-12-31')`;
  assert.equal((await db.query(fill)).rowCount, 3);
  await lite.query(fill);
  const statements: [string, unknown[]][] = [
    ['SELECT * FROM decoded ORDER BY id', []],
    ['SELECT id, note AS same, at AS same FROM decoded WHERE id = $1', [2]], // a repeated name: the last one wins
    ['SELECT count(*) AS n, sum(amount) AS total, avg(id)::float8 AS mean, array_agg(id ORDER BY id) AS ids FROM decoded', []],
    ['SELECT * FROM decoded WHERE id < 0', []],
    ["SELECT NULL AS nothing, 1.5::float4 AS f, 'NaN'::float8 AS nan, '{1,NULL,3}'::int[] AS ints, '(1,2)'::point AS p", []],
  ];
  for (const [sql, params] of statements) {
    const ours = await db.query(sql, params);
    const theirs = await lite.query(sql, params);
    assert.deepEqual(ours.rows, theirs.rows, sql);
    assert.equal(ours.rowCount, theirs.rows.length, `${sql}: a SELECT counts its rows, as node-pg does`);
  }
  assert.equal((await db.query('UPDATE decoded SET ok = NOT ok WHERE id <= 2')).rowCount, 2);
  assert.equal((await db.query('DELETE FROM decoded WHERE id = 99')).rowCount, 0);
  assert.equal((await db.query('CREATE INDEX ON decoded (note)')).rowCount, 0, 'a tag without a count counts nothing');
  await assert.rejects(db.query('INSERT INTO decoded (id) VALUES (1)'), (e: { code?: string; constraint?: string; message: string }) =>
    e.code === '23505' && e.constraint === 'decoded_pkey' && /duplicate key/.test(e.message));
});

test('statements leave nothing behind on the heap of the thread that runs them', { skip }, async (t) => {
  // The runner as the worker uses it, here on this thread so that its heap can be weighed. PGlite's
  // execProtocolRaw kept every answer's parsed messages for the process's life (the worker's heap
  // grew by about 10 MB a second under load until it ran out of memory).
  const lite = await PGlite.create({ loadDataDir: await migratedTemplateBlob() });
  t.after(() => lite.close());
  const run = createStatementRunner(lite);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const statements = async (n: number) => {
    for (let i = 0; i < n; i++) await run("SELECT repeat('x', 10000) || $1::text AS v, $1::int AS n", [i]);
  };
  await statements(500); // warm: prepared statement, code, buffers
  gc();
  const before = process.memoryUsage().heapUsed;
  // About 10 kB of answer each: 25 MB if answers were kept. The margin is wide because this thread
  // may hold more than this test (npm test runs several files in one process, one after another).
  await statements(2500);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 10_000_000, `heap grew by ${(grown / 1e6).toFixed(1)} MB over 2500 statements`);
  const raw = await run('SELECT $1::int + 1 AS v', [41]);
  assert.ok(raw.byteLength > 0 && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength, 'the answer owns its whole buffer (it is moved to the caller)');
});

test('databases open side by side in one process share PostgreSQL\'s compiled code and nothing else', { skip }, async (t) => {
  // pglite.ts compiles the wasm once per process and hands the module to every worker it starts.
  const [a, b] = await Promise.all([scratch(), scratch()]);
  // Both closed whatever fails first (a test process runs other files after this one); closing
  // the one the test already closed is refused, which is fine here.
  t.after(() => Promise.allSettled([a.close(), b.close()]));
  await a.query('CREATE TABLE only_in_a (v int)');
  await a.query('INSERT INTO only_in_a VALUES (1), (2)');
  await assert.rejects(b.query('SELECT * FROM only_in_a'), (e: Error & { code?: string }) => e.code === '42P01');
  const [countA, sumB] = await Promise.all([
    a.query<{ n: number }>('SELECT count(*)::int AS n FROM only_in_a'),
    b.query<{ s: number }>('SELECT sum(g)::int AS s FROM generate_series(1, 1000) g'),
  ]);
  assert.equal(countA.rows[0].n, 2);
  assert.equal(sumB.rows[0].s, 500500);
  await a.close();
  assert.equal((await b.query<{ n: number }>('SELECT count(*)::int AS n FROM payments')).rows[0].n, 0, 'the other database outlives the first one\'s close');
});

test('the compiler tier is the process\'s choice before its first database: asking later is refused', { skip }, async (t) => {
  // V8 reads its wasm flags when the module is compiled; a later change would silently do nothing.
  const db = await borrowPglite();
  t.after(() => db.close());
  assert.throws(() => useOptimizingTierForPglite(), /before the first database opens/);
  assert.equal((await db.query<{ v: number }>('SELECT 1 AS v')).rows[0].v, 1, 'the open database is untouched');
});

test('a database whose worker is gone fails every statement at once instead of leaving it waiting', { skip }, async () => {
  const db = await scratch();
  assert.equal((await db.query<{ v: number }>('SELECT 1 AS v')).rows[0].v, 1);
  await db.close();
  const outcome = await Promise.race([
    db.query('SELECT 1').then(() => 'answered', (e: Error) => e.message),
    new Promise((r) => setTimeout(() => r('still waiting after 2 s'), 2000).unref()),
  ]);
  assert.match(String(outcome), /PGlite database is closed/);
  await assert.rejects(db.tx(async (q) => q.query('SELECT 1')), /PGlite database is closed/);
});

test('health says unavailable, promptly, when the PGlite worker is gone', { skip }, async () => {
  const h = await startKasir({ ownPglite: true });
  assert.equal((await fetch(`${h.baseUrl}/health`)).status, 200);
  await h.deps.core.db.close();
  const res = await fetch(`${h.baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'unavailable' });
});

test('an idle database does not keep the process alive, an awaited statement does', { skip }, (t) => {
  const db = fileURLToPath(new URL('../src/db/pglite.ts', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'kasir-pglite-idle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // No close(): the process must still end once nothing is awaited, after printing the answer.
  const template = fileURLToPath(new URL('./helpers/pglite-template.ts', import.meta.url));
  const script = `const { openPglite } = await import(${JSON.stringify(db)});
const { migratedTemplate } = await import(${JSON.stringify(template)});
const d = await openPglite('memory://', await migratedTemplate());
const { rows } = await d.query('SELECT 40 + 2 AS answer');
console.log(rows[0].answer);`;
  writeFileSync(join(dir, 'idle.mjs'), script);
  const run = spawnSync(process.execPath, [join(dir, 'idle.mjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.signal, null, 'ended by itself, not by the timeout');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '42');
});
