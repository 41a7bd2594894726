// `npm run bench`: native cancels/s and p50/p99 on PGlite and PostgreSQL, with the ceilings measured
// in the same run (docs/architecture.md): the cancel's own SQL (pgbench; in-process through Kasir's Db) and a
// no-op route behind the same authentication. Loopback only, bounded in count and time, never part
// of `npm test`. Knobs: see bench/README.md.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Db } from '../src/db/db.ts';
import { openDatabase } from '../src/runtime.ts';
import { clonePayments, inProcessCeiling } from './ceilings.ts';
import { captureCancelSql, leftOutLines, sqlLines, type Capture, type Statement } from './capture.ts';
import { CANCEL_BODY, makePayments, NOOP_LIMITED_PATH, NOOP_PATH, startKasir, withMemoryReplayGuard, type Kasir, type Scenario } from './kasir.ts';
import { httpLoad, type Measurement } from './load.ts';
import { PGBENCH, pgbenchScript, prepareChainStarts, runPgbench, writeScript } from './pgbench.ts';
import { profiled } from './profile.ts';
import { benchDialects, dialectsFailed, type SqlCeiling } from './dialects.ts';
import { takePeak } from './memory.ts';
import { printTable, type DatabaseResult, type PgbenchCeiling, type ScenarioResult } from './report.ts';
import { benchScale, printScale, scaleFailed, SCALE_ROWS, SCALE_ROWS_PGLITE } from './scale.ts';
import { benchProcessMemory, printProcessMemory } from './process-memory.ts';
import { targetRows } from './targets.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const env = process.env;
const int = (name: string, fallback: number) => (env[name] ? Math.max(1, Number.parseInt(env[name]!, 10)) : fallback);
const CONCURRENCY = int('BENCH_CONCURRENCY', 16);
const WARMUP = int('BENCH_WARMUP', 200);
const MAX_SECONDS = int('BENCH_MAX_SECONDS', 60);
const PGBENCH_SECONDS = int('BENCH_PGBENCH_SECONDS', 10);
const TOTAL_SECONDS = int('BENCH_TOTAL_SECONDS', 900);
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DATABASES = (env.BENCH_DATABASES ?? 'pglite,postgres').split(',').map((s) => s.trim());
const SCENARIOS: Scenario[] = ['requires_confirmation', 'requires_capture'];
const PROFILE = env.BENCH_PROFILE === '1';

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => console.error('cleanup:', err.message));
}
// Stops by itself: a hard cap on the whole run, and Ctrl-C still drops the PostgreSQL schema.
setTimeout(async () => {
  console.error(`bench: exceeded BENCH_TOTAL_SECONDS=${TOTAL_SECONDS}; stopping`);
  await cleanup();
  process.exit(1);
}, TOTAL_SECONDS * 1000).unref();
process.once('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

function http(k: Kasir, paths: string[]): Promise<Measurement> {
  return httpLoad({
    origin: k.origin,
    paths,
    body: CANCEL_BODY,
    apiKey: k.apiKey,
    apiSecret: k.apiSecret,
    concurrency: CONCURRENCY,
    tsStart: k.stamps(paths.length),
    deadline: Date.now() + MAX_SECONDS * 1000,
  });
}

const cancelPaths = (ids: string[]) => ids.map((id) => `/api/v1/payments/${id}/cancel`);

async function countCanceled(db: Db, where: string, param: unknown): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM payments WHERE status = 'canceled' AND ${where}`, [param]);
  return Number(rows[0].n);
}

async function benchScenario(k: Kasir, scenario: Scenario, n: number, pgSchema: string | null): Promise<ScenarioResult> {
  const profileAs = PROFILE ? `${pgSchema ? 'postgres' : 'pglite'}-${scenario}` : null;
  const ids = await makePayments(k, scenario, WARMUP + 2 * n + 2);
  await k.db.query('ANALYZE payments');
  await http(k, cancelPaths(ids.slice(0, WARMUP))); // warm-up: JIT, pools, credential cache
  const probe = await captureCancelSql(k, ids[WARMUP]);
  const template = ids[WARMUP + 1]; // same state, never canceled: the ceilings clone it
  const measured = ids.slice(WARMUP + 2, WARMUP + 2 + n);
  // The same cancel with the replay guard in process memory (as before it was shared): its cost.
  const unshared = ids.slice(WARMUP + 2 + n);
  const memoryGuard = await withMemoryReplayGuard(() => http(k, cancelPaths(unshared)));
  const cancel = await profiled(profileAs, () => http(k, cancelPaths(measured)));
  for (const [m, paid] of [[cancel, measured], [memoryGuard, unshared]] as const) {
    const canceled = await countCanceled(k.db, 'id = ANY($1)', paid);
    if (canceled !== m.ok) m.failures = [...(m.failures ?? []), `${m.ok} answered 200 but ${canceled} are canceled`];
  }

  const clones = await clonePayments(k.db, template, WARMUP + n, CONCURRENCY, `bench_${scenario}_inproc`, true);
  await k.db.query('ANALYZE payments');
  const deadline = () => Date.now() + MAX_SECONDS * 1000;
  await inProcessCeiling(k.db, probe, clones.slice(0, WARMUP), CONCURRENCY, deadline());
  const inProcess = await inProcessCeiling(k.db, probe, clones.slice(WARMUP), CONCURRENCY, deadline());

  let pgbench: PgbenchCeiling | null = null;
  let smallest: PgbenchCeiling | null = null;
  if (pgSchema && !existsSync(PGBENCH)) console.log(`  ${PGBENCH} not found: no pgbench ceiling`);
  else if (pgSchema) {
    const run = (name: string, title: string, statements: Statement[], rate: number) =>
      pgbenchCeiling(k, { name, title, capture: probe, statements, template, rate, schema: pgSchema });
    pgbench = await run(scenario, `the SQL one native cancel (${scenario}) issued, src/core/payments/`, probe.statements, inProcess.reqPerSec);
    const write = smallestSql(scenario, probe);
    if (write) smallest = await run(`${scenario}.smallest`, `the smallest SQL that could do a ${scenario} cancel: its guarded write (with the event CTE) alone, autocommit`, write, pgbench.reqPerSec);
  }
  return {
    scenario,
    statements: probe.statements.length,
    transactions: new Set(probe.statements.flatMap((s) => (s.tx === null ? [] : [s.tx]))).size,
    queries: probe.total,
    sql: sqlLines(probe),
    leftOut: leftOutLines(probe),
    cancel,
    memoryGuard,
    inProcess,
    pgbench,
    smallest,
  };
}

/**
 * A payment never submitted to a processor is canceled by one guarded write; the smallest SQL that
 * could do that job is this statement alone (no read before it, no BEGIN/COMMIT around it). Its own
 * ceiling, so that a heavier SQL shape cannot hide behind a ceiling made of that same shape. Null
 * for the other scenarios, whose job needs a claim and a record around the processor call.
 */
function smallestSql(scenario: Scenario, c: Capture): Statement[] | null {
  if (scenario !== 'requires_confirmation') return null;
  const writes = c.statements.filter((s) => /\bINSERT INTO payment_events\b/.test(s.sql));
  return writes.length === 1 ? [{ ...writes[0], tx: null }] : null;
}

interface PgbenchJob {
  /** bench/<name>.pgbench, and the clones' tag. */
  name: string;
  title: string;
  capture: Capture;
  statements: Statement[];
  template: string;
  /** The rate the pool is sized from (transactions/s), with 8× headroom. */
  rate: number;
  schema: string;
}

/** Ceiling 1 on PostgreSQL: pgbench replays `statements` on a pool of clones of `template`. */
async function pgbenchCeiling(k: Kasir, j: PgbenchJob): Promise<PgbenchCeiling> {
  const tag = `bench_${j.name.replace(/\W/g, '_')}`;
  // Each pgbench transaction needs a payment of its own: a chain that runs out makes the next
  // transaction read reference_id NULL (pgbench then aborts on uuid ""). Hence the headroom.
  const pool = CONCURRENCY * Math.ceil(int('BENCH_PGBENCH_POOL', Math.max(20_000, j.rate * 8 * PGBENCH_SECONDS)) / CONCURRENCY);
  await clonePayments(k.db, j.template, pool, CONCURRENCY, tag, false, j.capture.ref.column);
  await prepareChainStarts(k.db, k.merchantId, tag, CONCURRENCY, j.capture.ref.column);
  await k.db.query('ANALYZE payments');
  const { script, defines } = pgbenchScript(j.capture, j.statements, j.title);
  const file = `${HERE}${j.name}.pgbench`;
  if (await writeScript(file, script)) console.log(`note: bench/${j.name}.pgbench changed: the cancel's SQL is not what it was`);
  const r = await runPgbench({ file, url: PG_URL, schema: j.schema, tag, defines, clients: CONCURRENCY, threads: 2, seconds: PGBENCH_SECONDS, logDir: `${HERE}results/pgbench-log` });
  const canceled = await countCanceled(k.db, 'antom_payment_id ~ $1', `^${tag}_[0-9]+$`);
  const result: PgbenchCeiling = { ...r, script: `bench/${j.name}.pgbench`, canceled, pool };
  // -T stops clients mid-transaction: up to one started-but-uncounted cancel per client.
  if (canceled < r.requests || canceled > r.requests + CONCURRENCY) result.failures = [`${r.requests} transactions but ${canceled} payments canceled`];
  return result;
}

