// Kasir's memory as users run it: `npm start`'s `node src/main.ts` in a process of its own (the
// issue's target: ≤ 200 MB RSS under the benchmark's load). The other rows run Kasir inside the
// bench's own process, whose RSS also holds the load generator, the bench's bookkeeping and, for
// PostgreSQL, whatever the PGlite part left behind; here nothing but Kasir is in the process that is
// measured.
//
// The database is prepared first by the bench through the core (a merchant and the payments to
// cancel; PGlite is one connection, so it is closed before the server opens it), then the server
// starts on it with its jobs running, and the same native cancel load as the other rows is sent to
// it. The kernel's own figures for that process are read from /proc: VmRSS every 100 ms during the
// load, VmHWM (the highest RSS the process ever had, start included) at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/core/clock.ts';
import { createMerchant } from '../src/core/merchants/merchants.ts';
import { createDeps, openDatabase } from '../src/runtime.ts';
import { CANCEL_BODY, makePayments, type Scenario } from './kasir.ts';
import { httpLoad, type Measurement } from './load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MB = 1024;

export interface ProcessMemory {
  database: string;
  /** RSS once the server has started (its banner printed), before any request (MB). */
  idleMb: number;
  /** Highest VmRSS sampled every 100 ms during the load (MB). */
  underLoadMaxMb: number;
  /** VmHWM at the end: the highest RSS of the process's life, start-up included (MB). */
  peakMb: number;
  samples: number;
  runs: { scenario: Scenario; reqPerSec: number; p99Ms: number; ok: number; failed: number }[];
  failures: string[];
}

export interface ProcessMemoryJob {
  database: 'pglite' | 'postgres';
  /** For postgres: the server's URL; a database of its own is created in it and dropped. */
  pgUrl?: string;
  /** Runs one statement on `url` on a connection of its own (CREATE / DROP DATABASE). */
  admin?: (url: string, sql: string) => Promise<void>;
  n: number;
  concurrency: number;
  warmup: number;
  maxSeconds: number;
}

/**
 * `npm start`'s command (package.json: `[NAME=value …] exec node <flags> src/main.ts`): its
 * environment settings and Node's flags, so the server measured here starts exactly as a user's
 * does, and a flag changed there is measured here. A relative path (a value with a slash) in a
 * setting is the checkout's (npm runs scripts there; this server runs in a folder of its own).
 */
function startCommand(): { env: Record<string, string>; flags: string[] } {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const m = /^((?:[A-Z_]+=\S+\s+)*)exec node((?:\s+--\S+)*)\s+src\/main\.ts$/.exec(script);
  if (!m) throw new Error(`package.json's start script is not "[NAME=value …] exec node [flags] src/main.ts": ${script}`);
  const env = Object.fromEntries(m[1].trim().split(/\s+/).filter(Boolean).map((a) => {
    const [name, value] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    // A number or a word (MALLOC_ARENA_MAX=2) is kept as it is: made a path, it would be ignored.
    return [name, value.includes('/') && !value.startsWith('/') ? join(ROOT, value) : value];
  }));
  return { env, flags: m[2].trim().split(/\s+/).filter(Boolean) };
}

/** /proc/<pid>/status figures, in MB. */
function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / MB, hwm: kb('VmHWM') / MB };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Resolves once the server printed its banner; rejects when it exits first. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (out.includes('Kasir listening on')) resolve();
    });
    child.stderr!.on('data', (c: Buffer) => (err += c));
    child.once('exit', (code) => reject(new Error(`kasir exited with ${code} before listening: ${err.trim().slice(-500)}`)));
  });
}

