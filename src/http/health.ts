// Liveness and readiness. GET /health: the process answers and the database answers a trivial query.
// GET /readyz: this process may take traffic — the database answers and every migration this code
// ships (migrations/) is recorded in schema_migrations, so no query meets a missing table or column
// (a rolling upgrade whose `kasir migrate` has not run yet, a restored old backup).
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// The files this code was shipped with: they do not change while it runs. Same selection as
// src/db/migrate.ts.
let shipped: Promise<string[]> | undefined;
const shippedMigrations = () => (shipped ??= readdir(MIGRATIONS_DIR).then((names) => names.filter((f) => /^\d+_.*\.sql$/.test(f)).sort()));

/** Why this process is not ready, or null when it is. */
export async function notReadyReason(db: Db): Promise<string | null> {
  let applied: Set<string>;
  try {
    // to_regclass: a database never migrated has no schema_migrations, which is "pending", not "down".
    const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    applied = rows[0]?.t ? new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name)) : new Set();
  } catch {
    return 'database unavailable';
  }
  let files: string[];
  try {
    files = await shippedMigrations();
  } catch {
    shipped = undefined;
    return 'migrations folder unreadable';
  }
  const pending = files.filter((f) => !applied.has(f));
  if (pending.length === 0) return null;
  const shown = pending.slice(0, 5).map((f) => f.replace(/\.sql$/, ''));
  return `migrations pending: ${shown.join(', ')}${pending.length > shown.length ? ` (+${pending.length - shown.length} more)` : ''}`;
}

export async function healthRoutes(app: FastifyInstance, o: { db: Db }): Promise<void> {
  app.get('/health', async (_req, reply) => {
    try {
      await o.db.query('SELECT 1');
      return reply.send({ status: 'ok' });
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  app.get('/readyz', async (_req, reply) => {
    const reason = await notReadyReason(o.db);
    return reason === null ? reply.send({ status: 'ready' }) : reply.code(503).send({ status: 'not_ready', reason });
  });
}