async function benchDatabase(db: Db, label: string, version: string, n: number, pgSchema: string | null): Promise<DatabaseResult> {
  console.log(`\n${label}: ${version}; ${n} cancels per scenario, concurrency ${CONCURRENCY}, warm-up ${WARMUP}`);
  const k = await startKasir(db);
  const close = () => k.close();
  cleanups.push(close);
  await http(k, Array(WARMUP).fill(NOOP_PATH));
  const noop = await profiled(PROFILE ? `${pgSchema ? 'postgres' : 'pglite'}-noop` : null, () => http(k, Array(n).fill(NOOP_PATH)));
  // What the shared request guards cost: the same no-op with the replay guard in memory, and with
  // the shared rate limiter added (a limit the run never reaches, so every request is counted).
  const noopMemoryGuard = await withMemoryReplayGuard(() => http(k, Array(n).fill(NOOP_PATH)));
  await http(k, Array(WARMUP).fill(NOOP_LIMITED_PATH));
  const noopLimited = await http(k, Array(n).fill(NOOP_LIMITED_PATH));
  const scenarios: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    scenarios.push(await benchScenario(k, s, n, pgSchema));
    console.log(`  ${s}: done`);
  }
  const sqlCeiling: SqlCeiling | null =
    pgSchema && existsSync(PGBENCH) ? (name, title, capture, template, rate) => pgbenchCeiling(k, { name, title, capture, statements: capture.statements, template, rate, schema: pgSchema }) : null;
  const dialects = await benchDialects(k, n, { concurrency: CONCURRENCY, warmup: WARMUP, maxSeconds: MAX_SECONDS, profile: PROFILE ? (pgSchema ? 'postgres' : 'pglite') : null, sqlCeiling });
  cleanups.splice(cleanups.indexOf(close), 1);
  await close();
  const result: DatabaseResult = { database: label, version, concurrency: CONCURRENCY, noop, noopMemoryGuard, noopLimited, scenarios, dialects, memory: takePeak() };
  result.targets = targetRows(result);
  printTable(result);
  return result;
}

