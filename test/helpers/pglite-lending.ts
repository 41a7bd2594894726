// A test file's database on PGlite: a schema of its own, migrated, in a PGlite database the test
// process keeps open and lends to one harness at a time. The same isolation as on PostgreSQL, where
// each file gets a schema of its own too (harness.ts).
//
// Why: opening a PGlite database costs about 0.8 s of CPU (a worker thread, PostgreSQL's start, the
// template's 26 MB unpacked into memory, tens of thousands of fresh pages), and most test files start
// Kasir. A schema with Kasir's migrations, dropped afterwards, costs about 0.15 s on a database
// already open. `npm test`'s worker processes run many files each, so a database is opened once per
// worker process (or twice, for a file that runs two Kasirs at once) instead of once per file.
//
// A lent database is its borrower's alone until given back: PGlite is one connection, and the
// search_path that names the borrower's schema is that connection's. Given back, the schema is
// dropped and the session cleared (CLEAR_SESSION: an open transaction, settings, role, cursors,
// temporary tables, locks, prepared statements). A database still busy with the borrower's
// statements, or that cannot be cleaned (its worker gone), is closed instead of lent again.
// Statements of the borrower after it gave the database back are refused, as a closed database's
// are, so that nothing of one file can reach the next file's schema. What the borrower made outside
// its schema (a table in public, a role) stays: no test makes such things.
import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite, type PgliteDb } from '../../src/db/pglite.ts';
import { migratedTemplate } from './pglite-template.ts';

/**
 * How many databases given back, clean, wait for the next borrowers. Files that hold two at once (two
 * Kasirs, a harness beside a test's own schema) come throughout a run: with one kept, each such file
 * opened a second database and closed one at its end, 14 opens in one worker process of one run.
 * Each waiting database holds about 200 MB (its wasm memory never shrinks).
 */
export const IDLE_DATABASES = 2;
/** The databases waiting, the one given back last at the end. */
const idle: PgliteDb[] = [];
/** Databases this module opened and has not closed: lent ones and the idle ones. */
let open = 0;

/** How many PGlite databases this process has open for lending (pglite-lending.test.ts). */
export const lendingDatabasesOpen = () => open;

async function openOne(): Promise<PgliteDb> {
  const db = await openPglite('memory://', await migratedTemplate());
  open++;
  return db;
}

async function closeOne(db: PgliteDb): Promise<void> {
  open--;
  await db.close();
}

export type LentPglite = Db & Pick<PgliteDb, 'pgliteStats'>;

/**
 * What a borrower may have left in its session besides its schema, cleared as DISCARD ALL would
 * clear it, less DEALLOCATE ALL: the statements the worker keeps prepared are its own (below).
 * ROLLBACK first, for a transaction begun with a bare BEGIN and left open or failed (without one it
 * is a warning); nothing else runs in a transaction block.
 */
const CLEAR_SESSION = [
  'ROLLBACK',
  'SET SESSION AUTHORIZATION DEFAULT',
  'RESET ALL',
  'CLOSE ALL',
  'UNLISTEN *',
  'SELECT pg_advisory_unlock_all()',
  'DISCARD TEMP',
  'DISCARD SEQUENCES',
];

const refuse = () => Promise.reject(new Error('the PGlite database is closed (this test gave it back)'));

/** A migrated schema of its own in a PGlite database of this process; `close()` gives it back. */
export async function borrowPglite(): Promise<LentPglite> {
  const db = idle.pop() ?? (await openOne());
  const schema = `kasir_test_${randomBytes(6).toString('hex')}`;
  let givenBack: Promise<void> | undefined;
  // Every statement names the borrower's schema in a comment. The worker keeps statements prepared
  // by their text (src/db/pglite-statements.ts), and a prepared statement keeps the parameter and
  // result types, and the plan choice, of the schema it was first prepared in: the next borrower's
  // same text, on tables of another shape, would fail where a database of its own would not.
  const tag = `/* ${schema} */ `;
  // The Queryable a transaction hands its callback too: kept past the give-back, it must not reach
  // the next borrower's schema.
  const guarded = (q: Queryable): Queryable => ({
    query: <R>(sql: string, params?: readonly unknown[]) => (givenBack ? refuse() : q.query<R>(tag + sql, params)),
  });
  const lent: LentPglite = {
    kind: 'pglite',
    ...guarded(db),
    tx: <T>(fn: (q: Queryable) => Promise<T>) => (givenBack ? refuse() : db.tx((q) => fn(guarded(q)))),
    pgliteStats: () => db.pgliteStats(),
    close: () => (givenBack ??= giveBack(db, schema)),
  };
  try {
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(`SET search_path TO ${schema}`);
    await migrate(lent);
  } catch (err) {
    await closeOne(db);
    throw err;
  }
  return lent;
}

async function giveBack(db: PgliteDb, schema: string): Promise<void> {
  // Still busy with the borrower's statements (a transaction whose callback never ends, a job's
  // query): closed, as the borrower's own database would have been. close() does not wait for them.
  if (db.pgliteStats().inFlight > 0) return closeOne(db);
  try {
    for (const sql of CLEAR_SESSION) await db.query(sql);
    // Statements the borrower prepared with SQL's PREPARE (the worker's own are not from SQL).
    const { rows } = await db.query<{ name: string }>('SELECT name FROM pg_prepared_statements WHERE from_sql');
    for (const { name } of rows) await db.query(`DEALLOCATE "${name.replaceAll('"', '""')}"`);
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
  } catch {
    return closeOne(db); // closed already when its worker is gone
  }
  if (idle.length >= IDLE_DATABASES) return closeOne(db); // enough wait already
  idle.push(db);
}
