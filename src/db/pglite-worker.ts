// The PGlite database in a worker thread of its own (opened by pglite.ts). PGlite is PostgreSQL
// compiled to wasm: every statement runs synchronously on the thread that calls it, about a
// millisecond each. On Kasir's event loop that was a millisecond in which no request was read, no
// timer fired and no answer was written; here the event loop only passes messages.
//
// The protocol is one request at a time per message, answered in the order received: PGlite is one
// connection, so the worker runs statements strictly in arrival order, and the caller's side
// (pglite.ts) decides which statements belong to a transaction.
import { openAsBlob } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { errorFields, type ArrayType, type WorkerReply, type WorkerRequest, type WorkerStart } from './pglite-messages.ts';
import { createStatementRunner } from './pglite-statements.ts';

const start = workerData as WorkerStart;
const port = parentPort!;

// PGlite's shared_buffers is PostgreSQL's default, 128 MB, and every buffer it fills stays in the
// wasm memory, which never shrinks: under the bench's load it was most of Kasir's RSS (about 890 MB
// at most, against about 520 MB with 32 MB). The data files sit in the OS page cache anyway, so a
// page read again after eviction costs a read from memory, not from disk; the bench measured no
// difference in cancels per second between the two.
//
// initdb gets it too. It writes the value into postgresql.conf (so the file says what runs), and the
// bootstrap that builds the catalog keeps it in 32 MB of buffers instead of 128: Kasir's first start
// on an empty data directory peaked at about 565 MB instead of 610 (initdb runs a second PostgreSQL
// beside this one, and this instance's memory grew to hold the catalog too).
const SHARED_BUFFERS = '32MB';
const SHARED_BUFFERS_PARAM = ['-c', `shared_buffers=${SHARED_BUFFERS}`];

const opened = (async () =>
  PGlite.create(start.dir === 'memory://' ? undefined : start.dir, {
    // A Blob backed by the file: PGlite reads it once, where bytes handed over from the other
    // thread were copied three times on the way (each test file starts from a 26 MB template).
    loadDataDir: start.templateFile ? await openAsBlob(start.templateFile) : undefined,
    startParams: [...PGlite.defaultStartParams, ...SHARED_BUFFERS_PARAM],
    initDbStartParams: SHARED_BUFFERS_PARAM,
    pgliteWasmModule: start.wasmModule,
  }))();

// What PGlite itself reads at start to parse array columns (its _initArrayTypes).
const ARRAY_TYPES = `SELECT b.oid, b.typarray FROM pg_catalog.pg_type a
  LEFT JOIN pg_catalog.pg_type b ON b.oid = a.typelem
  WHERE a.typcategory = 'A' GROUP BY b.oid, b.typarray ORDER BY b.oid`;

const statements = opened.then(createStatementRunner);

async function run(lite: PGlite, req: WorkerRequest): Promise<Omit<WorkerReply, 'id'>> {
  switch (req.kind) {
    case 'query':
      return { raw: await (await statements)(req.sql, req.params) };
    case 'dump': {
      const blob = await lite.dumpDataDir('none');
      return { dump: await blob.arrayBuffer() };
    }
    case 'close':
      await lite.close();
      return {};
  }
}

// Strictly in order: each request starts when the one before it has finished.
let chain: Promise<unknown> = opened.then(
  async (lite) => port.postMessage({ id: 0, arrayTypes: (await lite.query<ArrayType>(ARRAY_TYPES)).rows } satisfies WorkerReply),
  (err) => port.postMessage({ id: 0, error: errorFields(err) } satisfies WorkerReply),
);

port.on('message', (req: WorkerRequest) => {
  chain = chain.then(async () => {
    let reply: WorkerReply;
    try {
      reply = { id: req.id, ...(await run(await opened, req)) };
    } catch (err) {
      reply = { id: req.id, error: errorFields(err) };
    }
    // Moved, not copied: the answer's bytes change hands.
    port.postMessage(reply, reply.dump ? [reply.dump] : reply.raw ? [reply.raw.buffer as ArrayBuffer] : []);
    if (req.kind === 'close') port.close();
  });
});
