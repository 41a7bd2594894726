// `kasir payments …`, `kasir trigger` and `kasir listen` against a running Kasir. Most commands run
// in this process through the CLI's own `run` (same code as the binary, without a ~1 s spawn each);
// `listen` runs as a child process, since it lives until a signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli.ts';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { standardWebhookSignature } from '../src/dialects/native/notify.ts';
import { COMPILE_CACHE_ENV } from './helpers/child-start.ts';
import { admin, nativeMerchant, startKasir, type NativeClient } from './helpers/harness.ts';
import { CARDS, cardPayment, createPayment, reach } from './helpers/native.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const h = await startKasir();
const stateDir = mkdtempSync(join(tmpdir(), 'kasir-cli-payments-'));
process.on('exit', () => rmSync(stateDir, { recursive: true, force: true }));
const ENV = { KASIR_STATE_DIR: stateDir };

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `kasir …` command line, in process, against the harness. */
async function kasir(...args: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run([...args, '--url', h.baseUrl, '--token', h.adminToken], ENV, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
async function ok(...args: string[]): Promise<string> {
  const r = await kasir(...args);
  assert.equal(r.code, 0, `kasir ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r.stdout;
}
const json = async (...args: string[]) => JSON.parse(await ok(...args, '--json'));
async function refused(code: 1 | 2, message: RegExp, ...args: string[]): Promise<string> {
  const r = await kasir(...args);
  assert.equal(r.code, code, `kasir ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  return r.stderr;
}

const keyFlags = (m: NativeClient) => ['--merchant', m.merchantId, '--api-key', m.apiKey, '--api-secret', m.apiSecret];

// ---- payments (admin API /admin/v1/payments) ----

test('payments list: filters, search by reference, and pages that add up to the whole list', async () => {
  const m = await nativeMerchant(h, 'CLI payments shop');
  const other = await nativeMerchant(h, 'CLI other shop');
  const succeeded = [await reach(h, m, 'succeeded'), await reach(h, m, 'succeeded', { referenceId: 'order-cli-42' })];
  const failed = await reach(h, m, 'payment_failed');
  const pending = await createPayment(m, { currency: 'USD', amount: '3.00' });
  await reach(h, other, 'succeeded');
  const mine = [...succeeded, failed, pending].map((p) => p.id).sort();

  const all = await json('payments', 'list', '--merchant', m.merchantId);
  assert.deepEqual(all.data.map((p: { id: string }) => p.id).sort(), mine);
  for (const p of all.data) for (const k of ['id', 'merchantId', 'status', 'dialect', 'processor', 'amount', 'currency', 'amountRefunded', 'createdAt']) assert.ok(k in p, `payment has ${k}`);
  assert.ok(all.data.every((p: { merchantId: string }) => p.merchantId === m.merchantId));

  const done = await json('payments', 'list', '--merchant', m.merchantId, '--status', 'succeeded', '--dialect', 'native');
  assert.deepEqual(done.data.map((p: { id: string }) => p.id).sort(), succeeded.map((p) => p.id).sort());
  const found = await json('payments', 'list', '--search', 'order-cli-42');
  assert.deepEqual(found.data.map((p: { id: string }) => p.id), [succeeded[1].id]);

  // Pages of 2 via the printed cursor: every payment once, nothing else.
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 5; page++) {
    const d: { data: { id: string }[]; nextCursor: string | null } = await json('payments', 'list', '--merchant', m.merchantId, '--limit', '2', ...(cursor ? ['--cursor', cursor] : []));
    assert.ok(d.data.length <= 2);
    seen.push(...d.data.map((p) => p.id));
    cursor = d.nextCursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen.slice().sort(), mine);
  assert.equal(new Set(seen).size, seen.length, 'no payment on two pages');

  const human = await ok('payments', 'list', '--merchant', m.merchantId, '--limit', '2');
  assert.match(human, new RegExp(`More: add --cursor \\S+`));
  assert.equal(human.split('\n').filter((l) => l.includes(`merchant ${m.merchantId}`)).length, 2);
  const pendingLine = (await ok('payments', 'list', '--merchant', m.merchantId, '--status', 'requires_payment_method')).split('\n')[0];
  assert.match(pendingLine, new RegExp(`^${pending.id}\\s+requires_payment_method\\s+native\\s+3\\.00 USD`));
  const future = await json('payments', 'list', '--merchant', m.merchantId, '--from', '2999-01-01');
  assert.deepEqual(future.data, []);
});

test('payments show: the payment with its timeline, operations, deliveries and ledger', async () => {
  const m = await nativeMerchant(h, 'CLI show shop');
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '12.00', description: 'cli show' });
  const shown = await json('payments', 'show', p.id);
  assert.equal(shown.id, p.id);
  assert.equal(shown.status, 'succeeded');
  assert.equal(shown.amount, '12.00');
  for (const k of ['timeline', 'operations', 'deliveries', 'ledger']) assert.ok(k in shown, `show has ${k}`);
  const human = await ok('payments', 'show', p.id);
  assert.match(human, new RegExp(`^${p.id}  succeeded`));
  assert.match(human, /amount\s+: 12\.00 USD\s+received 12\.00/);
  assert.match(human, /description : cli show/);
  assert.match(human, /timeline \([1-9]\d*\):/);
  await refused(1, /not found/i, 'payments', 'show', '00000000-0000-7000-8000-000000000000');
});

