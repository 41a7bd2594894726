// `npm test`: runs every test/**/*.test.ts with node:test, in a few long-lived worker processes
// (worker.ts) that take the files one at a time from a shared queue, longest first.
//
//   npm test                                   every file
//   npm test -- test/native-cancel.test.ts     these files (paths or globs)
//   npm test -- --test-name-pattern='seed 002' only the tests whose name matches
//   KASIR_TEST_PROCESSES=3 npm test            worker processes (default 2)
//   KASIR_TEST_FILE_LIMIT_MS=600000 npm test   how long a file may run (default 5 minutes)
//
// A test file is still a plain node:test file: `node --test test/x.test.ts` runs it alone.
//
// Each file's report is printed whole when the file ends (files run side by side), then the totals
// of all files. A file that fails, a worker process that dies (the file it was running fails) and a
// file still running after FILE_LIMIT_MS (its process is killed) make the exit code 1.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, globSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileOutput } from './file-output.ts';
import type { Counts, FileDone, FromWorker, ToWorker } from './messages.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A whole number from the environment, within [min, max]; anything else stops the run. */
function setting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`${name}=${raw}: give a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/**
 * One per core of the 2-core VM. A third kept the cores busy while a file waited on a timer, a child
 * or a socket, but each process also pays for its own optimized PGlite wasm and its own databases:
 * on 2026-12-02, in three alternating PGlite pairs, two processes took 126, 144 and 136 s (208–240 s
 * of CPU) against 142, 156 and 143 s (254–281 s) for three; on PostgreSQL 145 s against 146 s.
 */
const PROCESSES = setting('KASIR_TEST_PROCESSES', 2, 1, 64);
/** No file comes near this (the longest takes seconds); past it the file is stopped and failed. */
const FILE_LIMIT_MS = setting('KASIR_TEST_FILE_LIMIT_MS', 5 * 60_000, 1000, 2 ** 31 - 1);
/**
 * How long each file took last time, to start the long ones first (a cache, not committed). One per
 * database: on PostgreSQL the PGlite-only files take no time, and the files that start children differ.
 */
const DURATIONS = join(ROOT, `node_modules/.cache/kasir-test-durations-${process.env.DATABASE_URL ? 'postgres' : 'pglite'}.json`);

const ZERO: Counts = { tests: 0, suites: 0, passed: 0, failed: 0, cancelled: 0, skipped: 0, todo: 0 };

function parseArgs(argv: string[]): { patterns: string[]; testNamePatterns?: string[] } {
  const patterns: string[] = [];
  const names: string[] = [];
  for (const arg of argv) {
    const name = /^--test-name-pattern=(.*)$/s.exec(arg);
    if (name) names.push(name[1]);
    else if (arg.startsWith('-')) {
      console.error(`unknown option ${arg}: give test files (paths or globs) and --test-name-pattern=REGEX`);
      process.exit(2);
    }
    else patterns.push(arg);
  }
  return { patterns: patterns.length ? patterns : ['test/**/*.test.ts'], testNamePatterns: names.length ? names : undefined };
}

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS, 'utf8'));
  } catch {
    return {}; // first run (CI's fresh clone), or the cache was cleared
  }
}

/** Without a duration: the file's size, which roughly follows how much it does (the longest file is also the largest). */
function guess(file: string): number {
  try {
    return statSync(resolve(ROOT, file)).size / 4; // on average, a millisecond of running per 4 bytes of test
  } catch {
    return 0;
  }
}

const { patterns, testNamePatterns } = parseArgs(process.argv.slice(2));
const matches = patterns.map((p) => globSync(p, { cwd: ROOT }));
const unmatched = patterns.filter((_, i) => matches[i].length === 0);
if (unmatched.length) {
  console.error(`no test files match ${unmatched.join(' ')}`);
  process.exit(1);
}
const files = [...new Set(matches.flat())].sort();
const lastDurations = readDurations();
// The longest first: the last files to start are the short ones, so the processes end together.
const expected = (f: string) => lastDurations[f] ?? guess(f);
const queue = [...files].sort((a, b) => expected(b) - expected(a));

const started = performance.now();
const totals = { ...ZERO };
const durations: Record<string, number> = { ...lastDurations };
/** Each failing file and why, repeated after the totals: the end of a long log is what gets read. */
const failures = new Map<string, string>();
/** At most this many lines of a failure are repeated at the end (the whole report is above). */
const FAILURE_LINES = 60;

function noteFailure(file: string, report: string): void {
  // node:test's spec reporter ends a failing file's report with its failing tests and their errors.
  const at = report.lastIndexOf('✖ failing tests:');
  const lines = (at < 0 ? report : report.slice(at)).trimEnd().split('\n');
  const cut = lines.length > FAILURE_LINES ? [...lines.slice(0, FAILURE_LINES), `… ${lines.length - FAILURE_LINES} more lines in its report above`] : lines;
  failures.set(file, cut.join('\n'));
}

function print(file: string, counts: Counts, ms: number, body: string): void {
  const parts = [`${counts.passed} passed`, counts.failed && `${counts.failed} failed`, counts.cancelled && `${counts.cancelled} cancelled`, counts.skipped && `${counts.skipped} skipped`, counts.todo && `${counts.todo} todo`];
  process.stdout.write(`\n# ${file}: ${parts.filter(Boolean).join(', ')} (${(ms / 1000).toFixed(1)} s)\n${body.trimEnd()}\n`);
}

