import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db, Queryable } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
// Any constant: several Kasir processes starting on one PostgreSQL database migrate one at a time.
const LOCK_ID = 4_827_301;

/** A migration problem the operator fixes (one line, no stack): what is wrong and what to run. */
export class MigrationError extends Error {}

/** Applies forward-only numbered SQL files not yet recorded in schema_migrations. */
export async function migrate(db: Db): Promise<string[]> {
  const files = await migrationFiles();
  // Read-only first: a database already migrated (by `kasir migrate` with an owner's role) is used
  // as is, so the server may run as a role that cannot create tables.
  if ((await pendingIn(db, files)).length === 0) return [];
  try {
    return await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
      await q.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const applied: string[] = [];
      for (const file of await pendingIn(q, files)) {
        const sql = await readFile(MIGRATIONS_DIR + file, 'utf8');
        for (const statement of splitStatements(sql)) await q.query(statement);
        await q.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        applied.push(file);
      }
      return applied;
    });
  } catch (err) {
    // 42501 insufficient_privilege: the configured role may use the schema but not change it.
    if ((err as { code?: string }).code === '42501') {
      const pending = await pendingIn(db, files).catch(() => files);
      throw new MigrationError(
        `${pending.length} database migration(s) are not applied (${pending[0]}…) and this role may not apply them ` +
          `(${(err as Error).message}): run \`kasir migrate\` with the database owner's DATABASE_URL, then start again`,
      );
    }
    throw err;
  }
}

async function migrationFiles(): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(MIGRATIONS_DIR);
  } catch (err) {
    // A container image or a package built without the migrations/ folder.
    if ((err as { code?: string }).code === 'ENOENT') throw new MigrationError(`the migrations folder ${MIGRATIONS_DIR} is missing: install Kasir with its migrations/ directory`);
    throw err;
  }
  const files = names.filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
  if (files.length === 0) throw new MigrationError(`the migrations folder ${MIGRATIONS_DIR} holds no migrations: install Kasir with its migrations/ directory`);
  return files;
}

/** The migration files not yet recorded in the database, in order. */
async function pendingIn(q: Queryable, files: string[]): Promise<string[]> {
  // to_regclass instead of querying a missing table: an error would abort an enclosing transaction.
  const { rows } = await q.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (rows[0].t === null) return files;
  const done = new Set((await q.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  return files.filter((f) => !done.has(f));
}

/** Migrations are plain statements separated by `;` at line ends (no functions with bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
