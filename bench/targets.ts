// The targets, row by row: each cancel against C_ideal, what the machine could do if Kasir
// added nothing to its route and its SQL. C_ideal = 1 / (1/R_noop + 1/R_sql): the no-op route behind
// the same authentication (and, for Antom, the same signing) and the SQL through pgbench, each
// measured alone in the same run, their per-request costs added. Printed under each database's table
// and kept in latest.json (`targets`), from which the README's performance table is written.
import type { Measurement } from './load.ts';
import type { DatabaseResult } from './report.ts';

export interface TargetRow {
  row: string;
  reqPerSec: number;
  p99Ms: number;
  /** The two ceilings C_ideal is made of, req/s. */
  noopReqPerSec: number;
  sqlReqPerSec: number;
  /**
   * The p99 of that SQL alone, through pgbench at the same concurrency: the database's own tail on
   * this machine. The target's 10 ms cannot be met by a cancel whose SQL alone takes longer.
   */
  sqlP99Ms: number;
  /** What R_sql is: the cancel's own SQL, replayed by pgbench. */
  sql: string;
  cIdeal: number;
  ratio: number;
  /** The same with R_sql = pgbench on the smallest SQL that could do the job, where there is one. */
  cIdealSmallest?: number;
  ratioSmallest?: number;
  /** Cancel ÷ its no-op alone, the stricter reading the Antom and NICEPAY rows were first reported in. */
  ratioToNoop: number;
}

const combined = (a: number, b: number) => 1 / (1 / a + 1 / b);

function row(name: string, cancel: Measurement, noop: Measurement, sqlRun: Measurement, sql: string, smallestRate?: number): TargetRow {
  const sqlRate = sqlRun.reqPerSec;
  const cIdeal = combined(noop.reqPerSec, sqlRate);
  const r: TargetRow = {
    row: name,
    reqPerSec: cancel.reqPerSec,
    p99Ms: cancel.p99Ms,
    noopReqPerSec: noop.reqPerSec,
    sqlReqPerSec: sqlRate,
    sqlP99Ms: sqlRun.p99Ms,
    sql,
    cIdeal,
    ratio: cancel.reqPerSec / cIdeal,
    ratioToNoop: cancel.reqPerSec / noop.reqPerSec,
  };
  if (smallestRate) {
    r.cIdealSmallest = combined(noop.reqPerSec, smallestRate);
    r.ratioSmallest = cancel.reqPerSec / r.cIdealSmallest;
  }
  return r;
}

/** PostgreSQL only: PGlite has no pgbench, its target is a rate (≥ 1,000 cancels/s). */
export function targetRows(r: DatabaseResult): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const s of r.scenarios) {
    if (!s.pgbench) continue;
    rows.push(row(`native cancel ${s.scenario}`, s.cancel, r.noop, s.pgbench, `pgbench, its own ${s.statements} statements`, s.smallest?.reqPerSec));
  }
  // An Antom or NICEPAY cancel against its own SQL (found by the dialect's id column; NICEPAY's
  // also writes its dbProcessUrl notification). The smallest SQL that could do the job is the
  // native never-submitted cancel's: its guarded write alone.
  const native = r.scenarios.find((s) => s.scenario === 'requires_confirmation');
  for (const d of r.dialects ?? []) {
    if (d.pgbench) rows.push(row(d.scenario, d.cancel, d.noop, d.pgbench, `pgbench, its own ${d.sql?.length} statements`, native?.smallest?.reqPerSec));
  }
  return rows;
}

export function printTargets(rows: TargetRow[]): void {
  if (!rows.length) return;
  const f = (v: number | undefined, d = 0) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
  console.log('\nTargets: ratio = req/s ÷ C_ideal, C_ideal = 1 / (1/no-op + 1/SQL) (target ≥ 0.8, p99 ≤ 10 ms)');
  for (const t of rows) {
    console.log(
      `- ${t.row}: ${f(t.reqPerSec)} req/s, p99 ${f(t.p99Ms, 1)} ms (its SQL alone ${f(t.sqlP99Ms, 1)} ms); C_ideal ${f(t.cIdeal)} (no-op ${f(t.noopReqPerSec)}, ${t.sql} ${f(t.sqlReqPerSec)}) → ${f(t.ratio, 2)}` +
        (t.cIdealSmallest ? `; with the smallest SQL C_ideal ${f(t.cIdealSmallest)} → ${f(t.ratioSmallest, 2)}` : '') +
        `; ÷ no-op alone ${f(t.ratioToNoop, 2)}`,
    );
  }
}
