// Several Kasir processes behind one imaginary load balancer: `node src/main.ts` children (the crash
// suite's test/chaos/kasir.ts) on one fresh PostgreSQL database, sharing only what an operator shares
// between nodes — the database URL, KASIR_ENCRYPTION_KEY and KASIR_ADMIN_TOKEN — each with its own
// port and state directory. Requests are signed here rather than by nativeClientFor, so one signer
// can address any node and a test can keep the exact bytes it sent (to replay them elsewhere).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../src/db/db.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { attempt, retryable, retryDelayMs, type Answer } from '../chaos/clients.ts';
import { createDatabase, startKasir, type KasirProcess } from '../chaos/kasir.ts';
import { readResponse, signNative, type NativeClient } from './harness.ts';

export interface Cluster {
  nodes: KasirProcess[];
  /** The test's own connection to the shared database, for reading what was stored. */
  db: Db;
  adminToken: string;
  /** Kills every node still running and drops the database. */
  stop(): Promise<void>;
}

export async function startCluster(size: number, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const database = await createDatabase();
  const adminToken = 'kat_nodes_' + randomBytes(18).toString('hex');
  const shared = { ...env, KASIR_ADMIN_TOKEN: adminToken, KASIR_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  // All at once: the migrations' advisory lock is what lets several nodes start on one database.
  const started = await Promise.allSettled(Array.from({ length: size }, () => startKasir(database.url, shared)));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const db = openPostgres({ url: database.url, max: 2 });
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db.close();
    await database.drop();
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  return { nodes, db, adminToken, stop };
}

/** Whose requests: a merchant's native credentials (any NativeClient is one). */
export type Signer = Pick<NativeClient, 'merchantId' | 'apiKey' | 'apiSecret'>;

/** A request exactly as it goes on the wire: sending it twice sends the same bytes twice. */
export interface SignedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

// One strictly increasing timestamp per request of this process, whichever node or merchant it is
// for: the replay guard refuses a reused (key, timestamp, signature), and two identical bodies (a
// cancel storm's) signed in the same millisecond would otherwise look like a replay.
let lastTimestamp = 0;
const freshTimestamp = () => String((lastTimestamp = Math.max(Date.now(), lastTimestamp + 1)));

export function signed(m: Signer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): SignedRequest {
  const raw = body === undefined ? '' : JSON.stringify(body);
  const timestamp = freshTimestamp();
  return {
    method,
    path,
    body: raw,
    headers: {
      'X-API-Key': m.apiKey,
      'X-Timestamp': timestamp,
      'X-Signature': signNative(m.apiSecret, timestamp, raw),
      ...(raw ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
  };
}

export function send(node: KasirProcess, r: SignedRequest): Promise<Answer> {
  return attempt(async () => readResponse(await fetch(node.baseUrl + r.path, { method: r.method, headers: r.headers, body: r.body || undefined })));
}

export interface Outcome {
  answer: Answer;
  attempts: number;
  /** Attempts that got no answer at all (the node was killed under them, or was down). */
  unanswered: number;
}

/**
 * Sends a request, signed afresh on every attempt, until it gets an answer that is not "ask again"
 * (native 409/503/429), as an SDK with retries would; `nodeFor(n)` picks the node of attempt n.
 * Gives up after `budgetMs` and returns the last answer.
 */
export async function sendUntilFinal(nodeFor: (attempt: number) => KasirProcess, build: () => SignedRequest, budgetMs: number): Promise<Outcome> {
  const deadline = Date.now() + budgetMs;
  const out: Outcome = { answer: { answered: false, error: 'not sent' }, attempts: 0, unanswered: 0 };
  for (;;) {
    out.answer = await send(nodeFor(out.attempts++), build());
    if (!out.answer.answered) out.unanswered++;
    if (!retryable('native', out.answer) || Date.now() >= deadline) return out;
    await sleep(retryDelayMs(out.answer));
  }
}

/** Polls `probe` until it returns something other than null; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== null) return got;
    if (Date.now() >= deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A count(*) from the shared database. */
export async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
}
