// What an operator or an integrator reads when something is wrong: one line naming the setting or
// the field and the form expected, never a stack trace or a password. Also: the first start on
// PostgreSQL prints no demo merchant's secret (into shared logs) unless asked to.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from './chaos/kasir.ts';
import { adminQuery } from './helpers/pg-admin.ts';
import { admin, nativeMerchant, signNative, startKasir, usingPostgres } from './helpers/harness.ts';
import { create, createPayment, expectStatus } from './helpers/native.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kasir-friendly-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const h = await startKasir();
const m = await nativeMerchant(h);

// ---- operators: the process's own messages ----

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

function env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'KASIR_ADMIN_TOKEN', 'KASIR_PUBLIC_URL', 'KASIR_DEMO_MERCHANT', 'KASIR_ENCRYPTION_KEY']) delete base[k];
  return { ...base, PORT: '0', HOST: '127.0.0.1', KASIR_STATE_DIR: join(dir, randomBytes(4).toString('hex')), KASIR_LOG_LEVEL: 'warn', ...extra };
}

/** Runs a command expected to stop by itself. */
function run(args: string[], extra: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, args, { cwd: ROOT, env: env(extra), timeout: 60_000 }, (err, stdout, stderr) => {
      ok({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Starts the server, stops it with SIGTERM once it listens; its output. */
function startAndStop(extra: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['src/main.ts'], { cwd: ROOT, env: env(extra) });
    let stdout = '';
    let stderr = '';
    const bound = setTimeout(() => (child.kill('SIGKILL'), fail(new Error(`not listening within 60 s\n${stdout}\n${stderr}`))), 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Kasir listening')) setTimeout(() => child.kill('SIGTERM'), 200); // the banner's rest is written too
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (clearTimeout(bound), ok({ code, stdout, stderr })));
  });
}

function oneLine(stderr: string, pattern: RegExp): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, no stack trace:\n${stderr}`);
  assert.match(lines[0], pattern);
  return lines[0];
}

test('PostgreSQL unreachable: the server and `kasir migrate` say so in one line naming DATABASE_URL, without its password', async () => {
  const url = `postgres://kasir:Sup3rSecretPw@127.0.0.1:${await closedPort()}/kasir?password=AlsoSecret`;
  for (const args of [['src/main.ts'], ['bin/kasir.mjs', 'migrate']]) {
    const r = await run(args, { DATABASE_URL: url });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    const line = oneLine(r.stderr, /^kasir: cannot connect to PostgreSQL at 127\.0\.0\.1:\d+, database "kasir" \(DATABASE_URL\): connection refused/);
    assert.doesNotMatch(line + r.stdout, /Sup3rSecretPw|AlsoSecret/);
  }
});

test('first start on PostgreSQL: no demo merchant (nor its secret) unless KASIR_DEMO_MERCHANT=true', { skip: !usingPostgres() && 'PostgreSQL only' }, async () => {
  const db = await createDatabase();
  try {
    const key = randomBytes(32).toString('base64'); // both starts seal and open with one key
    const first = await startAndStop({ DATABASE_URL: db.url, KASIR_ENCRYPTION_KEY: key });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Kasir listening .*\(PostgreSQL\)/);
    assert.doesNotMatch(first.stdout, /Demo merchant|API secret|X-API-Key/);
    const asked = await startAndStop({ DATABASE_URL: db.url, KASIR_ENCRYPTION_KEY: key, KASIR_DEMO_MERCHANT: 'true' });
    assert.equal(asked.code, 0, asked.stderr);
    assert.match(asked.stdout, /Demo merchant created/, 'asked for explicitly, it is created');
  } finally {
    await db.drop();
  }
});

