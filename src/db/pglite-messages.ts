// What pglite.ts and pglite-worker.ts say to each other over the worker's message port.

export interface WorkerStart {
  /** A directory path, or `memory://`. */
  dir: string;
  /** A dumped data directory (tarball) to start from instead of running initdb. */
  template?: ArrayBuffer;
}

export type WorkerRequest =
  | { id: number; kind: 'query'; sql: string; params: unknown[] }
  | { id: number; kind: 'dump' }
  | { id: number; kind: 'close' };

/** Id 0 answers the start (the database is open, or `error` says why not). */
export interface WorkerReply {
  id: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  dump?: ArrayBuffer;
  error?: { message: string; fields: Record<string, string> };
}
