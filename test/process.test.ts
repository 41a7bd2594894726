// `npm start` as an operator or a supervisor runs it: a signal sent to npm must stop the server
// (before, npm's `sh -c` died and left the server running as an orphan), and shutdown has a
// deadline (KASIR_SHUTDOWN_TIMEOUT_MS) that a hanging request cannot stretch. The embedded database
// whatever the run's DATABASE_URL, started from a copy of a migrated data directory (no initdb:
// this is about processes, not storage); only the image test starts on an empty directory.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './chaos/kasir.ts';
import { COMPILE_CACHE_ENV, seededDataDir } from './helpers/child-start.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHUTDOWN_MS = 1_500;
// How long npm and a process that ends may take to be gone, on top of the server's own deadline. On a
// loaded 2-core machine (four `npm start`s of this file beside two other test files) a clean stop
// under npm took 3.4-5 s. Well under the 30 s request timeout and the 72 s keep-alive timeout, so
// an exit held by the hanging request or the idle connection still fails.
const EXIT_SLACK_MS = 10_000;
const START_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'kasir-process-'));
const started: ChildProcess[] = [];
after(() => {
  // Whatever failed, nothing this file started outlives it (npm runs in its own process group).
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL'); // the group outlives npm when the server was orphaned
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  npm: ChildProcess;
  port: number;
  serverPid: number;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` with the repository's Node first on PATH, as `npm install` leaves a checkout. */
async function npmStart(name: string): Promise<Started> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...COMPILE_CACHE_ENV,
    PATH: join(ROOT, 'node_modules', '.bin') + delimiter + process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    KASIR_DATA_DIR: await seededDataDir(join(dir, `${name}-data`)),
    KASIR_STATE_DIR: join(dir, name),
    KASIR_LOG_LEVEL: 'warn',
    KASIR_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS),
  };
  for (const k of ['DATABASE_URL', 'KASIR_ADMIN_TOKEN', 'KASIR_ENCRYPTION_KEY', 'KASIR_PUBLIC_URL']) delete env[k];
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(npm);
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => npm.once('exit', (code, signal) => ok({ code, signal })));
  const deadline = Date.now() + START_MS;
  while (!(await healthy(port))) {
    if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`no /health within ${START_MS} ms:\n${out}`);
    await sleep(100);
  }
  const serverPid = descendants(npm.pid!).find((pid) => commandOf(pid).includes('src/main.ts'));
  assert.ok(serverPid, `the server runs under npm:\n${out}`);
  return { npm, port, serverPid, output: () => out, exit };
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
  } catch {
    return false;
  }
}

/** Every process below `root` (ps, so that it works wherever `ps -A -o pid=,ppid=` does). */
function descendants(root: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const walk = (pid: number) => rows.filter(([, ppid]) => ppid === pid).forEach(([child]) => (found.push(child), walk(child)));
  walk(root);
  return found;
}

function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true once `pid` is gone, false if it is still there after `ms`. */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), ok(false)));
    s.once('error', () => ok(true));
  });
}

function rawRequest(port: number, text: string): Promise<Socket> {
  return new Promise((ok, fail) => {
    const s = connect(port, '127.0.0.1', () => s.write(text, () => ok(s)));
    s.once('error', fail);
    s.on('data', () => {}); // keep reading: a full receive buffer must not be what holds the socket
  });
}

// Concurrently: each start initialises a database (seconds on a loaded machine), the cases are independent.
describe('npm start and signals', { concurrency: true }, () => {
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to npm start stops the server: exit 0, port closed, no orphan`, async () => {
    const s = await npmStart(signal.toLowerCase());
    const sent = Date.now();
    process.kill(s.npm.pid!, signal); // npm only, as `kill` or a supervisor does, not its process group
    const { code } = await s.exit;
    assert.ok(await goneWithin(s.serverPid, EXIT_SLACK_MS), `server ${s.serverPid} still running:\n${s.output()}`);
    // Exit 0 without the deadline's message is the server's own word that it finished in time: at
    // the deadline it says so and exits 1 (the next test). The clock only bounds the wait.
    assert.equal(code, 0, s.output());
    assert.doesNotMatch(s.output(), /shutdown took longer/);
    assert.ok(Date.now() - sent < SHUTDOWN_MS + EXIT_SLACK_MS, `gone ${Date.now() - sent} ms after the signal`);
    assert.equal(await portClosed(s.port), true);
  });
}

