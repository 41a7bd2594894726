// The one small database interface both adapters implement (docs/architecture.md): the core never sees
// whether it runs on PostgreSQL or on PGlite.

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Both drivers take text for int8 and jsonb; converting here keeps bigint money and JSON objects
 * from being serialised differently by the two drivers.
 */
export function toWireParams(params: readonly unknown[] = []): unknown[] {
  return params.map((p) => {
    if (typeof p === 'bigint') return p.toString();
    if (p !== null && typeof p === 'object' && !(p instanceof Date) && !Array.isArray(p) && !Buffer.isBuffer(p)) {
      return JSON.stringify(p);
    }
    return p;
  });
}
