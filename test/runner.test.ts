// `npm test`'s runner (runner/run.ts), run as a child process on small test files written to a
// temporary folder: what it reports and its exit code, that files sharing a worker process keep
// their hooks to themselves, and that a file that kills its process, fails after its tests ended,
// throws at import or never ends fails without stopping the files after it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kasir-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  // Top-level hooks that print: they must run for this file's two tests only, and once at its end.
  'a-hooks.test.ts': `import { test, after, afterEach } from 'node:test';
    afterEach(() => console.log('A-afterEach'));
    after(() => console.log('A-after'));
    test('a1', () => {});
    test('a2', async () => { await new Promise((r) => setTimeout(r, 5)); });`,
  'b-fails.test.ts': `import { test } from 'node:test';
    import assert from 'node:assert/strict';
    test('b1 passes', () => {});
    test('b2 fails', () => assert.equal(1, 2));
    test('b3 skipped', { skip: true }, () => {});`,
  'c-exits.test.ts': `import { test } from 'node:test';
    test('c1 exits its process', () => process.exit(3));`,
  'c-exits-zero.test.ts': `import { test } from 'node:test';
    test('c2 exits its process as if all was well', () => { console.log('C2-last-words'); process.exit(0); });`,
  'd-late-error.test.ts': `import { test } from 'node:test';
    test('d1 ends, then throws', () => { setTimeout(() => { throw new Error('after the test'); }, 20); });`,
  'e-import-throws.test.ts': `await Promise.reject(new Error('setup failed'));`,
  'f-never-ends.test.ts': `import { test } from 'node:test';
    setInterval(() => {}, 1000);
    test('f1', () => {});`,
  'g-passes.test.ts': `import { test } from 'node:test';
    test('g1', () => {});`,
  // What node:test attributes to a test by following async ids from it (runner/async-ids.ts): a hook
  // registered after an await, an error thrown in a timer set after an await.
  'h-async-context.test.ts': `import { test, after } from 'node:test';
    const tick = () => new Promise((r) => setTimeout(r, 2));
    test('h1', async () => { await tick(); await Promise.resolve(); after(() => console.log('H1-after')); });
    test('h2', () => console.log('H2-runs'));
    test('h3', async () => { await tick(); setTimeout(() => { throw new Error('h3-timer'); }, 1); await new Promise((r) => setTimeout(r, 100)); });
    test('h4', () => {});`,
  // 200,000 promises made in a test: the async ids node:test mapped to it must be forgotten when the
  // file ends, or each file would leave them in the process's heap.
  'i-promises.test.ts': `import { test } from 'node:test';
    import { setFlagsFromString } from 'node:v8';
    import { runInNewContext } from 'node:vm';
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    test('i1', async () => {
      gc();
      console.log('HEAP ' + process.memoryUsage().heapUsed);
      for (let i = 0; i < 200_000; i++) await Promise.resolve(i);
    });`,
};
for (const n of [2, 3, 4]) FILES[`i-promises-${n}.test.ts`] = FILES['i-promises.test.ts'];
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

