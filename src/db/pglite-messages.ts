// What pglite.ts and pglite-worker.ts say to each other over the worker's message port.

export interface WorkerStart {
  /** A directory path, or `memory://`. */
  dir: string;
  /** A file holding a dumped data directory (tarball) to start from instead of running initdb. */
  templateFile?: string;
  /** PostgreSQL's wasm, compiled by the opening thread (pglite.ts pgliteModule). */
  wasmModule: WebAssembly.Module;
}

export type WorkerRequest =
  | { id: number; kind: 'query'; sql: string; params: unknown[] }
  | { id: number; kind: 'dump' }
  | { id: number; kind: 'close' };

/** Each array type and its element type: the caller builds the same result parsers PGlite has. */
export interface ArrayType {
  oid: number;
  typarray: number;
}

/** Id 0 answers the start (the database is open, or `error` says why not). */
export interface WorkerReply {
  id: number;
  /** A statement's backend messages as PostgreSQL sent them; parsed by the caller (pglite-results.ts). */
  raw?: Uint8Array;
  arrayTypes?: ArrayType[];
  dump?: ArrayBuffer;
  error?: { message: string; fields: Record<string, string> };
}

/** The fields of a database error callers may read (`code` is the SQLSTATE). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'position', 'where'] as const;

export function errorFields(err: unknown): NonNullable<WorkerReply['error']> {
  const e = err as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const k of ERROR_FIELDS) if (typeof e?.[k] === 'string') fields[k] = e[k] as string;
  return { message: err instanceof Error ? err.message : String(err), fields };
}
