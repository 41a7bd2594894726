// What run.ts and its worker processes (worker.ts) tell each other over the IPC channel.

/** Written by a worker to its stdout and its stderr when a file ends: what came before is that file's. */
export const FILE_END = '\u0000kasir-test-file-end\u0000\n';

export type ToWorker =
  | { type: 'run'; file: string; testNamePatterns?: string[] }
  | { type: 'exit' };

/** node:test's counts for one file (its `test:summary` event). */
export interface Counts {
  tests: number;
  suites: number;
  passed: number;
  failed: number;
  cancelled: number;
  skipped: number;
  todo: number;
}

export interface FileDone {
  type: 'done';
  file: string;
  /** The file's results as node's spec reporter prints them. */
  report: string;
  counts: Counts;
  /** False also when no test failed: an error after a test had ended (an uncaught exception, a late rejection). */
  success: boolean;
  ms: number;
}

export type FromWorker = { type: 'ready' } | FileDone | { type: 'crashed'; file: string; error: string };
