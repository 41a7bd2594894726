import { createHash } from 'node:crypto';
import pg from 'pg';
import { toWireParams, type Db, type Queryable, type QueryResult } from './db.ts';
import { NamedQuery, runOn } from './pg-named-query.ts';

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

// docs/architecture.md: with an unnamed statement PostgreSQL parses, analyses and plans the text on every
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

/**
 * Runs `fn` on a connection of the pool's, held until it settles (a transaction). A connection lost
 * meanwhile emits 'error' on its client (the statement in flight fails with it too); a checked-out
 * client has no listener of the pool's, and an unheard 'error' would end the process, so one is held
 * here, and a lost connection is handed back as such (the pool drops it). A statement PostgreSQL
 * refused leaves its connection in step (ReadyForQuery follows the error): that one is reused.
 */
async function holding<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onLost = (err: Error) => {
    lost = err;
  };
  client.on('error', onLost);
  try {
    return await fn(client);
  } finally {
    client.removeListener('error', onLost);
    client.release(lost);
  }
}

/**
 * A named statement on any pooled connection, through node-pg's pool.query: it takes a connection,
 * listens for its loss, and gives it back (dropped after any error). With a custom query it still
 * returns a promise of the query's answer, whatever node-pg's types say. Taking the connection here
 * instead (pool.connect, one async function per statement) made V8 promote short-lived garbage
 * under load: the server's RSS peaked about 40 MB higher.
 */
const runPooled = <R>(pool: pg.Pool, query: NamedQuery<R>) =>
  pool.query(query as unknown as pg.Submittable) as unknown as Promise<QueryResult<R>>;

function wrap(client: pg.Pool | pg.PoolClient, prepare: boolean): Queryable {
  const run = client instanceof pg.Pool
    ? <R>(query: NamedQuery<R>) => runPooled(client, query)
    : <R>(query: NamedQuery<R>) => runOn(client, query);
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      // Statements without parameters (DDL in migrations, BEGIN/COMMIT) stay unnamed.
      const name = prepare && params && params.length > 0 ? statementName(sql) : undefined;
      if (name) return run(new NamedQuery<R>(name, sql, toWireParams(params)));
      const res = await client.query(sql, toWireParams(params));
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
  };
}

/** node-pg's pool counts (the metrics' kasir_db_pool_connections). */
export interface PoolStats {
  total: number;
  idle: number;
  /** Queries waiting for a connection: the pool is exhausted. */
  waiting: number;
}

export interface PostgresDb extends Db {
  poolStats(): PoolStats;
}

export function openPostgres(opts: PostgresOptions): PostgresDb {
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
    tx: (fn) => holding(pool, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(wrap(client, prepare));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }),
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

// Connection-phase failures, as the one line an operator needs. SQLSTATE classes 08 (connection
// exception), 28 (authorization), 3D000 (no such database), 57P03 (starting up); the rest are socket
// errors. Anything else is a bug or a query error and keeps its stack.
const SOCKET_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name could not be resolved',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
};

/** Where DATABASE_URL points, without user, password or query (which may carry `password=`). */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${db ? `, database "${db}"` : ''}`;
  } catch {
    return 'an address that is not a valid URL';
  }
}

/**
 * One line for a failure to reach or log in to PostgreSQL, naming DATABASE_URL but never its
 * password; null when `err` is not a connection problem.
 */
export function connectionProblem(err: unknown, url: string): string | null {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : '';
  let reason: string | undefined = SOCKET_PROBLEMS[code];
  if (!reason && /^(08|28)|^3D000$|^57P03$/.test(code)) reason = String(e.message);
  // node-pg reports a server that closes the socket during start-up (e.g. SSL demanded) without a code.
  if (!reason && /^Connection terminated|does not support SSL/.test(String(e.message))) reason = String(e.message);
  if (!reason) return null;
  return `cannot connect to PostgreSQL at ${describeDatabaseUrl(url)} (DATABASE_URL): ${reason.replace(/\s+/g, ' ')}`;
}
