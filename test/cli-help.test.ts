// The CLI explaining itself: every command's --help (exit 0, its flags, an example), --version, and
// errors that say which server URL was tried and where the admin token came from. In process
// through `run` except the two checks of the installed launcher (bin/kasir.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMAND_NAMES, commandOptions, run } from '../src/cli.ts';
import { startKasir } from './helpers/harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const stateDir = mkdtempSync(join(tmpdir(), 'kasir-cli-help-'));
process.on('exit', () => rmSync(stateDir, { recursive: true, force: true }));

async function kasir(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function spawnBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/kasir.mjs', ...args], { cwd: ROOT, env: { ...process.env, KASIR_STATE_DIR: stateDir }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('every command and subcommand: --help exits 0 with its usage, each of its flags and an example', async () => {
  assert.ok(COMMAND_NAMES.length >= 30, COMMAND_NAMES.join(', '));
  for (const name of COMMAND_NAMES) {
    for (const form of [[...name.split(' '), '--help'], [...name.split(' '), '-h'], ['help', ...name.split(' ')]]) {
      const r = await kasir(form);
      assert.equal(r.code, 0, `kasir ${form.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: kasir ${name}`), `kasir ${form.join(' ')}`);
      assert.match(r.stdout, /\nExample:\n {2}\S/, `kasir ${form.join(' ')} shows an example`);
    }
    const { stdout } = await kasir([...name.split(' '), '--help']);
    for (const flag of commandOptions(name)) assert.ok(stdout.includes(`--${flag}`), `kasir ${name} --help mentions --${flag}`);
  }
  const serve = await kasir(['serve', '--help']);
  for (const flag of ['--port', '--host', '--database-url', '--data-dir', '--state-dir', '--log-level', '--public-url']) assert.ok(serve.stdout.includes(flag), flag);
  const payments = await kasir(['payments', 'list', '--help']);
  for (const flag of ['--url', '--token', '--json']) assert.ok(payments.stdout.includes(flag), `admin commands show ${flag}`);
  const trigger = await kasir(['trigger', '--help']);
  for (const s of ['payment.succeeded', 'payment.failed', 'payment.requires_action', 'payment.canceled', 'payment.refunded', 'payment.outcome_unknown']) assert.ok(trigger.stdout.includes(s), s);
});

test('a group prints its subcommands; an unknown command in help is a usage error', async () => {
  const group = await kasir(['payments', '--help']);
  assert.equal(group.code, 0);
  for (const sub of ['list', 'show', 'cancel', 'capture', 'refund']) assert.match(group.stdout, new RegExp(`kasir payments ${sub}`));
  const unknown = await kasir(['help', 'teleport']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no command "teleport"/);
  const top = await kasir(['--help']);
  assert.match(top.stdout, /kasir payments list/);
  assert.match(top.stdout, /kasir listen --forward-to URL/);
  assert.match(top.stdout, /kasir trigger SCENARIO/);
});

test('--version and version: the package version and Node version', async () => {
  for (const args of [['--version'], ['version']]) {
    const r = await kasir(args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `kasir ${VERSION} (Node.js ${process.version})`);
  }
  assert.deepEqual(JSON.parse((await kasir(['version', '--json'])).stdout), { kasir: VERSION, node: process.version });
});

test('the launcher: serve --help exits 0 without starting a server; --version', async () => {
  const [serve, version] = await Promise.all([spawnBin(['serve', '--help']), spawnBin(['--version'])]);
  assert.equal(serve.code, 0, serve.stderr);
  assert.match(serve.stdout, /^Usage: kasir serve/);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), `kasir ${VERSION} (Node.js ${process.version})`);
});

test('an unreachable server: the error names the URL tried, where it came from, and the token source', async () => {
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}`;
  const fromEnv = await kasir(['payments', 'list'], { KASIR_URL: url, KASIR_ADMIN_TOKEN: 'kat_x', KASIR_STATE_DIR: stateDir });
  assert.equal(fromEnv.code, 1);
  assert.match(fromEnv.stderr, new RegExp(`cannot reach Kasir at ${url}: ECONNREFUSED \\(tried GET ${url}/admin/v1/payments; URL from KASIR_URL; admin token from KASIR_ADMIN_TOKEN`));

  const tokenFile = join(stateDir, 'admin-token');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(tokenFile, 'kat_from_file\n');
  const fromFile = await kasir(['payments', 'show', 'p1', '--url', url], { KASIR_STATE_DIR: stateDir });
  assert.equal(fromFile.code, 1);
  assert.match(fromFile.stderr, new RegExp(`tried GET ${url}/admin/v1/payments/p1; URL from --url; admin token from ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  const fromFlag = await kasir(['merchant', 'list', '--url', url, '--token', 'kat_y'], {});
  assert.match(fromFlag.stderr, /URL from --url; admin token from --token/);
  const byDefault = await kasir(['merchant', 'list', '--token', 'kat_y'], {});
  assert.match(byDefault.stderr, /URL from the default; set --url or KASIR_URL/);
});

test('a wrong admin token: the refusal names where the token came from and the URL it was sent to', async () => {
  const h = await startKasir();
  const r = await kasir(['payments', 'list'], { KASIR_URL: h.baseUrl, KASIR_ADMIN_TOKEN: 'kat_stale' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`Invalid admin token \\(admin token from KASIR_ADMIN_TOKEN, sent to ${h.baseUrl}/admin/v1/payments\\) \\[UNAUTHORIZED\\]`));
});
