// Kasir killed (SIGKILL) in the middle of a call to an upstream provider: the provider has acted, Kasir
// never heard the answer, and the process is gone. After the restart, the same request again (or the
// reconciler) finds what the provider holds: one upstream payment, never a second; a cancel that
// reached the provider ends canceled on both sides. This Kasir runs as its own process (so the kill
// is real); the provider is a Kasir in test mode behind a proxy that holds its answers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, startKasir as startProcess } from './chaos/kasir.ts';
import { remote } from './chaos/clients.ts';
import { seededDataDir } from './helpers/child-start.ts';
import { startFaultProxy } from './helpers/fault-proxy.ts';
import { nativeClientFor } from './helpers/harness.ts';
import { cancel, create, get } from './helpers/native.ts';
import { startProvider } from './helpers/upstream-antom.ts';

const provider = await startProvider();
const toUp = await startFaultProxy(provider.up.baseUrl);
const pg = process.env.DATABASE_URL ? await createDatabase() : null;
// A copy of a migrated data directory: the subject is the kill, not the database's first start.
const dataDir = pg ? null : await seededDataDir(mkdtempSync(join(tmpdir(), 'kasir-crash-')));
const kasir = await startProcess(pg?.url ?? null, {
  ...(dataDir ? { KASIR_DATA_DIR: dataDir } : {}),
  KASIR_CONNECTOR_TIMEOUT_MS: '600',
  KASIR_UPSTREAM_POLL_MS: '3600000',
});
after(async () => {
  await kasir.stop();
  await toUp.close();
  if (pg) await pg.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function adminCall(method: string, path: string, body?: unknown) {
  const res = await fetch(`${kasir.baseUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${kasir.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  assert.ok(res.status < 300, JSON.stringify(json));
  return json.data;
}

const shop = await adminCall('POST', '/merchants', { name: 'Live shop', mode: 'live' });
const account = await adminCall('POST', `/merchants/${shop.id}/connectors`, {
  type: 'antom', baseUrl: toUp.url, clientId: provider.clientId, privateKey: provider.privateKeyPkcs8, providerPublicKey: provider.gatewayPublicKey,
});
await adminCall('POST', `/merchants/${shop.id}/routes`, { connectorId: account.id });
const native = nativeClientFor(remote(kasir.baseUrl), shop.id, shop.native.apiKey, shop.native.apiSecret);

/** The provider's payments made for this order (by the description Kasir sends as orderDescription). */
async function upstreamPayments(description: string): Promise<{ status: string; antom_payment_request_id: string }[]> {
  const { rows } = await provider.up.deps.core.db.query<{ status: string; antom_payment_request_id: string }>(
    `SELECT status, antom_payment_request_id FROM payments WHERE description = $1`,
    [description],
  );
  return rows;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe().catch(() => null);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('killed after the provider created the payment, before Kasir heard: the retry finds it — one upstream payment', async () => {
  const description = `crash pay ${Date.now()}`;
  const body = { amount: '40.00', currency: 'USD', paymentMethod: 'wallet', confirm: true, description };
  const key = `crash-${Date.now()}`;
  toUp.arm(/\/payments\/pay$/, { kind: 'hold' });
  const dying = create(native, body, { 'Idempotency-Key': key }).catch((err: Error) => err);
  await until('the provider to create it', async () => (await upstreamPayments(description)).length === 1);
  await kasir.killAndRestart();
  assert.ok((await dying) instanceof Error, 'the first request died with the process');
  await toUp.release();
  const answer = await until('a final answer', async () => {
    const r = await create(native, body, { 'Idempotency-Key': key });
    return r.status === 201 || r.status === 202 ? r : null;
  });
  const id = answer.body.data.id;
  const settled = await until('requires_action', async () => {
    const p = (await get(native, id)).body.data;
    return p.status === 'requires_action' ? p : null;
  });
  assert.ok(settled.nextAction.url.startsWith(provider.up.baseUrl), 'the buyer is sent to the page of the payment that exists');
  const made = await upstreamPayments(description);
  assert.equal(made.length, 1, 'one upstream payment, never a second');
  assert.equal(made[0].status, 'requires_action');
  const c = await cancel(native, id, {});
  assert.equal(c.status, 200, c.text);
  assert.equal(c.body.data.status, 'canceled');
  assert.equal((await upstreamPayments(description))[0].status, 'canceled');
});

test('killed after the provider canceled, before Kasir recorded it: reconciled to canceled on both sides', async () => {
  const description = `crash cancel ${Date.now()}`;
  const made = await create(native, { amount: '41.00', currency: 'USD', paymentMethod: 'wallet', confirm: true, description });
  assert.equal(made.status, 201, made.text);
  const id = made.body.data.id;
  toUp.arm(/\/payments\/cancel$/, { kind: 'hold' });
  const dying = cancel(native, id, {}).catch((err: Error) => err);
  await until('the provider to cancel', async () => (await upstreamPayments(description))[0]?.status === 'canceled');
  await kasir.killAndRestart();
  assert.ok((await dying) instanceof Error);
  await toUp.release();
  // Nobody retries: the restarted process's reconciler finds the cancel's claim lapsed and asks.
  const after = await until('canceled', async () => {
    const p = (await get(native, id)).body.data;
    return p.status === 'canceled' ? p : null;
  });
  assert.equal(after.status, 'canceled');
  const { body } = await get(native, id);
  assert.equal(body.data.status, 'canceled');
});