const reported = new Set<string>();

function finish(done: FileDone, output: string): void {
  reported.add(done.file);
  for (const k of Object.keys(totals) as (keyof Counts)[]) totals[k] += done.counts[k];
  durations[done.file] = Math.round(done.ms);
  const failing = !done.success || done.counts.failed > 0 || done.counts.cancelled > 0;
  // An error after the file's tests ended fails the run with every test passed: say so first.
  const late = failing && !done.counts.failed && !done.counts.cancelled ? '✖ the file failed after its tests ended (see below)\n' : '';
  const body = late + done.report + (output ? `\n# output of ${done.file}:\n${output}` : '');
  if (failing) noteFailure(done.file, late ? body : done.report);
  print(done.file, done.counts, done.ms, body);
}

function fail(file: string, why: string, output: string, ms: number): void {
  reported.add(file);
  totals.tests++;
  totals.failed++;
  const body = `✖ ${why}${output ? `\n# output of ${file}:\n${output}` : ''}`;
  noteFailure(file, body);
  print(file, { ...ZERO, failed: 1 }, ms, body);
}

/** One worker process: takes files from the queue until it is empty, then exits. */
function worker(): Promise<void> {
  return new Promise((ended) => {
    const child: ChildProcess = fork(WORKER, [], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let ready = false;
    let current: { file: string; since: number; timer: NodeJS.Timeout; answer?: FileDone } | undefined;
    const settle = () => {
      if (!current?.answer || !output.complete()) return;
      clearTimeout(current.timer);
      const answer = current.answer;
      current = undefined;
      finish(answer, output.take());
      next();
    };
    // What the file's tests wrote to stdout/stderr themselves (console.log, a child's output), shown with its report.
    const output = new FileOutput([child.stdout!, child.stderr!], settle);
    const next = () => {
      if (!child.connected) return; // dying: 'close' hands the queue on
      const file = queue.shift();
      if (!file) return void child.send({ type: 'exit' } satisfies ToWorker);
      const timer = setTimeout(() => {
        if (current?.file !== file) return;
        current = undefined;
        fail(file, `still running after ${FILE_LIMIT_MS / 1000} s: stopped`, output.take(), FILE_LIMIT_MS);
        child.kill('SIGKILL');
      }, FILE_LIMIT_MS);
      current = { file, since: performance.now(), timer };
      child.send({ type: 'run', file, testNamePatterns } satisfies ToWorker);
    };
    child.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') {
        ready = true;
        return next();
      }
      if (msg.file !== current?.file) return; // stopped by the time limit meanwhile: already reported
      if (msg.type === 'done') {
        current.answer = msg;
        return settle();
      }
      clearTimeout(current.timer);
      fail(msg.file, `the test runner failed on this file:\n${msg.error}`, output.take(), performance.now() - current.since);
      current = undefined;
      child.kill('SIGKILL'); // its state is unknown: the rest of the queue goes to a fresh process
    });
    // A failed fork or a send on a closed channel: shown with the file, and 'close' follows.
    child.on('error', (err) => process.stderr.write(`test worker process: ${err.stack ?? err}\n`));
    // 'close', not 'exit': the process's last output (a crash's own error) may still be in the pipes at 'exit'.
    child.on('close', (code, signal) => {
      const how = signal ?? `code ${code}`;
      if (current) {
        clearTimeout(current.timer);
        fail(current.file, `its test process exited (${how}) while running it`, output.take(), performance.now() - current.since);
        current = undefined;
      }
      if (!ready) {
        // It never asked for a file: a fresh one would most likely fail the same way. The other
        // workers take the queue; a file none of them takes is failed at the end.
        process.stderr.write(`a test worker process exited (${how}) before it started:\n${output.take()}\n`);
        return ended();
      }
      // Whatever made this process end, the rest of the queue goes to a fresh one.
      ended(queue.length ? worker() : undefined);
    });
  });
}

await Promise.all(Array.from({ length: Math.min(PROCESSES, files.length) }, worker));
for (const f of files) if (!reported.has(f)) fail(f, 'never run: no test process took it (see the errors above)', '', 0);

try {
  mkdirSync(dirname(DURATIONS), { recursive: true });
  // Files removed since (or run from a temporary folder) are forgotten.
  writeFileSync(DURATIONS, JSON.stringify(Object.fromEntries(Object.entries(durations).filter(([f]) => existsSync(resolve(ROOT, f))))));
} catch {
  // only the next run's order depends on it
}

const summary = [
  `files ${files.length} (${Math.min(PROCESSES, files.length)} processes)`,
  `tests ${totals.tests}`,
  `suites ${totals.suites}`,
  `pass ${totals.passed}`,
  `fail ${totals.failed}`,
  `cancelled ${totals.cancelled}`,
  `skipped ${totals.skipped}`,
  `todo ${totals.todo}`,
  `duration_ms ${Math.round(performance.now() - started)}`,
];
const failed = [...failures.keys()].map((f) => relative(ROOT, resolve(ROOT, f)));
if (failed.length) summary.push(`failing files:\n${failed.map((f) => `  ${f}`).join('\n')}`);
const repeated = [...failures].map(([file, why]) => `\n# ${file} failed:\n${why}\n`).join('');
process.stdout.write(repeated + '\n' + summary.map((l) => `ℹ ${l}`).join('\n') + '\n');
process.exitCode = failed.length ? 1 : 0;