test('payments capture, refund and cancel change the payment; refusals name flags', async () => {
  const m = await nativeMerchant(h, 'CLI operator shop');
  const authorized = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '20.00', captureMethod: 'manual' });
  const captured = await json('payments', 'capture', authorized.id);
  assert.equal(captured.status, 'succeeded');
  assert.equal(captured.amountReceived, '20.00');

  const refundedOut = await ok('payments', 'refund', authorized.id, '--amount', '5.00', '--reason', 'requested_by_customer');
  assert.match(refundedOut, new RegExp(`^${authorized.id}\\s+succeeded`));
  assert.match(refundedOut, /refunded 5\.00/);
  const after = await admin(h, 'GET', `/payments/${authorized.id}`);
  assert.equal(after.body.data.amountRefunded, '5.00', 'the refund is stored');

  // The API's refusals on its field `amount` name the flag.
  await refused(1, /^kasir: --amount: The refund amount exceeds what is left to refund \[[A-Z_]+\]$/, 'payments', 'refund', authorized.id, '--amount', '500.00');
  const cents = await refused(1, /^kasir: --amount: /, 'payments', 'refund', authorized.id, '--amount', '1.234');
  assert.doesNotMatch(cents, /^kasir: amount/);

  const open = await createPayment(m, { currency: 'USD', amount: '8.00' });
  const canceled = await json('payments', 'cancel', open.id, '--reason', 'requested_by_customer');
  assert.equal(canceled.status, 'canceled');
  await refused(1, /./, 'payments', 'capture', open.id);
  await refused(1, /./, 'payments', 'refund', open.id);

  // Usage errors never reach the server.
  await refused(2, /--amount must be a positive decimal/, 'payments', 'refund', open.id, '--amount', 'ten');
  await refused(2, /--amount must be a positive decimal/, 'payments', 'cancel', open.id, '--amount', '0');
  await refused(2, /--reason does not apply to payments capture/, 'payments', 'capture', open.id, '--reason', 'x');
  await refused(2, /--status must be one of/, 'payments', 'list', '--status', 'paid');
  await refused(2, /--dialect must be one of/, 'payments', 'list', '--dialect', 'stripe');
  await refused(2, /--from must be an ISO date/, 'payments', 'list', '--from', 'yesterday');
  await refused(2, /--limit must be a whole number/, 'payments', 'list', '--limit', '0');
  await refused(2, /payments show takes PAYMENT_ID/, 'payments', 'show');
});

// ---- trigger ----

