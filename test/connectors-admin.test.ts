// The admin API of live merchants' connector accounts and routes: merchants with a mode, accounts
// created (keys checked by their connector), listed, shown and deleted, routes set, listed and
// deleted. An account's secret is answered nowhere and rests nowhere in clear; a refusal stores
// nothing; one merchant's account is no route for another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { admin, startKasir } from './helpers/harness.ts';
import { columnsContaining, textColumns } from './helpers/stored-text.ts';

const h = await startKasir();
const db = h.deps.core.db;

/** Raw admin call: the exact text answered (secrets are looked for in it), status and parsed body. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${h.baseUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${h.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

/** Every answer of this file, so the last test can look for the secrets in all of them. */
const answered: string[] = [];
async function expect(status: number, method: string, path: string, body?: unknown) {
  const r = await call(method, path, body);
  answered.push(r.text);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  return r.body;
}
const refused = async (method: string, path: string, body: unknown, field: string | null, message?: RegExp) => {
  const r = await expect(400, method, path, body);
  assert.equal(r.error.code, 'VALIDATION_ERROR', JSON.stringify(r));
  if (field !== null) assert.equal(r.error.details?.field, field, JSON.stringify(r));
  if (message) assert.match(r.error.message, message);
};

const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const kasirKey = pem(); // what Kasir signs with at the provider: the secret
const providerKey = pem(); // the provider's key pair; Kasir is given its public half
const NICEPAY_KEY = 'live-merchant-key-' + 'Q'.repeat(40);
/** The lines of the private key's base64: any of them found is the secret leaking. */
const secretLines = kasirKey.privateKey.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));

const antomBody = (over: Record<string, unknown> = {}) => ({
  type: 'antom', baseUrl: 'https://open-sea-global.alipay.com/', clientId: 'LIVE_CLIENT_0001', privateKey: kasirKey.privateKey, providerPublicKey: providerKey.publicKey, ...over,
});
const nicepayBody = (over: Record<string, unknown> = {}) => ({ type: 'nicepay', baseUrl: 'https://www.nicepay.co.id', iMid: 'LIVEIMID01', merchantKey: NICEPAY_KEY, ...over });

