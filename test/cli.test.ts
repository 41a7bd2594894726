// The `kasir` CLI talking to a running server's admin API. Commands run in this process through the
// CLI's own `run` (what bin/kasir.mjs and src/cli.ts call; a child process costs about 0.1 s of CPU
// each, and this file runs about ninety); a child process as a user runs it (`kasirProcess`, `runNode`)
// wherever the exit status and the output must get out of a real process: success with JSON on
// stdout, exit 1 and 2 on stderr with nothing on stdout, the launcher, `migrate` and `serve`.
// Also: the server refuses a bad setting at start, and the README cannot drift from the settings
// schema and the sandbox triggers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli.ts';
import { describeSettings } from '../src/config.ts';
import { TEST_CARDS, TRIGGERS } from '../src/processors/sandbox/triggers.ts';
import { COMPILE_CACHE_ENV } from './helpers/child-start.ts';
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
    execFile(process.execPath, args, { cwd: ROOT, env: { ...base, ...COMPILE_CACHE_ENV, KASIR_STATE_DIR: stateDir, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const withServer = (args: string[]) => [...args, '--url', h.baseUrl, '--token', h.adminToken];
const kasirProcess = (...args: string[]) => runNode(['src/cli.ts', ...withServer(args)]);

/** One command line in this process; the environment is only the state directory, as in runNode. */
async function kasir(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(withServer(args), { KASIR_STATE_DIR: stateDir }, { out: (t) => out.push(t + '\n'), err: (t) => err.push(t + '\n') });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

async function ok(...args: string[]): Promise<string> {
  const r = await kasir(...args);
  assert.equal(r.code, 0, `kasir ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r.stdout;
}

async function createMerchant(name: string, ...extra: string[]) {
  return JSON.parse(await ok('merchant', 'create', '--name', name, '--json', ...extra));
}

test('merchant create --json prints one object with every credential, and its native key works', async () => {
  const printed = await kasirProcess('merchant', 'create', '--name', 'CLI shop', '--json');
  assert.equal(printed.code, 0, printed.stderr);
  const m = JSON.parse(printed.stdout);
  assert.deepEqual(Object.keys(m), ['id', 'name', 'mode', 'native', 'antom', 'nicepay']);
  assert.equal(m.mode, 'test', 'test mode unless asked');
  assert.match(m.antom.clientId, /^SANDBOX_/);
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
  assert.match(list, new RegExp(`${m.id}\\s+active\\s+test\\s+\\S+\\s+Listed shop`));
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
  const missing = await kasirProcess('merchant', 'show', '00000000-0000-7000-8000-000000000000');
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
    ['merchant', 'create', '--name', 'X', '--mode', 'production'],
    ['connector', 'create', '--type', 'nicepay', '--base-url', 'https://x.example', '--imid', 'IMID000001', '--merchant-key', 'k'.repeat(20)],
    ['connector', 'show'],
    ['route', 'set', '--merchant', 'x'],
    ['route', 'delete'],
  ];
  // The first as a process too: exit 2 reaches the shell.
  const runs = await Promise.all(cases.map((args, i) => (i === 0 ? kasirProcess : kasir)(...args)));
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
  assert.deepEqual(balances.balances, [{ account: 'pending', currency: 'USD', balance: '20.00' }]);
  const journal = JSON.parse(await ok('journal', created.id, paymentId));
  assert.deepEqual(journal.data.map((j: { kind: string }) => j.kind), ['capture']);
  const refused = await kasir('payout', created.id, '--currency', 'USD', '--amount', '1.00');
  assert.equal(refused.code, 1, 'nothing is available before settlement');
  assert.match(refused.stderr, /balance is insufficient/);
  const deliveries = JSON.parse(await ok('deliveries', created.id, paymentId));
  assert.equal(deliveries.data.length, 1);
  assert.equal(deliveries.data[0].eventType, 'succeeded');
  const again = JSON.parse(await ok('redeliver', deliveries.data[0].id));
  assert.equal(again.status, 'pending');
  assert.equal((await kasir('redeliver', '999999999')).code, 1);
});

// ---- live merchants: connector accounts and routes ----

const pemPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const kasirKey = pemPair();
const providerKey = pemPair();
const NICEPAY_KEY = 'cli-live-merchant-key-' + 'Z'.repeat(40);
const keyFile = join(stateDir, 'kasir-private.pem');
const providerFile = join(stateDir, 'provider-public.pem');
const garbageFile = join(stateDir, 'garbage.pem');
writeFileSync(keyFile, kasirKey.privateKey);
writeFileSync(providerFile, providerKey.publicKey);
writeFileSync(garbageFile, '-----BEGIN PRIVATE KEY-----\n' + 'A'.repeat(120) + '\n-----END PRIVATE KEY-----\n');
/** Everything the connector commands printed, to look for secrets in. */
const printed: string[] = [];
async function connectorCli(...args: string[]): Promise<Run> {
  const r = await kasir(...args);
  printed.push(r.stdout, r.stderr);
  return r;
}
async function connectorOk(...args: string[]): Promise<string> {
  const r = await connectorCli(...args);
  assert.equal(r.code, 0, `kasir ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r.stdout;
}
const antomFlags = (merchantId: string, ...extra: string[]) => [
  'connector', 'create', '--merchant', merchantId, '--type', 'antom', '--base-url', 'https://open-sea-global.alipay.com',
  '--client-id', 'LIVE_CLI_CLIENT', '--private-key-file', keyFile, '--provider-public-key-file', providerFile, ...extra,
];

test('merchant create --mode live: a live merchant, LIVE_ Antom client id; shown in list and show', async () => {
  const m = await createMerchant('CLI live shop', '--mode', 'live');
  assert.equal(m.mode, 'live');
  assert.match(m.antom.clientId, /^LIVE_/);
  assert.match(await ok('merchant', 'list'), new RegExp(`${m.id}\\s+active\\s+live\\s+\\S+\\s+CLI live shop`));
  assert.equal(JSON.parse(await ok('merchant', 'show', m.id, '--json')).mode, 'live');
  assert.match(await ok('merchant', 'create', '--name', 'CLI human', '--mode', 'live'), /\(CLI human, live mode\) created/);
});

test('connector create (Antom, NICEPAY), list, show and delete; the notifyUrl is under the public URL', async () => {
  const m = await createMerchant('CLI connector shop', '--mode', 'live');
  const antom = JSON.parse(await connectorOk(...antomFlags(m.id, '--name', 'Antom main', '--json')));
  for (const k of ['id', 'type', 'merchantId', 'notifyUrl']) assert.ok(k in antom, `create prints ${k}`);
  assert.equal(antom.type, 'antom');
  assert.equal(antom.merchantId, m.id);
  assert.equal(antom.name, 'Antom main');
  assert.equal(antom.notifyUrl, `${h.baseUrl}/connectors/${antom.id}/notify`);
  assert.equal(antom.settings.clientId, 'LIVE_CLI_CLIENT');
  const stored = await h.deps.core.db.query<{ secret_enc: string }>('SELECT secret_enc FROM connector_accounts WHERE id = $1', [antom.id]);
  assert.equal(h.deps.merchants.box.open(stored.rows[0].secret_enc).trim(), kasirKey.privateKey.trim(), 'the key file was sent, and sealed');

  const human = await connectorOk('connector', 'create', '--merchant', m.id, '--type', 'nicepay', '--base-url', 'https://www.nicepay.co.id', '--imid', 'CLIIMID001', '--merchant-key', NICEPAY_KEY);
  const nicepayId = /Connector (con_\S+) \(nicepay, nicepay CLIIMID001\) created/.exec(human)?.[1];
  assert.ok(nicepayId, human);
  assert.match(human, new RegExp(`notifyUrl: ${h.baseUrl}/connectors/${nicepayId}/notify`));

  const listed = JSON.parse(await connectorOk('connector', 'list', '--merchant', m.id, '--json'));
  assert.deepEqual(listed.map((a: { id: string }) => a.id).sort(), [antom.id, nicepayId].sort());
  assert.deepEqual(listed.find((a: { id: string }) => a.id === antom.id), antom);
  assert.match(await connectorOk('connector', 'list'), new RegExp(`${nicepayId}\\s+nicepay\\s+merchant ${m.id}\\s+https://www.nicepay.co.id\\s+nicepay CLIIMID001`));
  assert.deepEqual(JSON.parse(await connectorOk('connector', 'show', antom.id, '--json')), antom);
  const shown = await connectorOk('connector', 'show', antom.id);
  assert.match(shown, /clientId\s+: LIVE_CLI_CLIENT/);
  assert.match(shown, /providerPublicKey: \(PEM, \d+ characters\)/);
  assert.match(shown, new RegExp(`notifyUrl\\s+: ${h.baseUrl}/connectors/${antom.id}/notify`));

  const deleted = JSON.parse(await connectorOk('connector', 'delete', antom.id, '--json'));
  assert.ok(deleted.deletedAt);
  assert.deepEqual(JSON.parse(await connectorOk('connector', 'list', '--merchant', m.id, '--json')).map((a: { id: string }) => a.id), [nicepayId]);
  assert.match(await connectorOk('connector', 'show', antom.id), /deleted/);
  const missing = await connectorCli('connector', 'show', 'con_doesnotexist0');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /connector con_doesnotexist0 not found/);
});

test('route set (again: a new priority), list and delete', async () => {
  const m = await createMerchant('CLI routing shop', '--mode', 'live');
  const account = JSON.parse(await connectorOk(...antomFlags(m.id, '--json')));
  const route = JSON.parse(await connectorOk('route', 'set', '--merchant', m.id, '--connector', account.id, '--method', 'wallet', '--currency', 'usd', '--priority', '5', '--json'));
  assert.deepEqual([route.merchantId, route.connectorId, route.method, route.currency, route.priority], [m.id, account.id, 'wallet', 'USD', 5]);
  const again = await connectorOk('route', 'set', '--merchant', m.id, '--connector', account.id, '--method', 'wallet', '--currency', 'USD', '--priority', '7');
  assert.match(again, new RegExp(`${route.id}\\s+merchant ${m.id}\\s+→ ${account.id}\\s+method wallet\\s+currency USD\\s+priority 7`));
  const any = JSON.parse(await connectorOk('route', 'set', '--merchant', m.id, '--connector', account.id, '--json'));
  assert.deepEqual([any.method, any.currency, any.priority], [null, null, 100]);
  const listed = JSON.parse(await connectorOk('route', 'list', '--merchant', m.id, '--json'));
  assert.deepEqual(listed.map((r: { id: string }) => r.id), [route.id, any.id]);
  assert.match(await connectorOk('route', 'list'), new RegExp(`${any.id}\\s+merchant ${m.id}\\s+→ ${account.id}\\s+method any\\s+currency any`));
  assert.match(await connectorOk('route', 'delete', route.id), new RegExp(`Route ${route.id} deleted`));
  assert.deepEqual(JSON.parse(await connectorOk('route', 'list', '--merchant', m.id, '--json')).map((r: { id: string }) => r.id), [any.id]);
  const stored = await h.deps.core.db.query('SELECT id FROM connector_routes WHERE merchant_id = $1', [m.id]);
  assert.deepEqual(stored.rows.map((r) => r.id), [any.id]);
  assert.equal((await connectorCli('route', 'delete', route.id)).code, 1, 'gone');
});

test('connector and route errors name flags, not API fields; bad command lines exit 2', async () => {
  const m = await createMerchant('CLI refusing shop', '--mode', 'live');
  const sandboxShop = await createMerchant('CLI sandbox shop');
  const other = await createMerchant('CLI other live shop', '--mode', 'live');
  const theirs = JSON.parse(await connectorOk(...antomFlags(other.id, '--json')));
  const usage: [string[], RegExp][] = [
    [['connector', 'create', '--type', 'antom'], /--merchant/],
    [['connector', 'create', '--merchant', m.id, '--type', 'stripe', '--base-url', 'https://x.example'], /--type must be one of antom, nicepay/],
    [['connector', 'create', '--merchant', m.id, '--type', 'antom'], /--base-url is required/],
    [['connector', 'create', '--merchant', m.id, '--type', 'antom', '--base-url', 'https://x.example', '--private-key-file', keyFile], /--type antom needs --client-id, --provider-public-key-file/],
    [['connector', 'create', '--merchant', m.id, '--type', 'nicepay', '--base-url', 'https://x.example', '--imid', 'CLIIMID002', '--merchant-key', NICEPAY_KEY, '--client-id', 'X'], /--client-id does not apply to --type nicepay/],
    [antomFlags(m.id).map((a) => (a === keyFile ? join(stateDir, 'no-such.pem') : a)), /--private-key-file: cannot read .*no-such\.pem: ENOENT/],
    [['route', 'set', '--merchant', m.id, '--connector', theirs.id, '--priority', 'first'], /--priority must be a whole number/],
    [['connector', 'list', '--connector', 'x'], /--connector does not apply to connector list/],
  ];
  for (const [args, message] of usage) {
    const r = await connectorCli(...args);
    assert.equal(r.code, 2, `kasir ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const refused: [string[], RegExp][] = [
    [antomFlags(m.id).map((a) => (a === keyFile ? garbageFile : a)), /--private-key-file/],
    [antomFlags(m.id).map((a) => (a === 'https://open-sea-global.alipay.com' ? 'ftp://open-sea-global.alipay.com' : a)), /--base-url/],
    [antomFlags(sandboxShop.id), /--merchant: connectors serve live merchants/],
    [['route', 'set', '--merchant', m.id, '--connector', theirs.id], /--connector: connector con_\S+ not found/],
    [['route', 'set', '--merchant', other.id, '--connector', theirs.id, '--currency', 'US'], /--currency/],
    [['route', 'set', '--merchant', other.id, '--connector', theirs.id, '--method', 'Card!'], /--method/],
    [['connector', 'list', '--merchant', '00000000-0000-7000-8000-000000000000'], /Merchant not found/],
  ];
  for (const [args, message] of refused) {
    const r = await connectorCli(...args);
    assert.equal(r.code, 1, `kasir ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\b(baseUrl|clientId|privateKey|providerPublicKey|iMid|merchantKey|connectorId)\b/, 'flags, not API fields');
  }
  const stored = await h.deps.core.db.query('SELECT id FROM connector_accounts WHERE merchant_id = ANY($1::uuid[])', [[m.id, sandboxShop.id]]);
  assert.deepEqual(stored.rows, [], 'nothing refused was stored');
});

test('no connector command printed a secret', () => {
  assert.ok(printed.length > 40);
  const secretLines = kasirKey.privateKey.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
  for (const text of printed) {
    for (const line of secretLines) assert.ok(!text.includes(line), `the private key was printed: ${text.slice(0, 300)}`);
    assert.ok(!text.includes(NICEPAY_KEY), `the NICEPAY merchant key was printed: ${text.slice(0, 300)}`);
  }
});