test('trigger: every scenario reaches its status, as the CLI sandbox merchant or a given one', async () => {
  const expected: Record<string, string> = {
    'payment.succeeded': 'succeeded',
    'payment.failed': 'payment_failed',
    'payment.requires_action': 'requires_action',
    'payment.requires_capture': 'requires_capture',
    'payment.canceled': 'canceled',
    'payment.refunded': 'succeeded',
    'payment.outcome_unknown': 'processing',
  };
  let sandboxId: string | undefined;
  for (const [scenario, status] of Object.entries(expected)) {
    const r = await kasir('trigger', scenario, '--json');
    assert.equal(r.code, 0, `${scenario}: ${r.stderr}`);
    const out = JSON.parse(r.stdout);
    assert.equal(out.scenario, scenario);
    assert.equal(out.reached, true);
    assert.equal(out.payment.status, status, scenario);
    sandboxId ??= out.merchantId;
    assert.equal(out.merchantId, sandboxId, 'one sandbox merchant, created once and reused');
    const stored = await h.deps.core.db.query<{ status: string; merchant_id: string }>('SELECT status, merchant_id FROM payments WHERE id = $1', [out.payment.id]);
    assert.deepEqual(stored.rows[0], { status, merchant_id: sandboxId }, `${scenario} is stored`);
    if (scenario === 'payment.refunded') assert.equal(out.payment.amountRefunded, out.payment.amount);
  }
  const sandbox = await admin(h, 'GET', `/merchants/${sandboxId}`);
  assert.equal(sandbox.body.data.mode, 'test');

  const m = await nativeMerchant(h, 'CLI trigger shop');
  const line = await ok('trigger', 'payment.failed', ...keyFlags(m));
  const id = /^(\S+)\s+payment_failed\s+payment\.failed\s+\(merchant (\S+),/.exec(line);
  assert.ok(id, line);
  assert.equal(id[2], m.merchantId);
  assert.equal((await h.deps.core.db.query('SELECT 1 FROM payments WHERE id = $1 AND merchant_id = $2', [id[1], m.merchantId])).rows.length, 1);
});

test('trigger refuses live merchants, unknown scenarios, and keys of another merchant', async () => {
  const live = await admin(h, 'POST', '/merchants', { name: 'CLI live trigger', mode: 'live' });
  const before = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE merchant_id = $1', [live.body.data.id]);
  await refused(1, /is a live merchant; kasir trigger makes sandbox payments for test merchants only/, 'trigger', 'payment.succeeded', '--merchant', live.body.data.id);
  const afterCount = await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE merchant_id = $1', [live.body.data.id]);
  assert.deepEqual(afterCount.rows, before.rows);
  await refused(2, /unknown scenario payment\.exploded; one of payment\.succeeded/, 'trigger', 'payment.exploded');
  const a = await nativeMerchant(h, 'CLI trigger A');
  const b = await nativeMerchant(h, 'CLI trigger B');
  await refused(1, /--api-key: \S+ is not a current native key of merchant/, 'trigger', 'payment.succeeded', '--merchant', a.merchantId, '--api-key', b.apiKey, '--api-secret', b.apiSecret);
  await refused(1, /--api-key and --api-secret/, 'trigger', 'payment.succeeded', '--merchant', a.merchantId);
  await refused(2, /--api-key and --api-secret need --merchant/, 'trigger', 'payment.succeeded', '--api-key', a.apiKey, '--api-secret', a.apiSecret);
});

// ---- listen ----

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** The app `listen` forwards to: answers each delivery with the next status of `statuses`. */
async function app(statuses: number[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses[Math.min(received.length - 1, statuses.length - 1)]).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/webhooks`,
    received,
    close: () => {
      server.closeAllConnections(); // listen's keep-alive socket would hold close() open
      return new Promise((r) => server.close(r));
    },
  };
}

test('listen forwards each delivery unchanged, prints it, answers Kasir with the app status, and removes its endpoint on SIGTERM', async () => {
  const m = await nativeMerchant(h, 'CLI listen shop');
  const target = await app([500, 204]);
  const child = spawn(process.execPath, ['src/cli.ts', 'listen', '--forward-to', target.url, '--events', 'payment.succeeded', ...keyFlags(m), '--url', h.baseUrl, '--token', h.adminToken], {
    cwd: ROOT,
    env: { ...process.env, ...COMPILE_CACHE_ENV, KASIR_STATE_DIR: stateDir },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = async (what: () => boolean, label: string) => {
    for (let i = 0; i < 300 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(what(), `${label}; stdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  try {
    // Two lines written one after the other may reach the pipe in two reads: wait for the second.
    await until(() => /webhook signing secret whsec_\S+\n/.test(stdout), 'listen is ready');
    assert.match(stdout, /Ready: /);
    const secret = /webhook signing secret (whsec_\S+)/.exec(stdout)?.[1];
    assert.ok(secret, stdout);
    const endpoints = await m.request('GET', '/api/v1/webhook-endpoints');
    assert.equal(endpoints.body.data.data.length, 1, 'one temporary endpoint');
    assert.deepEqual(endpoints.body.data.data[0].events, ['payment.succeeded']);

    const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '9.00' });
    assert.equal(await deliverDue(h.deps.delivery), 0, 'the app answered 500, so Kasir was told 500');
    await until(() => stdout.includes('→ 500'), 'the failed forward is printed');
    h.clock.advance(5_000);
    assert.equal(await deliverDue(h.deps.delivery), 1, 'the retry: the app answered 204');
    await until(() => stdout.includes('→ 204'), 'the acknowledged forward is printed');

    assert.equal(target.received.length, 2);
    const got = target.received[1];
    const body = JSON.parse(got.body);
    assert.equal(body.type, 'payment.succeeded');
    assert.equal(body.data.id, p.id);
    const expected = standardWebhookSignature(secret, String(got.headers['webhook-id']), String(got.headers['webhook-timestamp']), got.body);
    assert.equal(got.headers['webhook-signature'], expected, 'body and signature headers arrive unchanged: the printed secret verifies them');
    assert.match(stdout, new RegExp(`payment\\.succeeded  ${p.id}  → 500 ${target.url}`));
    assert.match(stdout, new RegExp(`payment\\.succeeded  ${p.id}  → 204 ${target.url}`));

    // The app is down: Kasir is told 502 (and will retry), the line says why.
    await target.close();
    const q = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '4.00' });
    assert.equal(await deliverDue(h.deps.delivery), 0);
    await until(() => stdout.includes(`${q.id}  → 502`), 'the unreachable app is printed');
    assert.match(stdout, new RegExp(`payment\\.succeeded  ${q.id}  → 502 ${target.url}  \\(ECONNREFUSED\\)`));
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    await target.close();
  }
  assert.match(stdout, /Stopped: endpoint we_\S+ removed/);
  assert.deepEqual((await m.request('GET', '/api/v1/webhook-endpoints')).body.data.data, [], 'the endpoint is gone');
});
