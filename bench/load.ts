// Measurements: the HTTP load loop (in a worker thread, see load-worker.ts) and an in-process loop
// for the database ceilings, both reduced to the same summary (count, req/s, p50, p99).
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { cpuMeter, type CpuBudget } from './cpu.ts';
import type { LoadJob, LoadMemory, LoadResult } from './load-worker.ts';
import { sampleMemory, type Memory } from './memory.ts';

export interface Measurement {
  requests: number;
  ok: number;
  failed: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  elapsedMs: number;
  /** CPU time of the server's (main) thread over the run, as a fraction of one core. */
  serverThreadCpu: number | null;
  /**
   * Event-loop utilisation of the server's thread (performance.eventLoopUtilization): near 1 means
   * the loop never waited for I/O, whatever share of a core the OS gave it.
   */
  serverLoopBusy?: number;
  /** Busy fraction of the whole machine (all cores, every process) over the run, and the load average after it. */
  machineCpu?: number;
  loadAvg?: number;
  /** CPU ms per request: server thread, other threads (load generator), PostgreSQL, pgbench, machine. */
  cpuMs?: CpuBudget['msPerRequest'];
  timedOut: boolean;
  statuses?: Record<string, number>;
  failures?: string[];
  /** HTTP runs: the process's memory, sampled every 100 ms (memory.ts). */
  memory?: Memory;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(latencies: Float64Array, ok: number, elapsedMs: number, cpuMs: number | null, timedOut: boolean): Measurement {
  const sorted = Float64Array.from(latencies).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    requests: sorted.length,
    ok,
    failed: sorted.length - ok,
    reqPerSec: sorted.length / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length ? sum / sorted.length : NaN,
    elapsedMs,
    serverThreadCpu: cpuMs === null ? null : cpuMs / elapsedMs,
    timedOut,
  };
}

export const budget = (b: CpuBudget) => ({ machineCpu: b.machineCpu, loadAvg: b.loadAvg, cpuMs: b.msPerRequest });

/** CPU time (ms) of the calling thread: the server's event loop when called from the main thread. */
function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs one HTTP load in a worker thread and summarises it; an answer that is not a success in the
 * dialect's terms (wire.ts) counts as failed.
 */
export async function httpLoad(job: LoadJob): Promise<Measurement> {
  const cpu0 = threadCpuMs();
  const meter = cpuMeter();
  const elu = performance.eventLoopUtilization();
  const memory = sampleMemory();
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job });
    let result: LoadResult | undefined;
    worker.on('message', (m: LoadResult | LoadMemory) => ('loadGeneratorBytes' in m ? memory.loadGenerator(m.loadGeneratorBytes) : (result = m)));
    worker.once('error', reject);
    // Resolved once the thread is gone, so that the next run's memory samples do not count it.
    worker.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`load worker exited with ${code}`))));
  }).finally(() => memory.stop());
  const m = summarize(result.latenciesMs, result.ok, result.elapsedMs, threadCpuMs() - cpu0, result.timedOut);
  const loop = performance.eventLoopUtilization(elu).utilization;
  const b = budget(meter(m.requests));
  const cpuMs = { ...b.cpuMs, loadGenerator: result.cpuMs / Math.max(1, m.requests) };
  return { ...m, serverLoopBusy: loop, ...b, cpuMs, statuses: result.statuses, failures: result.failures, memory: memory.stop() };
}

/**
 * Runs `task(i)` for i in [0, count) with `concurrency` in flight, in this thread (the in-process
 * database ceilings). A task resolves true on success.
 */
export async function inProcessLoad(count: number, concurrency: number, deadline: number, task: (i: number) => Promise<boolean>): Promise<Measurement> {
  const latencies = new Float64Array(count);
  let next = 0;
  let done = 0;
  let ok = 0;
  let timedOut = false;
  const failures: string[] = [];
  const cpu0 = threadCpuMs();
  const meter = cpuMeter();
  const elu = performance.eventLoopUtilization();
  const t0 = performance.now();
  const lane = async () => {
    while (next < count) {
      if (Date.now() > deadline) {
        timedOut = true;
        return;
      }
      const i = next++;
      const s = performance.now();
      try {
        if (await task(i)) ok++;
        else if (failures.length < 5) failures.push(`task ${i}: guard matched no row`);
      } catch (err) {
        if (failures.length < 5) failures.push(`task ${i}: ${(err as Error).message}`);
      }
      latencies[done++] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const elapsedMs = performance.now() - t0;
  const loop = performance.eventLoopUtilization(elu).utilization;
  return { ...summarize(latencies.slice(0, done), ok, elapsedMs, threadCpuMs() - cpu0, timedOut), serverLoopBusy: loop, ...budget(meter(done)), failures };
}
