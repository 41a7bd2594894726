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
// dropped, a transaction left open rolled back and the session's settings reset; a database that
// cannot be cleaned that way (its worker gone) is closed instead of lent again. Statements from the
// borrower after it gave the database back are refused, as a closed database's are, so that nothing
// of one file can reach the next file's schema.
import { randomBytes } from 'node:crypto';
import type { Db, Queryable, QueryResult } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite, type PgliteDb } from '../../src/db/pglite.ts';
import { migratedTemplate } from './pglite-template.ts';

/** Databases given back clean, waiting for the next borrower. */
const idle: PgliteDb[] = [];

export type LentPglite = Db & Pick<PgliteDb, 'pgliteStats'>;

/** A migrated schema of its own in a PGlite database of this process; `close()` gives it back. */
export async function borrowPglite(): Promise<LentPglite> {
  const db = idle.pop() ?? (await openPglite('memory://', await migratedTemplate()));
  const schema = `kasir_test_${randomBytes(6).toString('hex')}`;
  try {
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(`SET search_path TO ${schema}`);
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  let givenBack: Promise<void> | undefined;
  const refuse = () => Promise.reject(new Error('the PGlite database is closed (this test gave it back)'));
  return {
    kind: 'pglite',
    query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      return givenBack ? refuse() : db.query<R>(sql, params);
    },
    tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      return givenBack ? refuse() : db.tx(fn);
    },
    pgliteStats: () => db.pgliteStats(),
    close: () => (givenBack ??= giveBack(db, schema)),
  };
}

async function giveBack(db: PgliteDb, schema: string): Promise<void> {
  try {
    // A transaction the borrower began with a bare BEGIN and left open would hold the next
    // borrower's statements (only the adapter's own tx() can be trusted to end). Without one, this
    // is a warning, not an error.
    await db.query('ROLLBACK');
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    // search_path back to its default, with whatever else the borrower set for its session.
    await db.query('RESET ALL');
  } catch {
    await db.close(); // closed already when its worker is gone
    return;
  }
  idle.push(db);
}
