// The printed table: per database, each cancel scenario against each ceiling, as ratios.
import { dialectNotes, type DialectResult } from './dialects.ts';
import type { Measurement } from './load.ts';
import { memoryNote, type Memory } from './memory.ts';
import type { PgbenchResult } from './pgbench.ts';
import type { ScaleResult } from './scale.ts';
import type { ProcessMemory } from './process-memory.ts';
import { printTargets, type TargetRow } from './targets.ts';

export type PgbenchCeiling = PgbenchResult & { script: string; canceled: number; pool: number };

export interface ScenarioResult {
  scenario: string;
  /** The cancel's own statements (capture.ts), the transactions they ran in, and all queries the request issued. */
  statements: number;
  transactions: number;
  queries: number;
  sql: string[];
  /** The request's statements the replays leave out: table (processor | request). */
  leftOut: string[];
  cancel: Measurement;
  /** The same cancel with the replay guard in process memory instead of the database. */
  memoryGuard: Measurement;
  inProcess: Measurement;
  pgbench: PgbenchCeiling | null;
  /** pgbench on the smallest SQL that could do the job (run.ts smallestSql), where there is one. */
  smallest: PgbenchCeiling | null;
}

export interface DatabaseResult {
  database: string;
  version: string;
  concurrency: number;
  noop: Measurement;
  /** The no-op with the replay guard in memory, and with the shared rate limiter added. */
  noopMemoryGuard: Measurement;
  noopLimited: Measurement;
  scenarios: ScenarioResult[];
  /** Antom and NICEPAY cancels, each against its own no-op (dialects.ts). */
  dialects?: DialectResult[];
  /** The process's memory over every HTTP run on this database (memory.ts). */
  memory?: Memory;
  /** The same cancels with BENCH_SCALE_ROWS historical payments stored (scale.ts; printed by its printScale). */
  scale?: ScaleResult;
  /** Each cancel row against C_ideal (targets.ts). */
  targets?: TargetRow[];
  /** Kasir started as `npm start` starts it, in a process of its own, under the same cancels (process-memory.ts). */
  processMemory?: ProcessMemory;
}

const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${Math.round(v * 100)}%`);
const cpu = (m: Measurement) => `${pct(m.serverLoopBusy)} / ${pct(m.serverThreadCpu)} / ${pct(m.machineCpu)}`;

export function printTable(r: DatabaseResult): void {
  const head = ['scenario', 'requests', 'failed', 'req/s', 'p50 ms', 'p99 ms', 'loop/thread/machine', 'ceiling', 'ceiling req/s', 'ceiling p50/p99 ms', 'ceiling loop/thread/machine', 'ratio'];
  const rows: string[][] = [];
  const addRows = (scenario: string, c: Measurement, ceilings: [string, Measurement][]) =>
    ceilings.forEach(([name, m], i) => {
      const lead =
        i === 0
          ? [scenario, String(c.requests), String(c.failed), f(c.reqPerSec, 0), f(c.p50Ms, 2), f(c.p99Ms, 2), cpu(c)]
          : ['', '', '', '', '', '', ''];
      rows.push([...lead, name, f(m.reqPerSec, 0), `${f(m.p50Ms, 2)} / ${f(m.p99Ms, 2)}`, cpu(m), f(c.reqPerSec / m.reqPerSec, 2)]);
    });
  for (const s of r.scenarios) {
    const c = s.cancel;
    const ceilings: [string, Measurement][] = [];
    if (s.pgbench) ceilings.push([`pgbench, same ${s.statements} statements, ${s.transactions} tx`, s.pgbench]);
    if (s.smallest) ceilings.push(['pgbench, smallest SQL (1 statement)', s.smallest]);
    ceilings.push([`same SQL via Kasir Db, in-process`, s.inProcess]);
    ceilings.push(['same cancel, replay guard in memory', s.memoryGuard]);
    ceilings.push(['no-op route + native auth', r.noop]);
    addRows(`cancel ${s.scenario}`, c, ceilings);
  }
  for (const d of r.dialects ?? []) {
    addRows(d.scenario, d.cancel, [...(d.pgbench ? [[`pgbench, its own ${d.sql?.length} statements`, d.pgbench] as [string, Measurement]] : []), [d.ceiling, d.noop]]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(`\n### ${r.database} — ${r.version}`);
  console.log(
    `concurrency ${r.concurrency}; ratio = cancel req/s ÷ ceiling req/s; loop = Kasir's event-loop utilisation, thread = its ` +
      `CPU time ÷ wall time, machine = busy share of all cores (every process); load average after each cancel run: ` +
      `${r.scenarios.map((s) => s.cancel.loadAvg?.toFixed(1)).join(', ')}\n`,
  );
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  printCpu(r);
  const notes: string[] = [];
  for (const [name, m] of noops(r)) if (m.failed) notes.push(`${name}: ${m.failed} failed: ${m.failures?.join('; ')}`);
  const rate = (m: Measurement) => `${f(m.reqPerSec, 0)} req/s`;
  notes.push(
    `shared guards, no-op: replay guard in the database ${rate(r.noop)} vs in memory ${rate(r.noopMemoryGuard)} ` +
      `(${f(r.noop.reqPerSec / r.noopMemoryGuard.reqPerSec, 2)}); plus the shared rate limit ${rate(r.noopLimited)} (${f(r.noopLimited.reqPerSec / r.noop.reqPerSec, 2)})`,
  );
  for (const s of r.scenarios) {
    if (s.cancel.failed || s.cancel.failures?.length) notes.push(`${s.scenario}: ${s.cancel.failed} failed ${JSON.stringify(s.cancel.statuses)}: ${s.cancel.failures?.join('; ')}`);
    if (s.memoryGuard.failed || s.memoryGuard.failures?.length) notes.push(`${s.scenario}, guard in memory: ${s.memoryGuard.failed} failed: ${s.memoryGuard.failures?.join('; ')}`);
    if (s.cancel.timedOut) notes.push(`${s.scenario}: hit BENCH_MAX_SECONDS, ${s.cancel.requests} requests`);
    if (s.inProcess.failed) notes.push(`${s.scenario} in-process: ${s.inProcess.failed} failed: ${s.inProcess.failures?.join('; ')}`);
    notes.push(
      `${s.scenario}: one cancel = ${s.queries} queries, ${s.statements} its own: ${s.sql.map((q) => q.slice(0, 60) + '…').join(' ‖ ')}; ` +
        `left out: ${s.leftOut.join(', ') || 'none'}`,
    );
    notes.push(...pgbenchNotes(`${s.scenario} pgbench`, s.pgbench), ...pgbenchNotes(`${s.scenario} pgbench smallest`, s.smallest));
  }
  notes.push(...dialectNotes(r.dialects));
  for (const d of r.dialects ?? []) {
    if (d.sql) notes.push(`${d.scenario}: its own SQL: ${d.sql.map((q) => q.slice(0, 60) + '…').join(' ‖ ')}; left out: ${d.leftOut?.join(', ') || 'none'}`);
    notes.push(...pgbenchNotes(`${d.scenario} pgbench`, d.pgbench));
  }
  if (r.memory) notes.push(memoryNote(r.memory, r.database));
  for (const n of notes) console.log(`- ${n}`);
  printTargets(r.targets ?? []);
}

