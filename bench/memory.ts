// Memory of the bench's own process during its HTTP runs, where Kasir runs in-process. The issue's
// target (Kasir ≤ 200 MB RSS under the benchmark's load) is measured on Kasir alone, in a process of
// its own started as `npm start` starts it: process-memory.ts. Here:
// process.memoryUsage().rss every 100 ms on the main thread. RSS is the whole process: Kasir's
// thread, PGlite's worker thread (its wasm memory is Kasir's), and the load generator, which runs
// in a worker thread of this same process. The load generator posts its own isolate's heap +
// external memory every 100 ms (load-worker.ts); RSS minus its latest figure is Kasir's share.
// That leaves the worker's thread stack and native isolate overhead in Kasir's share: an estimate
// on the high side, never flattering.

export interface Memory {
  /** RSS just before the (first) run's load generator started: Kasir started, idle or between runs (MB). */
  rssBeforeMb: number;
  /** Highest RSS of the process (MB). */
  rssMaxMb: number;
  /** Highest RSS minus the load generator's heap + external at that instant (MB). */
  kasirMaxMb: number;
  /** Highest heap + external of Kasir's main-thread isolate (MB). */
  kasirHeapMaxMb: number;
  /** Highest heap + external of the load generator's isolate (MB). */
  loadGeneratorMaxMb: number;
  samples: number;
}

const MB = 1024 * 1024;
const none = (): Memory => ({ rssBeforeMb: 0, rssMaxMb: 0, kasirMaxMb: 0, kasirHeapMaxMb: 0, loadGeneratorMaxMb: 0, samples: 0 });
const max = (a: Memory, b: Memory): Memory => ({
  rssBeforeMb: a.rssBeforeMb || b.rssBeforeMb,
  rssMaxMb: Math.max(a.rssMaxMb, b.rssMaxMb),
  kasirMaxMb: Math.max(a.kasirMaxMb, b.kasirMaxMb),
  kasirHeapMaxMb: Math.max(a.kasirHeapMaxMb, b.kasirHeapMaxMb),
  loadGeneratorMaxMb: Math.max(a.loadGeneratorMaxMb, b.loadGeneratorMaxMb),
  samples: a.samples + b.samples,
});

// Every HTTP run since the last takePeak(): run.ts takes it once per database.
let peak = none();

/** The maxima of every run since the last call, and a fresh start for the next database. */
export function takePeak(): Memory {
  const p = peak;
  peak = none();
  return p;
}

export interface Sampler {
  /** The load generator's latest heap + external (bytes), from its own thread. */
  loadGenerator(bytes: number): void;
  stop(): Memory;
}

/** Samples until stop() (once; later calls return the same); the result also counts towards the database's peak. */
export function sampleMemory(): Sampler {
  let m = none();
  let loadGen = 0;
  let started = false;
  let stopped = false;
  const sample = () => {
    // Until the worker has said what it holds, its starting isolate would count as Kasir's.
    if (started && loadGen === 0) return;
    started = true;
    const u = process.memoryUsage();
    m = max(m, { rssBeforeMb: u.rss / MB, rssMaxMb: u.rss / MB, kasirMaxMb: (u.rss - loadGen) / MB, kasirHeapMaxMb: (u.heapTotal + u.external) / MB, loadGeneratorMaxMb: loadGen / MB, samples: 1 });
  };
  sample(); // before the worker exists: all Kasir
  const timer = setInterval(sample, 100);
  return {
    loadGenerator(bytes) {
      loadGen = bytes;
    },
    stop() {
      if (stopped) return m;
      stopped = true;
      clearInterval(timer);
      peak = max(peak, m);
      return m;
    },
  };
}

export function memoryNote(m: Memory, database: string): string {
  const mb = (v: number) => `${v.toFixed(0)} MB`;
  const pglite = /pglite/i.test(database) ? " (PGlite's wasm memory, in its own worker thread, is Kasir's)" : ' (PostgreSQL runs in processes of its own: not counted)';
  return (
    `memory, every 100 ms during every HTTP run: process RSS ${mb(m.rssBeforeMb)} before the first run, max ${mb(m.rssMaxMb)}, which includes the load generator (a worker ` +
    `thread of this process); Kasir's share, RSS − the load generator's heap + external at the same instant: max ${mb(m.kasirMaxMb)}${pglite}; ` +
    `load generator heap + external max ${mb(m.loadGeneratorMaxMb)}; Kasir main-thread heap + external max ${mb(m.kasirHeapMaxMb)}; ${m.samples} samples (Kasir alone, in a process of its own: below)`
  );
}