export async function benchProcessMemory(job: ProcessMemoryJob): Promise<ProcessMemory> {
  const tmp = mkdtempSync(join(tmpdir(), 'kasir-bench-process-'));
  const dbName = `kasir_bench_mem_${randomBytes(4).toString('hex')}`;
  const pgUrl = job.pgUrl ? Object.assign(new URL(job.pgUrl), { pathname: `/${dbName}` }).toString() : '';
  const dataDir = join(tmp, 'data');
  const encryptionKey = randomBytes(32);
  const adminToken = 'kat_bench_' + randomBytes(16).toString('hex');
  let child: ChildProcess | undefined;
  try {
    if (job.database === 'postgres') await job.admin!(job.pgUrl!, `CREATE DATABASE ${dbName}`);
    // The merchant and the payments, made through the core in this process, then the database closed.
    const db = await openDatabase(job.database === 'postgres' ? { databaseUrl: pgUrl, dataDir: '' } : { dataDir });
    const scenarios: Scenario[] = ['requires_confirmation', 'requires_capture'];
    const ids: Record<string, string[]> = {};
    let apiKey: string, apiSecret: string;
    try {
      const deps = createDeps({ db, clock: systemClock, encryptionKey, adminToken, publicUrl: 'http://127.0.0.1:0', logLevel: 'silent' });
      const { merchant, native } = await createMerchant(deps.merchants, 'Bench merchant');
      ({ apiKey, apiSecret } = native);
      const k = { deps, ctx: { merchant: { id: merchant.id, mode: merchant.mode, contract: merchant.contract }, dialect: 'native' as const, requestId: 'bench-setup' } };
      for (const s of scenarios) ids[s] = await makePayments(k, s, job.warmup + job.n);
      await db.query('ANALYZE'); // as the other rows do (and autovacuum would): plans from real statistics
    } finally {
      await db.close();
    }

    const port = await freePort();
    const start = startCommand();
    child = spawn(process.execPath, [...start.flags, join(ROOT, 'src/main.ts')], {
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        ...start.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        ...(job.database === 'postgres' ? { DATABASE_URL: pgUrl } : { KASIR_DATA_DIR: dataDir }),
        KASIR_STATE_DIR: join(tmp, 'state'),
        KASIR_ENCRYPTION_KEY: encryptionKey.toString('base64'),
        KASIR_ADMIN_TOKEN: adminToken,
        KASIR_LOG_LEVEL: 'warn',
        KASIR_DEMO_MERCHANT: 'false',
      },
    });
    await started(child);
    const pid = child.pid!;
    const origin = `http://127.0.0.1:${port}`;
    let stamp = Date.now();
    const load = (paths: string[]): Promise<Measurement> => {
      const tsStart = Math.max(stamp, Date.now());
      stamp = tsStart + paths.length; // each request its own X-Timestamp: no replay refusals
      return httpLoad({ origin, paths, body: CANCEL_BODY, apiKey, apiSecret, concurrency: job.concurrency, tsStart, deadline: Date.now() + job.maxSeconds * 1000 });
    };
    const cancels = (list: string[]) => list.map((id) => `/api/v1/payments/${id}/cancel`);

    const idleMb = status(pid).rss;
    let underLoadMaxMb = 0;
    let samples = 0;
    const timer = setInterval(() => {
      underLoadMaxMb = Math.max(underLoadMaxMb, status(pid).rss);
      samples++;
    }, 100);
    const runs: ProcessMemory['runs'] = [];
    const failures: string[] = [];
    try {
      for (const s of scenarios) {
        await load(cancels(ids[s].slice(0, job.warmup)));
        const m = await load(cancels(ids[s].slice(job.warmup)));
        runs.push({ scenario: s, reqPerSec: m.reqPerSec, p99Ms: m.p99Ms, ok: m.ok, failed: m.failed });
        if (m.failed || m.timedOut) failures.push(`${s}: ${m.failed} failed${m.timedOut ? ', timed out' : ''}: ${m.failures?.join('; ') ?? ''}`);
      }
    } finally {
      clearInterval(timer);
    }
    underLoadMaxMb = Math.max(underLoadMaxMb, status(pid).rss);
    return { database: job.database, idleMb, underLoadMaxMb, peakMb: status(pid).hwm, samples, runs, failures };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(tmp, { recursive: true, force: true });
    if (job.database === 'postgres') await job.admin!(job.pgUrl!, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  }
}

export function printProcessMemory(m: ProcessMemory): void {
  const mb = (v: number) => `${v.toFixed(0)} MB`;
  const runs = m.runs.map((r) => `${r.scenario} ${r.reqPerSec.toFixed(0)} req/s p99 ${r.p99Ms.toFixed(1)} ms`).join(', ');
  console.log(
    `  Kasir in a process of its own (node src/main.ts, ${m.database}): RSS ${mb(m.idleMb)} idle, ${mb(m.underLoadMaxMb)} at most under load ` +
      `(${m.samples} samples), VmHWM ${mb(m.peakMb)} (start included); target ≤ 200 MB; ${runs}` +
      (m.failures.length ? `; FAILED: ${m.failures.join(' | ')}` : ''),
  );
}