/** Runs the runner on `files`; every file must be reported exactly once. */
async function runner(files: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  const got = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, ['test/runner/run.ts', ...files.map((f) => join(dir, f))], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout }),
    );
  });
  assert.equal(got.stdout.match(/^# \/.*: /gm)?.length, files.length, got.stdout);
  for (const f of files) section(got.stdout, f);
  return got;
}

/** The totals block: "ℹ pass 3" → { pass: 3 }. */
function totals(stdout: string): Record<string, number> {
  return Object.fromEntries([...stdout.matchAll(/^ℹ (\w+) (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
}

/** One file's section of the output: its header line to the next file's (or the totals). */
function section(stdout: string, file: string): string {
  const header = `# ${join(dir, file)}:`;
  const start = stdout.indexOf(header);
  assert.ok(start >= 0, `no report for ${file}:\n${stdout}`);
  assert.equal(stdout.indexOf(header, start + 1), -1, `${file} is reported twice:\n${stdout}`);
  const end = stdout.slice(start + 1).search(/^(# \/|ℹ files)/m);
  return stdout.slice(start, end < 0 ? undefined : start + 1 + end);
}

/** What the end of the output repeats of a failing file, after every report and before the totals. */
function repeatedFailure(stdout: string, file: string): string {
  const header = `# ${join(dir, file)} failed:`;
  const start = stdout.lastIndexOf(header);
  assert.ok(start > stdout.lastIndexOf(`# ${join(dir, file)}:`), `${file}'s failure is not repeated after the reports:\n${stdout}`);
  const end = stdout.slice(start + 1).search(/^(# \/|ℹ files)/m);
  return stdout.slice(start, start + 1 + end);
}

test('every file passes: exit 0, the totals of all files, each file under its own header', async () => {
  const { code, stdout } = await runner(['a-hooks.test.ts', 'g-passes.test.ts']);
  assert.equal(code, 0, stdout);
  assert.deepEqual(totals(stdout), { files: 2, tests: 3, suites: 0, pass: 3, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: totals(stdout).duration_ms });
  assert.match(section(stdout, 'g-passes.test.ts'), /✔ g1/);
});

test("in one process, one file after another: a file's top-level hooks run for its own tests only", async () => {
  const { code, stdout } = await runner(['a-hooks.test.ts', 'b-fails.test.ts', 'g-passes.test.ts'], { KASIR_TEST_PROCESSES: '1' });
  assert.equal(code, 1, stdout);
  const a = section(stdout, 'a-hooks.test.ts');
  assert.equal(a.match(/A-afterEach/g)?.length, 2, a);
  assert.equal(a.match(/A-after$/gm)?.length, 1, a);
  for (const other of ['b-fails.test.ts', 'g-passes.test.ts']) assert.doesNotMatch(section(stdout, other), /A-after/);
  const b = section(stdout, 'b-fails.test.ts');
  assert.match(b, /: 1 passed, 1 failed, 1 skipped/);
  assert.match(b, /✖ b2 fails/);
  assert.match(b, /1 !== 2/);
  const t = totals(stdout);
  assert.deepEqual([t.tests, t.pass, t.fail, t.skipped], [6, 4, 1, 1]);
  assert.match(stdout, /failing files:\n\s+\S*b-fails\.test\.ts\n/);
  // The failing test and its error again at the end, where a long log's reader looks.
  assert.match(repeatedFailure(stdout, 'b-fails.test.ts'), /✖ failing tests:[^]*✖ b2 fails[^]*1 !== 2/);
  assert.doesNotMatch(repeatedFailure(stdout, 'b-fails.test.ts'), /b1 passes/);
});

test('a file that exits its process, errs after its tests, throws at import or never ends fails; the files after it still run', async () => {
  const files = ['c-exits.test.ts', 'c-exits-zero.test.ts', 'd-late-error.test.ts', 'e-import-throws.test.ts', 'f-never-ends.test.ts', 'g-passes.test.ts'];
  const { code, stdout } = await runner(files, { KASIR_TEST_PROCESSES: '1', KASIR_TEST_FILE_LIMIT_MS: '4000' });
  assert.equal(code, 1, stdout);
  assert.match(section(stdout, 'c-exits.test.ts'), /its test process exited \(code 3\) while running it/);
  // Its last words, written just before it exited, are shown with it.
  assert.match(section(stdout, 'c-exits-zero.test.ts'), /its test process exited \(code 0\) while running it[^]*C2-last-words/);
  assert.match(section(stdout, 'd-late-error.test.ts'), /after the test/);
  assert.match(section(stdout, 'e-import-throws.test.ts'), /setup failed/);
  assert.match(section(stdout, 'f-never-ends.test.ts'), /still running after 4 s: stopped/);
  assert.match(section(stdout, 'g-passes.test.ts'), /: 1 passed \(/);
  const failing = stdout.slice(stdout.indexOf('failing files:'));
  for (const f of files.slice(0, 5)) assert.ok(failing.includes(f), `${f} is not listed as failing:\n${failing}`);
  assert.match(section(stdout, 'd-late-error.test.ts'), /✖ the file failed after its tests ended/);
  const t = totals(stdout);
  assert.deepEqual([t.files, t.pass, t.fail], [6, 2, 4], 'the tests of d and g pass; c, c-zero, e and f count one failure each');
  assert.ok(!failing.includes('g-passes'), failing);
  assert.match(repeatedFailure(stdout, 'c-exits.test.ts'), /exited \(code 3\)/);
  assert.match(repeatedFailure(stdout, 'd-late-error.test.ts'), /after the test/);
  assert.match(repeatedFailure(stdout, 'e-import-throws.test.ts'), /setup failed/);
  assert.doesNotMatch(stdout, /g-passes\.test\.ts failed:/);
});

test('a hook or an error is still the test\'s that made it after an await, in every file of a process', async () => {
  const { code, stdout } = await runner(['a-hooks.test.ts', 'h-async-context.test.ts'], { KASIR_TEST_PROCESSES: '1' });
  assert.equal(code, 1, stdout);
  const h = section(stdout, 'h-async-context.test.ts');
  assert.match(h, /: 3 passed, 1 failed/);
  assert.match(h, /H1-after[^]*H2-runs/, 'an after() called in h1 after an await runs when h1 ends');
  assert.match(h, /✖ h3[^]*h3-timer/, 'the timer set in h3 after an await fails h3');
  assert.doesNotMatch(stdout, /async hook unchanged/, 'node:test took the hook without destroy');
});

test('the async ids a file made are forgotten when it ends: the heap does not grow file after file', async () => {
  const files = ['i-promises.test.ts', 'i-promises-2.test.ts', 'i-promises-3.test.ts', 'i-promises-4.test.ts'];
  const { code, stdout } = await runner(files, { KASIR_TEST_PROCESSES: '1' });
  assert.equal(code, 0, stdout);
  // The heap as each file starts (in whatever order they ran): kept, each file's ids would add about 15 MB.
  const heaps = files.map((f) => Number(/HEAP (\d+)/.exec(section(stdout, f))?.[1]));
  assert.ok(Math.max(...heaps) - Math.min(...heaps) < 5e6, `heap as each file started: ${heaps.join(', ')}`);
});