const liveMerchant = async (name: string) => (await expect(201, 'POST', '/merchants', { name, mode: 'live' })).data;
const stored = async (table: string, merchantId: string) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE merchant_id = $1`, [merchantId])).rows[0].n);

test('merchants have a mode: test by default, live on request, shown wherever a merchant is', async () => {
  const testOne = (await expect(201, 'POST', '/merchants', { name: 'Sandbox shop' })).data;
  const live = await liveMerchant('Live shop');
  assert.equal(testOne.mode, 'test');
  assert.equal(live.mode, 'live');
  assert.match(testOne.antom.clientId, /^SANDBOX_/);
  assert.match(live.antom.clientId, /^LIVE_/, 'a live client id makes the SDKs call /ams/api');
  assert.equal((await expect(200, 'GET', `/merchants/${live.id}`)).data.mode, 'live');
  const listed = (await expect(200, 'GET', '/merchants')).data.data;
  assert.equal(listed.find((x: { id: string }) => x.id === live.id).mode, 'live');
  assert.equal(listed.find((x: { id: string }) => x.id === testOne.id).mode, 'test');
  assert.equal((await expect(200, 'POST', `/merchants/${live.id}/suspend`)).data.mode, 'live');
  assert.equal((await expect(200, 'POST', `/merchants/${live.id}/activate`)).data.mode, 'live');
  const { rows } = await db.query<{ mode: string }>('SELECT mode FROM merchants WHERE id = $1', [live.id]);
  assert.equal(rows[0].mode, 'live');
  await refused('POST', '/merchants', { name: 'Odd shop', mode: 'production' }, 'mode');
});

test('an Antom account: created with its public settings and notifyUrl, never its private key', async () => {
  const m = await liveMerchant('Antom live shop');
  const a = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, antomBody())).data;
  assert.deepEqual(Object.keys(a).sort(), ['baseUrl', 'createdAt', 'deletedAt', 'id', 'merchantId', 'name', 'notifyUrl', 'settings', 'type']);
  assert.match(a.id, /^con_/);
  assert.equal(a.type, 'antom');
  assert.equal(a.merchantId, m.id);
  assert.equal(a.name, 'antom LIVE_CLIENT_0001', 'the default name says which account it is');
  assert.equal(a.baseUrl, 'https://open-sea-global.alipay.com', 'stored without the trailing slash');
  assert.equal(a.notifyUrl, `${h.baseUrl}/connectors/${a.id}/notify`, 'under the public URL');
  assert.equal(a.deletedAt, null);
  assert.deepEqual(Object.keys(a.settings).sort(), ['clientId', 'providerPublicKey']);
  assert.equal(a.settings.clientId, 'LIVE_CLIENT_0001');
  assert.match(a.settings.providerPublicKey, /BEGIN PUBLIC KEY/);

  // Sealed at rest: the column holds a sealed box that opens to the key; no text column holds the key.
  const { rows } = await db.query<{ secret_enc: string; settings: unknown }>('SELECT secret_enc, settings FROM connector_accounts WHERE id = $1', [a.id]);
  assert.notEqual(rows[0].secret_enc, kasirKey.privateKey);
  assert.equal(h.deps.merchants.box.open(rows[0].secret_enc).replace(/\s+/g, ''), kasirKey.privateKey.replace(/\s+/g, ''));
  const columns = await textColumns(db);
  assert.ok(columns.includes('connector_accounts.secret_enc') && columns.includes('connector_accounts.settings'));
  for (const line of secretLines) assert.deepEqual(await columnsContaining(db, columns, line), [], 'the private key rests in clear');

  const named = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, antomBody({ name: 'Antom backup', clientId: 'LIVE_CLIENT_0002' }))).data;
  assert.equal(named.name, 'Antom backup');
});

test('a NICEPAY account: the iMid is a setting, the merchant key is the sealed secret', async () => {
  const m = await liveMerchant('NICEPAY live shop');
  const a = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, nicepayBody({ name: 'NICEPAY main' }))).data;
  assert.equal(a.type, 'nicepay');
  assert.equal(a.name, 'NICEPAY main');
  assert.equal(a.settings.iMid, 'LIVEIMID01');
  assert.equal(a.notifyUrl, `${h.baseUrl}/connectors/${a.id}/notify`);
  assert.ok(!JSON.stringify(a).includes(NICEPAY_KEY));
  const { rows } = await db.query<{ secret_enc: string }>('SELECT secret_enc FROM connector_accounts WHERE id = $1', [a.id]);
  assert.equal(h.deps.merchants.box.open(rows[0].secret_enc), NICEPAY_KEY);
  assert.deepEqual(await columnsContaining(db, await textColumns(db), NICEPAY_KEY), [], 'the merchant key rests in clear');
});

test('connector refusals name the field and store nothing', async () => {
  const m = await liveMerchant('Refused shop');
  const at = `/merchants/${m.id}/connectors`;
  await refused('POST', at, { ...antomBody(), type: undefined }, 'type');
  await refused('POST', at, antomBody({ type: 'stripe' }), 'type');
  await refused('POST', at, antomBody({ clientId: undefined }), 'clientId');
  await refused('POST', at, antomBody({ iMid: 'LIVEIMID01' }), 'iMid', /not a known field/);
  await refused('POST', at, nicepayBody({ merchantKey: undefined }), 'merchantKey');
  await refused('POST', at, nicepayBody({ iMid: 'SHORT' }), 'iMid');
  await refused('POST', at, antomBody({ baseUrl: 'ftp://open-sea-global.alipay.com' }), 'baseUrl');
  await refused('POST', at, antomBody({ baseUrl: 'https://user:pass@open-sea-global.alipay.com' }), 'baseUrl');
  await refused('POST', at, antomBody({ baseUrl: 'https://open-sea-global.alipay.com/?x=1' }), 'baseUrl');
  await refused('POST', at, antomBody({ baseUrl: 'https://' }), 'baseUrl');
  // Keys the connector cannot parse are refused now, not at the first payment.
  const garbage = '-----BEGIN PRIVATE KEY-----\n' + 'A'.repeat(120) + '\n-----END PRIVATE KEY-----\n';
  await refused('POST', at, antomBody({ privateKey: garbage }), 'privateKey');
  await refused('POST', at, antomBody({ providerPublicKey: kasirKey.privateKey }), 'providerPublicKey');
  assert.equal(await stored('connector_accounts', m.id), 0);

  const sandboxShop = (await expect(201, 'POST', '/merchants', { name: 'Test-mode shop' })).data;
  await refused('POST', `/merchants/${sandboxShop.id}/connectors`, antomBody(), 'mode', /connectors serve live merchants; create the merchant with mode live/);
  assert.equal(await stored('connector_accounts', sandboxShop.id), 0);

  const unknown = await expect(404, 'POST', '/merchants/00000000-0000-7000-8000-000000000000/connectors', antomBody());
  assert.equal(unknown.error.code, 'RESOURCE_NOT_FOUND');
});

test('list, show and delete: a deleted account stays readable, leaves the lists and loses its routes', async () => {
  const m = await liveMerchant('Listing shop');
  const a = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, antomBody())).data;
  const b = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, nicepayBody({ iMid: 'LIVEIMID02' }))).data;
  const other = await liveMerchant('Other listing shop');
  const c = (await expect(201, 'POST', `/merchants/${other.id}/connectors`, antomBody())).data;

  const own = (await expect(200, 'GET', `/merchants/${m.id}/connectors`)).data;
  assert.equal(own.object, 'list');
  // Accounts made in the same instant (the harness clock stands still) list in id order.
  assert.deepEqual(own.data.map((x: { id: string }) => x.id).sort(), [a.id, b.id].sort());
  assert.deepEqual(own.data.find((x: { id: string }) => x.id === a.id), a, 'listed exactly as created');
  const all = (await expect(200, 'GET', '/connectors')).data.data.map((x: { id: string }) => x.id);
  for (const id of [a.id, b.id, c.id]) assert.ok(all.includes(id));
  assert.deepEqual((await expect(200, 'GET', `/connectors/${a.id}`)).data, a);

  const route = (await expect(201, 'POST', `/merchants/${m.id}/routes`, { connectorId: a.id })).data;
  const gone = (await expect(200, 'DELETE', `/connectors/${a.id}`)).data;
  assert.equal(gone.id, a.id);
  assert.ok(gone.deletedAt, 'deletedAt is set');
  assert.deepEqual((await expect(200, 'GET', `/connectors/${a.id}`)).data, gone, 'still readable: its payments are still served');
  assert.deepEqual((await expect(200, 'GET', `/merchants/${m.id}/connectors`)).data.data.map((x: { id: string }) => x.id), [b.id]);
  assert.deepEqual((await expect(200, 'GET', `/merchants/${m.id}/routes`)).data.data, [], 'its route went with it');
  assert.equal((await db.query('SELECT 1 FROM connector_routes WHERE id = $1', [route.id])).rows.length, 0);
  assert.equal((await db.query('SELECT 1 FROM connector_accounts WHERE id = $1 AND deleted_at IS NOT NULL', [a.id])).rows.length, 1, 'the row stays');

  for (const id of ['con_doesnotexist0', 'not-a-connector', '%00']) {
    for (const method of ['GET', 'DELETE']) {
      const r = await expect(404, method, `/connectors/${id}`);
      assert.equal(r.error.code, 'RESOURCE_NOT_FOUND');
    }
  }
  assert.equal((await expect(404, 'GET', '/merchants/00000000-0000-7000-8000-000000000000/connectors')).error.code, 'RESOURCE_NOT_FOUND');
});

test('routes: set (again: a new priority), list, delete; only to the merchant’s own live accounts', async () => {
  const m = await liveMerchant('Routing shop');
  const a = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, antomBody())).data;
  const b = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, nicepayBody({ iMid: 'LIVEIMID03' }))).data;
  const at = `/merchants/${m.id}/routes`;

  const wallet = (await expect(201, 'POST', at, { connectorId: a.id, method: 'wallet', currency: 'usd', priority: 5 })).data;
  assert.deepEqual({ ...wallet, id: undefined, createdAt: undefined }, { id: undefined, createdAt: undefined, merchantId: m.id, connectorId: a.id, method: 'wallet', currency: 'USD', priority: 5 });
  assert.match(wallet.id, /^rt_/);
  const again = (await expect(201, 'POST', at, { connectorId: a.id, method: 'wallet', currency: 'USD', priority: 50 })).data;
  assert.equal(again.id, wallet.id, 'the same account, method and currency: the same route');
  assert.equal(again.priority, 50);
  const any = (await expect(201, 'POST', at, { connectorId: b.id })).data;
  assert.deepEqual([any.method, any.currency, any.priority], [null, null, 100], 'null matches any; the default priority');

  const listed = (await expect(200, 'GET', at)).data.data;
  assert.deepEqual(listed.map((r: { id: string; priority: number }) => [r.id, r.priority]), [[wallet.id, 50], [any.id, 100]], 'best first');
  const all = (await expect(200, 'GET', '/routes')).data.data.map((r: { id: string }) => r.id);
  assert.ok(all.includes(wallet.id) && all.includes(any.id));

  // Refusals: each names its field and stores nothing.
  const before = await stored('connector_routes', m.id);
  const other = await liveMerchant('Someone else');
  const theirs = (await expect(201, 'POST', `/merchants/${other.id}/connectors`, antomBody())).data;
  await refused('POST', at, { connectorId: theirs.id }, 'connectorId', /not found/);
  await refused('POST', `/merchants/${other.id}/routes`, { connectorId: a.id }, 'connectorId', /not found/);
  await refused('POST', at, { connectorId: 'con_doesnotexist0' }, 'connectorId');
  await refused('POST', at, { connectorId: a.id, method: 'Card!' }, 'method');
  await refused('POST', at, { connectorId: a.id, currency: 'US' }, 'currency');
  await refused('POST', at, { connectorId: a.id, priority: -1 }, 'priority');
  await refused('POST', at, { connectorId: a.id, weight: 3 }, 'weight');
  await refused('POST', at, {}, 'connectorId');
  const deleted = (await expect(201, 'POST', `/merchants/${m.id}/connectors`, antomBody({ clientId: 'LIVE_GONE' }))).data;
  await expect(200, 'DELETE', `/connectors/${deleted.id}`);
  await refused('POST', at, { connectorId: deleted.id }, 'connectorId', /deleted/);
  assert.equal(await stored('connector_routes', m.id), before);
  assert.equal(await stored('connector_routes', other.id), 0);
  const sandboxShop = (await expect(201, 'POST', '/merchants', { name: 'Test-mode router' })).data;
  await refused('POST', `/merchants/${sandboxShop.id}/routes`, { connectorId: a.id }, 'mode', /routes serve live merchants/);

  assert.deepEqual((await expect(200, 'DELETE', `/routes/${wallet.id}`)).data, { id: wallet.id, deleted: true });
  assert.deepEqual((await expect(200, 'GET', at)).data.data.map((r: { id: string }) => r.id), [any.id]);
  for (const id of [wallet.id, 'rt_doesnotexist', 'nonsense']) assert.equal((await expect(404, 'DELETE', `/routes/${id}`)).error.code, 'RESOURCE_NOT_FOUND');
});

test('the admin token guards the connector routes', async () => {
  const res = await fetch(`${h.baseUrl}/admin/v1/connectors`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(res.status, 401);
  assert.equal((await admin(h, 'GET', '/connectors')).status, 200);
});

test('no answer of this file carried a secret', () => {
  assert.ok(answered.length > 50);
  for (const text of answered) {
    for (const line of secretLines) assert.ok(!text.includes(line), `an answer carries the private key: ${text.slice(0, 200)}`);
    assert.ok(!text.includes(NICEPAY_KEY), `an answer carries the NICEPAY merchant key: ${text.slice(0, 200)}`);
  }
});
