// Where the CPU went during one measured run, in ms per request: the Kasir (main) thread, the other
// threads of this process (the load generator worker, libuv), PostgreSQL (every postgres process,
// plus what the postmaster reaped from backends that ended, e.g. pgbench's), our child processes
// (pgbench), and the whole machine. Linux /proc only; elsewhere the fields are null.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface CpuBudget {
  /** Busy share of the whole machine (all cores, all processes). */
  machineCpu: number;
  loadAvg: number;
  msPerRequest: {
    server: number;
    /** Every other thread of this process: the load generator (HTTP runs), PGlite's worker, V8's GC and compiler threads. */
    otherThreads: number;
    /** HTTP runs: the load generator's own thread (load-worker.ts), part of otherThreads. */
    loadGenerator?: number;
    postgres: number | null;
    children: number | null;
    machine: number;
  };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime (ms) and comm of a /proc/<pid>/stat. */
function stat(pid: string): { comm: string; self: number; children: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
    return { comm, self: (Number(f[11]) + Number(f[12])) * TICK_MS, children: (Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch {
    return null;
  }
}

function postgresMs(): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  let total = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s?.comm === 'postgres') total += s.self + s.children; // the postmaster's children = ended backends
  }
  return total;
}

function machine() {
  return cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq }), { idle: 0, total: 0 });
}

const threadMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};
const processMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Starts a meter; call the result with the number of requests done to get the budget. */
export function cpuMeter(): (requests: number) => CpuBudget {
  const t0 = threadMs();
  const p0 = processMs();
  const pg0 = postgresMs();
  const c0 = stat('self')?.children ?? null;
  const m0 = machine();
  return (requests) => {
    const n = Math.max(1, requests);
    const m1 = machine();
    const server = threadMs() - t0;
    const pg1 = postgresMs();
    const c1 = stat('self')?.children ?? null;
    const busyMs = (m1.total - m0.total - (m1.idle - m0.idle)) / 1; // os.cpus() times are in ms
    return {
      machineCpu: 1 - (m1.idle - m0.idle) / Math.max(1, m1.total - m0.total),
      loadAvg: loadavg()[0],
      msPerRequest: {
        server: server / n,
        otherThreads: (processMs() - p0 - server) / n,
        postgres: pg0 === null || pg1 === null ? null : (pg1 - pg0) / n,
        children: c0 === null || c1 === null ? null : (c1 - c0) / n,
        machine: busyMs / n,
      },
    };
  };
}
