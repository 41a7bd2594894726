import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { toWireParams, type Db, type Queryable, type QueryResult } from './db.ts';
import type { WorkerReply, WorkerRequest, WorkerStart } from './pglite-messages.ts';
import { decodeResult, parsersFor, PgliteError } from './pglite-results.ts';

/**
 * `dir` is a directory path, or `memory://` for a throw-away in-memory database. `templateFile`
 * holds a data directory dumped by `dump()`, to start from instead of running initdb (about 0.5 s
 * instead of 4 s: the tests start one database per file).
 *
 * The database runs in a worker thread (pglite-worker.ts): its statements cost the event loop a
 * message each way instead of the statement's whole run.
 */
export interface PgliteDb extends Db {
  /** The whole data directory as a tarball, to start other databases from (see `templateFile`). */
  dump(): Promise<Blob>;
  pgliteStats(): PgliteStats;
}

/** PGlite is one connection: what is started and not finished shows how much queues behind it. */
export interface PgliteStats {
  inFlight: number;
}

/** A request before `send` numbers it (Omit distributed over the union's members). */
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * PostgreSQL's wasm, compiled once per process and handed to every PGlite worker it starts. A
 * compiled module is shared between the threads of a process, with the code V8 has compiled for it
 * so far (lazily, function by function): a process that opens several databases (each test file
 * opens one) neither decodes the 9 MB again nor recompiles the functions the first one already ran.
 * Measured: an open after the first took 0.70–0.90 s of CPU instead of 1.03–1.09 s.
 *
 * Unless the process asks otherwise (below), it runs on V8's baseline compiler only (Liftoff). When
 * a function gets hot, V8's optimizing compiler recompiles it, and for one of PostgreSQL's largest
 * functions (105 kB of wasm) that compile takes about 600 MB of memory for a second: the process went
 * from about 300 to 800 MB, at start and again under load. The baseline tier costs PGlite's cancels
 * some of their rate (bench/README.md). V8's flags are the process's and are read when a module is
 * compiled, so these are set before the first compile (`--liftoff-only` set at run time is not
 * enough: its implications are applied only on the command line). They hold for every wasm module
 * compiled after them: PGlite's initdb, and the HTTP parser of Node's fetch (webhooks, connectors).
 */
let compiled: Promise<WebAssembly.Module> | undefined;
let optimizingTier = false;
function pgliteModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wasm = await readFile(new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite')));
    if (!optimizingTier) setFlagsFromString('--no-wasm-tier-up --no-wasm-dynamic-tiering');
    return WebAssembly.compile(wasm);
  })();
  return compiled;
}

/**
 * Lets V8's optimizing compiler take PostgreSQL's hot functions in this process, for a process that
 * opens many databases one after another (`npm test`'s worker processes: one per test file). The
 * code it compiles belongs to the shared module, so its cost (CPU, and the 600 MB for a second) is
 * paid once per process while every later database runs the faster code: the PGlite run of `npm
 * test` took 146 s against 174–177 s on the baseline tier (test/README.md). A server opens one
 * database and keeps the baseline tier. Only before the first database of the process opens: the
 * flags are read when the module is compiled.
 */
export function useOptimizingTierForPglite(): void {
  if (compiled) throw new Error('PGlite\'s wasm is already compiled: choose its tier before the first database opens');
  optimizingTier = true;
}

/** The worker and its replies, matched to requests by id. */
function connect(start: WorkerStart) {
  const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), { workerData: start });
  const waiting = new Map<number, { resolve(r: WorkerReply): void; reject(e: Error): void }>();
  let nextId = 1;
  // The worker keeps the process alive only while an answer is awaited: an idle database must not
  // hold a finished CLI command or test open, and a query awaited with nothing else scheduled must
  // not let the process exit under it.
  const track = (id: number, entry: { resolve(r: WorkerReply): void; reject(e: Error): void }) => {
    if (waiting.size === 0) worker.ref();
    waiting.set(id, entry);
  };
  const settle = (id: number) => {
    const entry = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0) worker.unref();
    return entry;
  };
  // Once the worker is gone (closed, or died: out of memory, a crash in the wasm), its port drops
  // every message: a statement sent then would wait forever, and with it the request that sent it.
  let gone: Error | undefined;
  const failAll = (err: Error) => {
    gone ??= err;
    for (const id of [...waiting.keys()]) settle(id)?.reject(err);
  };
  worker.on('message', (reply: WorkerReply) => {
    const entry = settle(reply.id);
    if (!entry) return;
    if (reply.error) entry.reject(new PgliteError(reply.error.message, reply.error.fields));
    else entry.resolve(reply);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the PGlite database is closed (its worker exited with code ${code})`)));
  const opened = new Promise<WorkerReply>((resolve, reject) => track(0, { resolve, reject }));
  const send = (req: Request): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      track(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    });
  return { opened, send, terminate: () => worker.terminate(), isGone: () => gone !== undefined };
}

export async function openPglite(dir: string, templateFile?: string): Promise<PgliteDb> {
  const conn = connect({ dir, templateFile, wasmModule: await pgliteModule() });
  let started: WorkerReply;
  try {
    started = await conn.opened;
  } catch (err) {
    await conn.terminate();
    throw err;
  }
  const parsers = parsersFor(started.arrayTypes ?? []);
  const run = async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> =>
    decodeResult<R>((await conn.send({ kind: 'query', sql, params: toWireParams(params) })).raw!, parsers);
  const gate = transactionGate();
  // Counted at the top level only: a transaction's own statements are part of it.
  let inFlight = 0;
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  };
  const inTx: Queryable = { query: run };
  return {
    kind: 'pglite',
    // Sent in the same tick when the gate is free: a transaction opened right after must not find
    // this statement arriving after its BEGIN.
    query: (sql, params) => counted(() => {
      const wait = gate.statement();
      return wait ? wait.then(() => run(sql, params)) : run(sql, params);
    }),
    // PGlite is one connection: while a transaction is open nothing else may reach it, which
    // serialises writers the way row locks would on PostgreSQL.
    tx: (fn) => counted(async () => {
      const wait = gate.enter();
      if (wait) await wait;
      try {
        await run('BEGIN');
        try {
          const result = await fn(inTx);
          await run('COMMIT');
          return result;
        } catch (err) {
          await run('ROLLBACK').catch(() => {});
          throw err;
        }
      } finally {
        gate.leave();
      }
    }),
    async close() {
      if (conn.isGone()) return; // closed already, or died: nothing left to close
      try {
        await conn.send({ kind: 'close' });
      } finally {
        await conn.terminate();
      }
    },
    dump: async () => new Blob([(await conn.send({ kind: 'dump' })).dump!]),
    pgliteStats: () => ({ inFlight }),
  };
}

/**
 * Who may send statements to the one connection. Outside a transaction statements go straight
 * through (the worker runs them in order); while one is open, everyone else waits, in arrival order.
 */
function transactionGate() {
  let open = false;
  const queue: { tx: boolean; go(): void }[] = [];
  return {
    /** Resolves when a statement outside any transaction may be sent. */
    statement(): Promise<void> | void {
      if (!open && queue.length === 0) return;
      return new Promise((go) => queue.push({ tx: false, go }));
    },
    enter(): Promise<void> | void {
      if (!open && queue.length === 0) {
        open = true;
        return;
      }
      return new Promise((go) => queue.push({ tx: true, go }));
    },
    leave() {
      open = false;
      // Waiting statements go in order until the next transaction, which takes the connection.
      while (queue.length) {
        const next = queue.shift()!;
        if (next.tx) open = true;
        next.go();
        if (next.tx) return;
      }
    },
  };
}
