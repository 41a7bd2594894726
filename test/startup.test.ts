// Kasir refuses to start with an encryption key that cannot open the credentials already stored:
// otherwise it would run and answer 500 to every authenticated request. The server runs as a child
// process (`node src/main.ts`), as an operator starts it, on one PGlite data directory in a
// temporary folder: first with key A (which creates the demo merchant), then with key B, then A.
// The directory starts empty on purpose (initdb, about 4 s of CPU; other files start children on a
// seeded copy, helpers/child-start.ts): this is the suite's first start on disk for any user, the
// image test in process.test.ts needing root. The test after those three starts reads the directory
// they made: initdb was given the shared_buffers Kasir runs with.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILE_CACHE_ENV } from './helpers/child-start.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kasir-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
const BOUND_MS = 90_000;

/** The server's environment: PGlite in `dir` whatever the test run's DATABASE_URL, a free port. */
function env(key: string): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'KASIR_ADMIN_TOKEN', 'KASIR_PUBLIC_URL', 'PORT', 'HOST']) delete base[k];
  return { ...base, ...COMPILE_CACHE_ENV, KASIR_DATA_DIR: join(dir, 'data'), KASIR_STATE_DIR: join(dir, 'state'), KASIR_ENCRYPTION_KEY: key, PORT: '0', HOST: '127.0.0.1', KASIR_LOG_LEVEL: 'warn' };
}

/** Starts the server, waits until it listens, stops it with SIGTERM; resolves with its exit code. */
function startAndStop(key: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts'], { cwd: ROOT, env: env(key) });
    let stdout = '';
    let stderr = '';
    const bound = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "listening" within ${BOUND_MS} ms\n${stdout}\n${stderr}`));
    }, BOUND_MS);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Kasir listening')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => {
      if (signal) stderr += `\n(killed by ${signal})`;
      clearTimeout(bound);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the server expecting it to stop by itself. */
function runToExit(key: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/main.ts'], { cwd: ROOT, env: env(key), timeout: BOUND_MS }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test('another key than the stored credentials were sealed with: exit 2, one line naming KASIR_ENCRYPTION_KEY', async () => {
  const first = await startAndStop(KEY_A);
  assert.match(first.stdout, /Demo merchant created/, first.stderr);
  assert.equal(first.code, 0, first.stderr);

  const wrong = await runToExit(KEY_B);
  assert.equal(wrong.code, 2, wrong.stderr);
  const lines = wrong.stderr.trim().split('\n');
  assert.equal(lines.length, 1, wrong.stderr);
  assert.match(lines[0], /^kasir: KASIR_ENCRYPTION_KEY .*cannot open the credentials stored/);
  assert.doesNotMatch(wrong.stdout, /listening/);

  const again = await startAndStop(KEY_A);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Kasir listening/);
  assert.doesNotMatch(again.stdout, /Demo merchant created/, 'the first start’s merchant is still there');
});

test('the data directory the first start created runs with the shared_buffers its postgresql.conf names', async () => {
  // initdb is given Kasir's shared_buffers (pglite-worker.ts): its bootstrap then stays small, and
  // the file an operator reads says what the server runs with.
  const data = join(dir, 'data');
  assert.match(readFileSync(join(data, 'postgresql.conf'), 'utf8'), /^shared_buffers = 32MB\b/m, 'written by the test above');
  const { openPglite } = await import('../src/db/pglite.ts');
  const db = await openPglite(data);
  try {
    const { rows } = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
    assert.equal(rows[0].shared_buffers, '32MB');
  } finally {
    await db.close();
  }
});

test('the first key a database is started with wins, even before any credential is stored', async () => {
  const { startKasir } = await import('./helpers/harness.ts');
  const { createSecretBox, opensStoredSecrets } = await import('../src/core/merchants/secret-box.ts');
  const h = await startKasir();
  const db = h.deps.core.db;
  await db.query('DELETE FROM encryption_check');
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM credentials');
  assert.equal(Number(rows[0].n), 0, 'nothing sealed yet');
  assert.equal(await opensStoredSecrets(db, createSecretBox(Buffer.from(KEY_A, 'base64'))), true, 'the first key is recorded');
  assert.equal(await opensStoredSecrets(db, createSecretBox(Buffer.from(KEY_B, 'base64'))), false, 'a second node with another key is refused');
  assert.equal(await opensStoredSecrets(db, createSecretBox(Buffer.from(KEY_A, 'base64'))), true);
});
