import { PGlite } from '@electric-sql/pglite';
import { toWireParams, type Db, type Queryable, type QueryResult } from './db.ts';

/** `dir` is a directory path, or `memory://` for a throw-away in-memory database. */
export async function openPglite(dir: string): Promise<Db> {
  const lite = await PGlite.create(dir === 'memory://' ? undefined : dir);
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await q.query<R>(sql, toWireParams(params) as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  });
  const root = wrap(lite);
  return {
    kind: 'pglite',
    query: root.query,
    // PGlite is one connection: its transaction() holds it exclusively, which serialises writers
    // the way row locks would on PostgreSQL.
    tx: (fn) => lite.transaction((t) => fn(wrap(t))),
    close: () => lite.close(),
  };
}
