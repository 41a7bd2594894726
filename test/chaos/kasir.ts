// Kasir as the operator runs it — `node src/main.ts` in a child process on a PostgreSQL database of
// its own — so that SIGKILL really kills it: open transactions roll back, responses are lost,
// in-process timers and caches vanish, and only what was committed survives the restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { COMPILE_CACHE_ENV } from '../helpers/child-start.ts';
import { adminQuery } from '../helpers/pg-admin.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ChaosDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database on the server of DATABASE_URL (or the local one), dropped by `drop()`. */
export async function createDatabase(): Promise<ChaosDatabase> {
  const admin = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `kasir_chaos_${randomBytes(5).toString('hex')}`;
  await adminQuery(admin.href, `CREATE DATABASE ${name}`);
  const url = new URL(admin.href);
  url.pathname = `/${name}`;
  // FORCE: a killed Kasir may leave backends behind for a moment; they must not keep the database.
  return { url: url.href, name, drop: () => adminQuery(admin.href, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}


/** A loopback port nobody listens on right now (the child listens on it, across restarts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

export interface KasirProcess {
  baseUrl: string;
  adminToken: string;
  /**
   * Resolves once Kasir answers /health; replaced (before the signal is sent) by a pending promise
   * when a kill starts, so a request that failed because of the kill waits for the restart.
   */
  ready(): Promise<void>;
  /** SIGKILL, wait for the exit, start again with the same database and environment. */
  killAndRestart(): Promise<void>;
  /** Times Kasir exited without being told to (each is restarted, and reported as a failure). */
  unexpectedExits: string[];
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

/**
 * Starts Kasir (on PostgreSQL, or on PGlite when `databaseUrl` is null); the environment is the same on every (re)start, the encryption key included.
 * `overrides` win over the defaults below (several nodes share one key and admin token).
 */
export async function startKasir(databaseUrl: string | null, overrides: NodeJS.ProcessEnv = {}): Promise<KasirProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kasir-chaos-'));
  const logPath = join(stateDir, 'kasir.log');
  const port = await freePort(); // kept across restarts: clients keep their base URL, as in production
  const adminToken = overrides.KASIR_ADMIN_TOKEN ?? 'kat_chaos_' + randomBytes(18).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...COMPILE_CACHE_ENV, // restarts (and every test's first start) skip compiling the app again
    DATABASE_URL: databaseUrl ?? undefined,
    PORT: String(port),
    HOST: '127.0.0.1',
    KASIR_STATE_DIR: stateDir,
    KASIR_ADMIN_TOKEN: adminToken,
    KASIR_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    KASIR_DEMO_MERCHANT: 'false',
    KASIR_LOG_LEVEL: 'warn',
    KASIR_ALLOW_PRIVATE_TARGETS: 'true',
    KASIR_SANDBOX_LATENCY_MS: '30', // every processor call takes a while: kills land inside them
    KASIR_RECONCILE_EVERY_MS: '500',
    // Short leases, so work a killed process left claimed is taken over within the retry budget.
    // Settings a Kasir does not know are ignored (config reads only its own names).
    KASIR_PROCESSOR_LEASE_MS: '2000',
    KASIR_CONNECTOR_TIMEOUT_MS: '500',
    KASIR_IDEMPOTENCY_LEASE_MS: '3000',
    ...overrides,
  };
  // null: the embedded database (PGlite) in the directory the caller names with KASIR_DATA_DIR.
  if (databaseUrl === null) delete env.DATABASE_URL;
  const baseUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let expectedExit = false;
  let stopping = false;
  let ready: Promise<void> = Promise.resolve();
  const unexpectedExits: string[] = [];
  // Last resort: whatever happens to this script, the child does not outlive it.
  const reap = () => child?.kill('SIGKILL');
  process.on('exit', reap);

  const launch = (): Promise<void> => {
    const log = openSync(logPath, 'a');
    const proc = spawn(process.execPath, ['src/main.ts'], { cwd: REPO, env, stdio: ['ignore', log, log] });
    closeSync(log); // the child holds its own descriptor
    child = proc;
    expectedExit = false;
    proc.once('exit', (code, signal) => {
      if (child === proc) child = null;
      // SIGINT/SIGTERM reach the child with the whole process group (Ctrl-C, `timeout`; Kasir then
      // exits 0 after closing): the suite is being stopped and cleans up, a restart would race it.
      if (expectedExit || stopping || code === 0 || signal === 'SIGINT' || signal === 'SIGTERM') return;
      // Not ours: a crash is a finding. Restart so the run (and its retries) can go on.
      unexpectedExits.push(`exit code ${code} signal ${signal}; log: ${tail(4).replace(/\n/g, ' | ')}`);
      ready = launch();
      ready.catch(() => {}); // reported to whoever awaits ready()
    });
    return waitHealthy(baseUrl, proc, () => tail(20));
  };
  const tail = (lines = 20) => {
    try {
      return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const killNow = async () => {
    const proc = child;
    if (!proc) return;
    expectedExit = true;
    const exited = new Promise((ok) => proc.once('exit', ok));
    proc.kill('SIGKILL');
    await exited;
  };

  ready = launch();
  await ready;
  return {
    baseUrl,
    adminToken,
    ready: () => ready,
    unexpectedExits,
    async killAndRestart() {
      let restarted!: () => void;
      let failed!: (err: unknown) => void;
      ready = new Promise<void>((ok, fail) => ((restarted = ok), (failed = fail)));
      ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
      await killNow();
      await launch().then(restarted, failed);
      await ready;
    },
    async stop() {
      stopping = true;
      const proc = child;
      if (proc) {
        const exited = new Promise((ok) => proc.once('exit', ok));
        proc.kill('SIGTERM');
        // Unref'd: once the child is gone this timer must not hold the test process open for 5 s.
        await Promise.race([exited, sleep(5_000, undefined, { ref: false })]);
        await killNow();
      }
      process.off('exit', reap);
      rmSync(stateDir, { recursive: true, force: true });
    },
    logTail: tail,
  };
}

async function waitHealthy(baseUrl: string, proc: ChildProcess, tail: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`Kasir exited during start (code ${proc.exitCode}, signal ${proc.signalCode}):\n${tail()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`Kasir did not answer /health within ${START_TIMEOUT_MS} ms:\n${tail()}`);
}
