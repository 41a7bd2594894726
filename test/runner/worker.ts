// One process of `npm test` (run.ts starts several): it runs the test files it is sent, one at a
// time, each with node:test's `run({ isolation: 'none' })` in this process, and answers each with
// the file's report and counts.
//
// Why not a process per file (`node --test`): that start was about half of the suite's CPU. Each file
// paid for Node, for loading Kasir's modules and for compiling PGlite's wasm (about 0.5 s of CPU of
// a 0.75 s trivial file); here the modules are loaded and the wasm compiled once per process, and a
// file pays for its own database only.
//
// Files stay apart: one `run()` per file is a test tree of its own, so a file's top-level hooks
// (`after`, `afterEach`: startKasir closes its app and checks the ledger in them) run for that file's
// tests and when that file ends, exactly as in a process of its own. What a file cannot leave behind
// is what a process would have dropped at its exit; the files close what they open.
import { Readable } from 'node:stream';
import { FILE_END, type FileDone, type ToWorker } from './messages.ts';
import { useOptimizingTierForPglite } from '../../src/db/pglite.ts';
import { forgetAsyncIdsBetweenFiles } from './async-ids.ts';

// Before node:test loads (so it is imported below, not above): its hook then leaves promises'
// deaths untracked, and this process forgets each file's async ids when the file ends.
const forgetFileAsyncIds = forgetAsyncIdsBetweenFiles();
const { run } = await import('node:test');
const { spec } = await import('node:test/reporters');

// This process opens a PGlite database for most of the files it runs, and they share PostgreSQL's
// compiled wasm: optimized once here, its hot functions run faster for every later file. The
// servers and commands the tests start keep the baseline tier, as users run them.
useOptimizingTierForPglite();

/** node:test's own per-test limit (run.ts's --test-timeout of before). */
const TEST_TIMEOUT_MS = 120_000;

/** The root's closing diagnostics ("tests 7", "pass 7" …): run.ts prints the totals of all files once. */
const ROOT_TOTALS = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

type Event = { type: string; data: { nesting?: number; message?: string; file?: string; counts?: FileDone['counts']; success?: boolean } };

async function runFile(file: string, testNamePatterns: string[] | undefined): Promise<FileDone> {
  const started = performance.now();
  let summary: Pick<FileDone, 'counts' | 'success'> | undefined;
  const events = run({ files: [file], isolation: 'none', timeout: TEST_TIMEOUT_MS, testNamePatterns });
  // The events as node's spec reporter prints them, less the root's totals; the counts and the
  // verdict are read off the run's summary.
  const kept = Readable.from(
    (async function* () {
      for await (const e of events as AsyncIterable<Event>) {
        if (e.type === 'test:summary' && e.data.file === undefined) summary = { counts: e.data.counts!, success: e.data.success! };
        if (e.type === 'test:diagnostic' && e.data.nesting === 0 && ROOT_TOTALS.test(e.data.message ?? '')) continue;
        yield e;
      }
    })(),
  );
  let report = '';
  for await (const chunk of kept.compose(new spec())) report += chunk;
  if (!summary) throw new Error(`node:test gave no summary for ${file}`);
  return { type: 'done', file, report, ...summary, ms: performance.now() - started };
}

// Strictly one file at a time: run.ts sends the next one only after this one's answer.
process.on('message', (msg: ToWorker) => {
  if (msg.type === 'exit') process.exit(0);
  // node:test ends a run of files in this process when the event loop has nothing left to do
  // (`beforeExit`), as a file's own process would exit: the channel to run.ts must not count
  // meanwhile, or no file would ever end. Between files it counts again, to wait for the next one.
  process.channel!.unref();
  runFile(msg.file, msg.testNamePatterns).finally(() => {
    forgetFileAsyncIds();
    process.channel!.ref();
    // Pipes are written synchronously on Linux: the marks are in them before the answer is sent.
    process.stdout.write(FILE_END);
    process.stderr.write(FILE_END);
  }).then(
    (done) => process.send!(done),
    (err) => {
      // The runner itself failed (not a test): run.ts counts the file as failed and stops this process.
      process.send!({ type: 'crashed', file: msg.file, error: String((err as Error)?.stack ?? err) });
    },
  );
});
// run.ts is gone (stopped by a timeout, a signal): so is the point of running the rest of this file.
process.on('disconnect', () => process.exit(1));
process.send!({ type: 'ready' });