/** Kasir as `npm start` runs it, in a process of its own: its RSS under the same cancels (process-memory.ts). */
async function benchOwnProcess(result: DatabaseResult, database: 'pglite' | 'postgres', n: number): Promise<void> {
  console.log(`\n${result.database}: Kasir in a process of its own, ${n} cancels per scenario`);
  result.processMemory = await benchProcessMemory({ database, pgUrl: PG_URL, admin, n, concurrency: CONCURRENCY, warmup: WARMUP, maxSeconds: MAX_SECONDS });
  printProcessMemory(result.processMemory);
}

/** The scale scenario (scale.ts): the same cancels with `rows` historical payments stored, next to `empty`'s. */
async function benchAtScale(db: Db, empty: DatabaseResult, schema: string | null, rows: number, n: number): Promise<void> {
  empty.scale = await benchScale({ db, label: empty.database, pgUrl: schema ? PG_URL : null, schema, rows, empty, n, warmup: WARMUP, measure: (k, ids) => http(k, cancelPaths(ids)) });
  printScale(empty.scale);
}

async function pgReachable(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function main() {
  const pkg = (name: string) => readFile(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8').then((t) => JSON.parse(t).version as string);
  const machine = { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? '?' };
  console.log(`Kasir cancel benchmark — node ${machine.node}, ${machine.cpus} × ${machine.cpu}, fastify ${await pkg('fastify')}, pg ${await pkg('pg')}`);
  const results: DatabaseResult[] = [];

  if (DATABASES.includes('pglite')) {
    const db = await openDatabase({ dataDir: 'memory://' });
    cleanups.push(() => db.close());
    const v = (await db.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
    results.push(await benchDatabase(db, 'PGlite (in memory)', `@electric-sql/pglite ${await pkg('@electric-sql/pglite')}, ${v}`, int('BENCH_N', 2000), null));
    if (SCALE_ROWS_PGLITE) await benchAtScale(db, results.at(-1)!, null, SCALE_ROWS_PGLITE, int('BENCH_N', 2000));
    await cleanups.pop()!();
    await benchOwnProcess(results.at(-1)!, 'pglite', int('BENCH_N', 2000));
  }
  if (DATABASES.includes('postgres')) {
    const version = await pgReachable(PG_URL);
    if (!version) console.log(`\nPostgreSQL: not reachable at ${PG_URL.replace(/:[^:@/]*@/, ':***@')}; skipped`);
    else {
      const schema = `kasir_bench_${randomBytes(4).toString('hex')}`;
      await admin(PG_URL, `CREATE SCHEMA ${schema}`);
      cleanups.push(() => admin(PG_URL, `DROP SCHEMA ${schema} CASCADE`));
      const db = await openDatabase({ databaseUrl: PG_URL, dataDir: '', schema });
      cleanups.push(() => db.close());
      let pgbenchVersion = 'pgbench not found';
      try {
        pgbenchVersion = execFileSync(PGBENCH, ['--version'], { encoding: 'utf8' }).trim();
      } catch {}
      results.push(await benchDatabase(db, 'PostgreSQL', `${version}; ${pgbenchVersion}; schema ${schema}`, int('BENCH_N', 3000), schema));
      if (SCALE_ROWS) await benchAtScale(db, results.at(-1)!, schema, SCALE_ROWS, int('BENCH_N', 3000));
      await benchOwnProcess(results.at(-1)!, 'postgres', int('BENCH_N', 3000));
    }
  }
  await cleanup();
  await mkdir(`${HERE}results`, { recursive: true });
  const out = { date: new Date().toISOString(), machine, concurrency: CONCURRENCY, warmup: WARMUP, results };
  await writeFile(`${HERE}results/latest.json`, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwritten: bench/results/latest.json`);
  const failed = results.some(
    (r) =>
      r.noop.failed || r.noopMemoryGuard.failed || r.noopLimited.failed || dialectsFailed(r.dialects) || scaleFailed(r.scale) || !!r.processMemory?.failures.length ||
      r.scenarios.some(
        (s) =>
          s.cancel.failures?.length || s.memoryGuard.failures?.length || s.inProcess.failed ||
          [s.pgbench, s.smallest].some((p) => p?.aborted || p?.failures),
      ),
  );
  process.exitCode = failed ? 1 : 0;
}

await main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