/** What a pgbench ceiling ran and whether it failed. */
function pgbenchNotes(name: string, p: PgbenchCeiling | null | undefined): string[] {
  if (!p) return [];
  return [
    ...(p.aborted ? [`${name} aborted: ${p.aborted}`] : []),
    ...(p.failures ? [`${name}: ${p.failures.join('; ')}`] : []),
    `${name}: ${p.requests} transactions, ${p.canceled} of ${p.pool} pooled payments canceled; ${p.script}: ${p.command}`,
  ];
}

/** The no-op runs: the shared replay guard (what the app does), the guard in memory, the shared limiter added. */
function noops(r: DatabaseResult): [string, Measurement][] {
  return [
    ['no-op route + native auth', r.noop],
    ['no-op, replay guard in memory', r.noopMemoryGuard],
    ['no-op + shared rate limit', r.noopLimited],
  ];
}

/** Where the CPU went, per request: the attribution behind the ratios. */
function printCpu(r: DatabaseResult): void {
  const runs: [string, Measurement][] = noops(r).map(([name, m]) => [`${name} (HTTP)`, m]);
  for (const s of r.scenarios) {
    runs.push([`cancel ${s.scenario} (HTTP)`, s.cancel], [`  same cancel, replay guard in memory`, s.memoryGuard], [`  same SQL via Kasir Db, in-process`, s.inProcess]);
    if (s.pgbench) runs.push([`  pgbench, same SQL`, s.pgbench]);
    if (s.smallest) runs.push([`  pgbench, smallest SQL`, s.smallest]);
  }
  for (const d of r.dialects ?? []) {
    runs.push([`${d.scenario} (HTTP)`, d.cancel], [`  ${d.ceiling}`, d.noop]);
    if (d.pgbench) runs.push([`  pgbench, its own SQL`, d.pgbench]);
  }
  const head = ['CPU ms per request', 'Kasir thread', 'other threads (load gen., PGlite, V8)', 'of which load gen.', 'PostgreSQL', 'pgbench', 'whole machine', 'machine busy'];
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));
  const rows = runs.map(([name, m]) => [name, ms(m.cpuMs?.server), ms(m.cpuMs?.otherThreads), ms(m.cpuMs?.loadGenerator), ms(m.cpuMs?.postgres), ms(m.cpuMs?.children), ms(m.cpuMs?.machine), pct(m.machineCpu)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('');
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('(PostgreSQL counts every postgres process on the machine, including other users of the server.)');
}
