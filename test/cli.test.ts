// The `kasir` CLI as a user runs it: a child process talking to a running server's admin API.
// Also: the server refuses a bad setting at start, and the README cannot drift from the settings
// schema and the sandbox triggers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSettings } from '../src/config.ts';
import { TEST_CARDS, TRIGGERS } from '../src/processors/sandbox/triggers.ts';
import { admin, nativeClientFor, startKasir } from './helpers/harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const h = await startKasir();
const stateDir = mkdtempSync(join(tmpdir(), 'kasir-cli-'));
process.on('exit', () => rmSync(stateDir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script with this Node; env never inherits an admin token, URL or database by accident. */
function runNode(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { ...process.env };
  for (const k of ['KASIR_ADMIN_TOKEN', 'KASIR_URL', 'DATABASE_URL', 'PORT']) delete base[k];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { ...base, KASIR_STATE_DIR: stateDir, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const kasir = (...args: string[]) => runNode(['src/cli.ts', ...args, '--url', h.baseUrl, '--token', h.adminToken]);

async function ok(...args: string[]): Promise<string> {
  const r = await kasir(...args);
  assert.equal(r.code, 0, `kasir ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r.stdout;
}

async function createMerchant(name: string, ...extra: string[]) {
  return JSON.parse(await ok('merchant', 'create', '--name', name, '--json', ...extra));
}

test('merchant create --json prints one object with every credential, and its native key works', async () => {
  const m = await createMerchant('CLI shop');
  assert.deepEqual(Object.keys(m), ['id', 'name', 'native', 'antom', 'nicepay']);
  assert.deepEqual(Object.keys(m.native), ['apiKey', 'apiSecret']);
  assert.deepEqual(Object.keys(m.antom), ['clientId', 'merchantPrivateKeyPkcs8', 'merchantPrivateKeyPkcs1', 'gatewayPublicKey']);
  assert.deepEqual(Object.keys(m.nicepay), ['iMid', 'merchantKey']);
  assert.equal(m.name, 'CLI shop');
  assert.match(m.antom.merchantPrivateKeyPkcs8, /BEGIN PRIVATE KEY/);
  assert.match(m.antom.merchantPrivateKeyPkcs1, /BEGIN RSA PRIVATE KEY/);
  assert.match(m.antom.gatewayPublicKey, /BEGIN PUBLIC KEY/);
  assert.equal(m.nicepay.iMid.length, 10);

  const client = nativeClientFor(h, m.id, m.native.apiKey, m.native.apiSecret);
  const created = await client.request('POST', '/api/v1/payments', { amount: '10.00', currency: 'THB', paymentMethod: 'promptpay', confirm: true });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.data.status, 'requires_action');
  const canceled = await client.request('POST', `/api/v1/payments/${created.body.data.id}/cancel`);
  assert.equal(canceled.body.data.status, 'canceled', canceled.text);
});

test('merchant create registers given NICEPAY credentials', async () => {
  const m = await createMerchant('NICEPAY shop', '--nicepay-imid', 'IONPAYTEST', '--nicepay-key', 'sandbox-merchant-key-0123456789');
  assert.deepEqual(m.nicepay, { iMid: 'IONPAYTEST', merchantKey: 'sandbox-merchant-key-0123456789' });
});

test('merchant list and show', async () => {
  const m = await createMerchant('Listed shop');
  const list = await ok('merchant', 'list');
  assert.match(list, new RegExp(`${m.id}\\s+active\\s+\\S+\\s+Listed shop`));
  const listed = JSON.parse(await ok('merchant', 'list', '--json'));
  assert.ok(listed.some((x: { id: string }) => x.id === m.id));
  assert.match(await ok('merchant', 'show', m.id), new RegExp(`key native\\s+${m.native.apiKey}`));
  const shown = JSON.parse(await ok('merchant', 'show', m.id, '--json'));
  assert.equal(shown.id, m.id);
  assert.deepEqual(shown.keys.map((k: { dialect: string }) => k.dialect).sort(), ['antom', 'native', 'nicepay']);
});

test('merchant suspend refuses its requests; activate restores them', async () => {
  const m = await createMerchant('Suspended shop');
  const client = nativeClientFor(h, m.id, m.native.apiKey, m.native.apiSecret);
  assert.match(await ok('merchant', 'suspend', m.id), /suspended/);
  const refused = await client.request('GET', '/api/v1/payments');
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.body.error.code, 'FORBIDDEN');
  assert.match(await ok('merchant', 'activate', m.id), /active/);
  assert.equal((await client.request('GET', '/api/v1/payments')).status, 200);
});

test('contract set sends a PATCH the admin API keeps', async () => {
  const m = await createMerchant('Contract shop');
  await ok('contract', 'set', m.id, '--profile', 'antom', '--family', 'wallet', '--window-seconds', '600', '--after-success', 'false', '--api', 'refund=false', '--rate-limit', '5');
  await ok('contract', 'set', m.id, '--profile', 'nicepay', '--family', 'card', '--partial', 'false');
  const got = await admin(h, 'GET', `/merchants/${m.id}/contract`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.data.overrides, {
    antom: { cancel: { wallet: { windowSeconds: 600, afterSuccess: false } }, apis: { refund: false }, rateLimitPerSecond: 5 },
    nicepay: { cancel: { card: { partial: false } } },
  });
  assert.equal(got.body.data.effective.antom.cancel.wallet.windowSeconds, 600);
  assert.equal(got.body.data.effective.antom.cancel.wallet.afterSuccess, false);
  const shown = JSON.parse(await ok('contract', 'show', m.id));
  assert.deepEqual(shown.overrides, got.body.data.overrides);
});

test('key rotate returns a new native key that works', async () => {
  const m = await createMerchant('Rotating shop');
  const rotated = JSON.parse(await ok('key', 'rotate', m.id, '--overlap', '60', '--json'));
  assert.notEqual(rotated.native.apiKey, m.native.apiKey);
  const client = nativeClientFor(h, m.id, rotated.native.apiKey, rotated.native.apiSecret);
  assert.equal((await client.request('GET', '/api/v1/payments')).status, 200);
});

test('no admin token: exit 1 and a message saying where to get one', async () => {
  const r = await runNode(['src/cli.ts', 'merchant', 'list', '--url', h.baseUrl]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no admin token.*--token.*KASIR_ADMIN_TOKEN/);
  assert.equal(r.stdout, '');
});

test('the API refusing prints its message and exits 1', async () => {
  const wrong = await runNode(['src/cli.ts', 'merchant', 'list', '--url', h.baseUrl, '--token', 'kat_not_the_token']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Invalid admin token/);
  const missing = await kasir('merchant', 'show', '00000000-0000-7000-8000-000000000000');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Merchant not found/);
  const down = await runNode(['src/cli.ts', 'merchant', 'list', '--url', 'http://127.0.0.1:1', '--token', 'x']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach Kasir at http:\/\/127\.0\.0\.1:1/);
});

test('usage errors exit 2', async () => {
  const cases = [
    ['merchant', 'create'],
    ['merchant', 'explode'],
    ['merchant', 'show'],
    ['merchant', 'create', '--name', 'X', '--nicepay-imid', 'IONPAYTEST'],
    ['merchant', 'list', '--bogus'],
    ['merchant', 'list', '--overlap', '5'],
    ['key', 'rotate', 'x', '--overlap', 'soon'],
    ['contract', 'set', 'x', '--profile', 'stripe'],
    ['contract', 'set', 'x', '--profile', 'antom'],
    ['contract', 'set', 'x', '--profile', 'antom', '--family', 'card', '--partial', 'yes'],
    ['contract', 'set', 'x', '--profile', 'antom', '--window-seconds', '5'],
    ['contract', 'set', 'x', '--profile', 'antom', '--api', 'teleport=true'],
  ];
  const runs = await Promise.all(cases.map((args) => kasir(...args)));
  runs.forEach((r, i) => {
    assert.equal(r.code, 2, `kasir ${cases[i].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^kasir: /);
  });
});

test('the bin launcher prints usage; migrate applies migrations to the configured database', async () => {
  const help = await runNode(['bin/kasir.mjs', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /kasir merchant create --name NAME/);
  const migrated = await runNode(['src/cli.ts', 'migrate'], { KASIR_DATA_DIR: 'memory://' });
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, /Applied to PGlite memory:\/\/: 001_init\.sql/);
});

test('the server refuses a bad setting at start: exit 2, naming it', async () => {
  for (const [env, args] of [[{ PORT: 'abc' }, []], [{}, ['--port', '70000']]] as const) {
    const r = await runNode(['src/main.ts', ...args], { KASIR_DATA_DIR: 'memory://', ...env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /PORT/);
  }
  const viaCli = await runNode(['src/cli.ts', 'serve'], { KASIR_DATA_DIR: 'memory://', KASIR_LOG_LEVEL: 'loud' });
  assert.equal(viaCli.code, 2, viaCli.stderr);
  assert.match(viaCli.stderr, /KASIR_LOG_LEVEL/);
});

test('README: the two start commands first, every setting, test card and trigger', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const head = readme.split('\n').slice(0, 12).join('\n');
  assert.match(head, /npm install && npm start/);
  assert.match(head, /npm test/);
  for (const { name } of describeSettings()) assert.ok(readme.includes(`\`${name}\``), `README lacks setting ${name}`);
  for (const card of Object.keys(TEST_CARDS)) assert.ok(readme.includes(card), `README lacks test card ${card}`);
  for (const trigger of Object.keys(TRIGGERS)) assert.ok(readme.includes(`sandbox:${trigger}`), `README lacks trigger sandbox:${trigger}`);
  assert.ok(readme.includes('/api/v1/sandbox/payments/{id}/pay'));
});

test('money commands: balances, payout, journal, deliveries and redeliver', async () => {
  const created = await createMerchant('CLI ledger shop');
  const m = nativeClientFor(h, created.id, created.native.apiKey, created.native.apiSecret);
  await m.request('POST', '/api/v1/webhook-endpoints', { url: 'https://example.test/hooks', events: ['payment.succeeded'] });
  const paid = await m.request('POST', '/api/v1/payments', {
    amount: '20.00', currency: 'USD', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: '4242424242424242' } },
  });
  const paymentId = paid.body.data.id;
  const balances = JSON.parse(await ok('balances', created.id));
  assert.deepEqual(balances.balances, [{ account: 'pending', currency: 'USD', balance: '2000' }]);
  const journal = JSON.parse(await ok('journal', created.id, paymentId));
  assert.deepEqual(journal.data.map((j: { kind: string }) => j.kind), ['capture']);
  const refused = await kasir('payout', created.id, '--currency', 'USD', '--amount', '1');
  assert.equal(refused.code, 1, 'nothing is available before settlement');
  assert.match(refused.stderr, /balance is insufficient/);
  const deliveries = JSON.parse(await ok('deliveries', created.id, paymentId));
  assert.equal(deliveries.data.length, 1);
  assert.equal(deliveries.data[0].eventType, 'succeeded');
  const again = JSON.parse(await ok('redeliver', deliveries.data[0].id));
  assert.equal(again.status, 'pending');
  assert.equal((await kasir('redeliver', '999999999')).code, 1);
});