test('a request that never finishes and an idle keep-alive connection do not hold the exit past the deadline', async () => {
  const s = await npmStart('hang');
  // In flight: headers of a POST whose body never comes (the request timeout is 30 s, far beyond).
  const hanging = await rawRequest(s.port, 'POST /api/v1/payments HTTP/1.1\r\nHost: kasir\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"amount":');
  // Idle: one answered request on a connection the client keeps open.
  const idle = await rawRequest(s.port, 'GET /health HTTP/1.1\r\nHost: kasir\r\nConnection: keep-alive\r\n\r\n');
  await sleep(200); // both reached the server before the signal
  const sent = Date.now();
  process.kill(s.npm.pid!, 'SIGTERM');
  const { code } = await s.exit;
  const took = Date.now() - sent;
  hanging.destroy();
  idle.destroy();
  assert.ok(await goneWithin(s.serverPid, 1_000), `server ${s.serverPid} outlived npm:\n${s.output()}`);
  assert.ok(took >= SHUTDOWN_MS - 100, `waited for the in-flight request until the deadline (${took} ms)`);
  assert.ok(took < SHUTDOWN_MS + EXIT_SLACK_MS, `but not until the request or keep-alive timeout (${took} ms)`);
  assert.notEqual(code, 0, 'a shutdown cut short is not a clean exit');
  assert.match(s.output(), /shutdown took longer than KASIR_SHUTDOWN_TIMEOUT_MS=1500/);
  assert.equal(await portClosed(s.port), true);
});

// What the Dockerfile relies on, minus Docker: configuration by environment only, an unprivileged
// user who may write nothing but its data and state directories (the sources are root's), and its
// HEALTHCHECK command, run as written there, against the server.
const unprivileged = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
test('as in the image: an unprivileged user, env-only settings, writes only its own dirs; the HEALTHCHECK command follows /health', { skip: !unprivileged && 'needs root and setpriv' }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'kasir-image-'));
  chownSync(home, 65534, 65534); // nobody
  try {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      KASIR_DATA_DIR: join(home, 'data'), // on disk, as /var/lib/kasir/data
      KASIR_STATE_DIR: join(home, 'state'),
      NODE_COMPILE_CACHE: join(home, 'cache'), // as /var/lib/kasir/cache
      KASIR_LOG_LEVEL: 'warn',
    };
    // setpriv execs (no supervising parent, unlike runuser): the server is the process, as under
    // Docker, started by the image's own CMD (its Node flags included).
    const server = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...imageCommand()], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(server);
    let out = '';
    server.stdout!.on('data', (d) => (out += d));
    server.stderr!.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((ok) => server.once('exit', (code) => ok(code)));
    const deadline = Date.now() + START_MS;
    while (!(await healthy(port))) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`no /health within ${START_MS} ms:\n${out}`);
      await sleep(100);
    }
    assert.equal(await healthcheck(port), 0, 'healthy');
    assert.equal(statSync(join(home, 'state', 'admin-token')).uid, 65534, 'the generated secrets are the user’s');
    assert.equal(statSync(join(home, 'state', 'admin-token')).mode & 0o777, 0o600);
    assert.match(readFileSync(join(home, 'state', 'admin-token'), 'utf8'), /^kat_/);
    assert.match(out, /Demo merchant created/, 'the embedded database’s first start, as in `docker run`');
    process.kill(server.pid!, 'SIGTERM');
    assert.equal(await exit, 0, out);
    assert.ok(readdirSync(join(home, 'cache')).length > 0, 'Node kept its compile cache where the image points it');
    assert.equal(await healthcheck(port), 1, 'unhealthy once it is gone');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
});

/** The Dockerfile's CMD (its exec form) after `node`: what the image starts. */
function imageCommand(): string[] {
  const line = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])\s*$/m);
  const argv = JSON.parse(line![1]) as string[];
  assert.equal(argv[0], 'node');
  assert.equal(argv.at(-1), 'src/main.ts');
  return argv.slice(1);
}

/** The Dockerfile's HEALTHCHECK command (its exec form), run as Docker would; its exit code. */
function healthcheck(port: number): Promise<number> {
  const line = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').match(/^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])\s*$/m);
  const argv = JSON.parse(line![1]) as string[];
  assert.equal(argv[0], 'node');
  return new Promise((ok) => {
    execFile(process.execPath, argv.slice(1), { env: { PORT: String(port) }, timeout: 10_000 }, (err) => ok(err ? (typeof err.code === 'number' ? err.code : -1) : 0));
  });
}
