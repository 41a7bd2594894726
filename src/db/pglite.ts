import { PGlite } from '@electric-sql/pglite';
import { toWireParams, type Db, type Queryable, type QueryResult } from './db.ts';

/**
 * `dir` is a directory path, or `memory://` for a throw-away in-memory database. `template` is a
 * data directory dumped by `dumpPglite` to start from instead of running initdb (about 0.5 s instead
 * of 4 s: the tests start one database per file).
 */
export interface PgliteDb extends Db {
  /** The whole data directory as a tarball, to start other databases from (see `template`). */
  dump(): Promise<Blob>;
  pgliteStats(): PgliteStats;
}

/** PGlite is one connection: what is started and not finished shows how much queues behind it. */
export interface PgliteStats {
  inFlight: number;
}

export async function openPglite(dir: string, template?: Blob): Promise<PgliteDb> {
  const lite = await PGlite.create(dir === 'memory://' ? undefined : dir, template ? { loadDataDir: template } : {});
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await q.query<R>(sql, toWireParams(params) as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  });
  const root = wrap(lite);
  // Counted at the top level only: a transaction's own statements are part of it.
  let inFlight = 0;
  const counted = async <T>(run: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await run();
    } finally {
      inFlight--;
    }
  };
  return {
    kind: 'pglite',
    query: (sql, params) => counted(() => root.query(sql, params)),
    // PGlite is one connection: its transaction() holds it exclusively, which serialises writers
    // the way row locks would on PostgreSQL.
    tx: (fn) => counted(() => lite.transaction((t) => fn(wrap(t)))),
    close: () => lite.close(),
    dump: () => lite.dumpDataDir('none'),
    pgliteStats: () => ({ inFlight }),
  };
}