test('a role that may not create tables: served once `kasir migrate` ran as the owner, refused with a pointer to it before', { skip: !usingPostgres() && 'PostgreSQL only' }, async () => {
  const db = await createDatabase();
  const role = `kasir_app_${randomBytes(4).toString('hex')}`;
  const appUrl = new URL(db.url);
  appUrl.username = role;
  appUrl.password = 'app-pw';
  try {
    await adminQuery(db.url, `CREATE ROLE ${role} LOGIN PASSWORD 'app-pw'`);
    await adminQuery(db.url, `REVOKE CREATE ON SCHEMA public FROM PUBLIC`); // already so from PostgreSQL 15 on
    await adminQuery(db.url, `GRANT USAGE ON SCHEMA public TO ${role}`);
    const refused = await run(['src/main.ts'], { DATABASE_URL: appUrl.href });
    assert.equal(refused.code, 1, refused.stderr);
    const line = oneLine(refused.stderr, /^kasir: \d+ database migration\(s\) are not applied .*run `kasir migrate` with the database owner's DATABASE_URL/);
    assert.doesNotMatch(line, /app-pw/);

    const migrated = await run(['bin/kasir.mjs', 'migrate'], { DATABASE_URL: db.url });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /^Applied to PostgreSQL: 001_/);
    await adminQuery(db.url, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    const served = await startAndStop({ DATABASE_URL: appUrl.href });
    assert.equal(served.code, 0, served.stderr);
    assert.match(served.stdout, /Kasir listening/);
  } finally {
    await db.drop();
    await adminQuery(db.url.replace(/\/[^/]*$/, '/postgres'), `DROP ROLE IF EXISTS ${role}`);
  }
});

// ---- integrators: validation messages name the field and the form expected ----

async function refusal(res: Awaited<ReturnType<typeof create>>): Promise<string> {
  const body = expectStatus(res, 400);
  assert.equal(body.error.code, 'VALIDATION_ERROR');
  return body.error.message;
}

test('native: an amount given as a number is refused with the decimal form it takes', async () => {
  assert.equal(await refusal(await create(m, { amount: 1000, currency: 'THB' })), 'amount must be a decimal string such as "1000.00"');
  assert.equal(await refusal(await create(m, { amount: '', currency: 'THB' })), 'amount must be a decimal string such as "1000.00"');
  const p = await createPayment(m, { captureMethod: 'manual' });
  assert.equal(await refusal(await m.request('POST', `/api/v1/payments/${p.id}/capture`, { amountToCapture: 500 })), 'amountToCapture must be a decimal string such as "1000.00"');
  assert.equal(await refusal(await m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: 5 })), 'amount must be a decimal string such as "1000.00"');
});

test('native: a value outside a fixed set lists the values allowed', async () => {
  assert.equal(await refusal(await create(m, { amount: '10.00', currency: 'THB', paymentMethod: 'qris' })), 'paymentMethod must be one of card, promptpay, wallet, bank_transfer');
  assert.equal(await refusal(await create(m, { amount: '10.00', currency: 'THB', captureMethod: 'later' })), 'captureMethod must be one of automatic, manual');
  const p = await createPayment(m);
  assert.equal(
    await refusal(await m.request('POST', `/api/v1/payments/${p.id}/cancel`, { cancellationReason: 7 })),
    `cancellationReason must be one of ${(await import('../src/core/payments/cancel.ts')).CANCELLATION_REASONS.join(', ')}`,
  );
});

test('native: a missing field is "required", a wrong type is named in words', async () => {
  assert.equal(await refusal(await create(m, { currency: 'THB' })), 'amount is required');
  assert.equal(await refusal(await create(m, { amount: '10.00', currency: 'THB', confirm: 'yes' })), 'confirm must be true or false');
  assert.equal(await refusal(await create(m, { amount: '10.00', currency: 'THB', expiresInSeconds: '600' })), 'expiresInSeconds must be an integer');
  assert.equal(await refusal(await create(m, { amount: '10.00', currency: 'THB', colour: 'red' })), 'colour is not a known field');
});

test('native: an X-Timestamp in seconds is refused with the hint that milliseconds are expected', async () => {
  const body = JSON.stringify({ amount: '10.00', currency: 'THB' });
  const send = async (ts: string) => {
    const res = await fetch(h.baseUrl + '/api/v1/payments', {
      method: 'POST',
      headers: { 'X-API-Key': m.apiKey, 'X-Timestamp': ts, 'X-Signature': signNative(m.apiSecret, ts, body), 'Content-Type': 'application/json' },
      body,
    });
    assert.equal(res.status, 401);
    return ((await res.json()) as { error: { message: string } }).error.message;
  };
  const now = h.clock.now().getTime();
  assert.equal(await send(String(Math.floor(now / 1000))), 'X-Timestamp is more than 300 seconds away from the server time; X-Timestamp looks like seconds; milliseconds are expected');
  assert.equal(await send(String(now - 600_000)), 'X-Timestamp is more than 300 seconds away from the server time', 'milliseconds, just too old: no hint');
});

test('admin API: payouts take the same decimal amounts, and say so', async () => {
  const bad = await admin(h, 'POST', `/merchants/${m.merchantId}/payouts`, { currency: 'USD', amount: 5000 });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.message, 'amount must be a decimal string such as "1000.00"');
  const precise = await admin(h, 'POST', `/merchants/${m.merchantId}/payouts`, { currency: 'USD', amount: '1.001' });
  assert.equal(precise.body.error.message, 'amount has more than 2 decimal places for USD');
  const yen = await admin(h, 'POST', `/merchants/${m.merchantId}/payouts`, { currency: 'JPY', amount: '1.5' });
  assert.equal(yen.body.error.message, 'amount has more than 0 decimal places for JPY');
});
