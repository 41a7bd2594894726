// The printed table: per database, each cancel scenario against each ceiling, as ratios.
import type { Measurement } from './load.ts';
import type { PgbenchResult } from './pgbench.ts';

export interface ScenarioResult {
  scenario: string;
  /** Statements one cancel issued on payments, and all queries it issued. */
  statements: number;
  queries: number;
  sql: string[];
  cancel: Measurement;
  inProcess: Measurement;
  pgbench: (PgbenchResult & { script: string; canceled: number; pool: number }) | null;
}

export interface DatabaseResult {
  database: string;
  version: string;
  concurrency: number;
  noop: Measurement;
  scenarios: ScenarioResult[];
}

const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${Math.round(v * 100)}%`);
const cpu = (m: Measurement) => `${pct(m.serverLoopBusy)} / ${pct(m.serverThreadCpu)} / ${pct(m.machineCpu)}`;

export function printTable(r: DatabaseResult): void {
  const head = ['scenario', 'requests', 'failed', 'req/s', 'p50 ms', 'p99 ms', 'loop/thread/machine', 'ceiling', 'ceiling req/s', 'ceiling p50/p99 ms', 'ceiling loop/thread/machine', 'ratio'];
  const rows: string[][] = [];
  for (const s of r.scenarios) {
    const c = s.cancel;
    const ceilings: [string, Measurement][] = [];
    if (s.pgbench) ceilings.push([`pgbench, same ${s.statements} statements`, s.pgbench]);
    ceilings.push([`same SQL via Kasir Db, in-process`, s.inProcess]);
    ceilings.push(['no-op route + native auth', r.noop]);
    ceilings.forEach(([name, m], i) => {
      const lead =
        i === 0
          ? [`cancel ${s.scenario} (${s.statements} stmts)`, String(c.requests), String(c.failed), f(c.reqPerSec, 0), f(c.p50Ms, 2), f(c.p99Ms, 2), cpu(c)]
          : ['', '', '', '', '', '', ''];
      rows.push([...lead, name, f(m.reqPerSec, 0), `${f(m.p50Ms, 2)} / ${f(m.p99Ms, 2)}`, cpu(m), f(c.reqPerSec / m.reqPerSec, 2)]);
    });
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
  if (r.noop.failed) notes.push(`no-op: ${r.noop.failed} failed: ${r.noop.failures?.join('; ')}`);
  for (const s of r.scenarios) {
    if (s.cancel.failed || s.cancel.failures?.length) notes.push(`${s.scenario}: ${s.cancel.failed} failed ${JSON.stringify(s.cancel.statuses)}: ${s.cancel.failures?.join('; ')}`);
    if (s.cancel.timedOut) notes.push(`${s.scenario}: hit BENCH_MAX_SECONDS, ${s.cancel.requests} requests`);
    if (s.inProcess.failed) notes.push(`${s.scenario} in-process: ${s.inProcess.failed} failed: ${s.inProcess.failures?.join('; ')}`);
    if (s.pgbench?.aborted) notes.push(`${s.scenario} pgbench aborted: ${s.pgbench.aborted}`);
    if (s.pgbench?.failures) notes.push(`${s.scenario} pgbench: ${s.pgbench.failures.join('; ')}`);
    notes.push(`${s.scenario}: one cancel = ${s.queries} queries, ${s.statements} on payments: ${s.sql.map((q) => q.slice(0, 60) + '…').join(' ‖ ')}`);
    if (s.pgbench) notes.push(`${s.scenario} pgbench: ${s.pgbench.requests} transactions, ${s.pgbench.canceled} of ${s.pgbench.pool} pooled payments canceled; ${s.pgbench.command}`);
  }
  for (const n of notes) console.log(`- ${n}`);
}

/** Where the CPU went, per request: the attribution behind the ratios. */
function printCpu(r: DatabaseResult): void {
  const runs: [string, Measurement][] = [['no-op route + native auth (HTTP)', r.noop]];
  for (const s of r.scenarios) {
    runs.push([`cancel ${s.scenario} (HTTP)`, s.cancel], [`  same SQL via Kasir Db, in-process`, s.inProcess]);
    if (s.pgbench) runs.push([`  pgbench, same SQL`, s.pgbench]);
  }
  const head = ['CPU ms per request', 'Kasir thread', 'other threads (load gen.)', 'PostgreSQL', 'pgbench', 'whole machine', 'machine busy'];
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));
  const rows = runs.map(([name, m]) => [name, ms(m.cpuMs?.server), ms(m.cpuMs?.otherThreads), ms(m.cpuMs?.postgres), ms(m.cpuMs?.children), ms(m.cpuMs?.machine), pct(m.machineCpu)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('');
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('(PostgreSQL counts every postgres process on the machine, including other users of the server.)');
}
