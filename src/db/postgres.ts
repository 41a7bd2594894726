import { createHash } from 'node:crypto';
import pg from 'pg';
import { toWireParams, type Db, type Queryable, type QueryResult } from './db.ts';

export interface PostgresOptions {
  url: string;
  /** Schema to work in (tests isolate themselves in one schema per file). */
  schema?: string;
  max?: number;
  /**
   * Named (prepared) statements for parameterised queries; default on. Turn off behind a pooler
   * that cannot keep per-connection prepared statements (PgBouncer in transaction mode before 1.21).
   */
  prepare?: boolean;
}

// DESIGN.md §9: with an unnamed statement PostgreSQL parses, analyses and plans the text on every
// call, which for the cancel's guarded-write CTE costs more than executing it. A name makes each
// connection parse it once (node-pg prepares a name the first time a connection sees it). Names
// are derived from the text, so one text has one name in every pool. Texts are built by code from
// a finite set of shapes, never from input; the cap only guards a connection's statement cache
// against a future generator that is not.
const MAX_NAMED = 500;
const names = new Map<string, string>();

function statementName(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED) {
    name = 'k_' + createHash('sha256').update(sql).digest('base64url').slice(0, 24);
    names.set(sql, name);
  }
  return name;
}

function wrap(client: pg.Pool | pg.PoolClient, prepare: boolean): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      // Statements without parameters (DDL in migrations, BEGIN/COMMIT) stay unnamed.
      const name = prepare && params && params.length > 0 ? statementName(sql) : undefined;
      const res = name ? await client.query({ name, text: sql, values: toWireParams(params) }) : await client.query(sql, toWireParams(params));
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
  };
}

export function openPostgres(opts: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const prepare = opts.prepare ?? true;
  const root = wrap(pool, prepare);
  return {
    kind: 'postgres',
    query: root.query,
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client, prepare));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
