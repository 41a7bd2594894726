// Every route of the application, enumerated from its own route table (helpers/route-table.ts), is
// either attacked with the authentication matrix of its dialect or classified public with a reason;
// a route nobody classified fails the first test, so a new route cannot silently skip the suite.
// Each refusal must be the dialect's own answer and change nothing stored (helpers/db-fingerprint.ts);
// the genuine request sent afterwards (the control) must then work, and its replay must not. Then a
// second merchant names the first one's payments by every id kind: it must get the answer an unknown
// payment gets, and change nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PREFIXES, verifyResponse } from './helpers/antom.ts';
import { adminAttacks, expectUnauthorized, nativeAttacks, runAttacks, signed, type NativeKeys } from './helpers/attacks-native.ts';
import { antomAttacks, antomSigned, expectAntomResult, signerOf } from './helpers/attacks-antom.ts';
import { nicepayAttacks, nicepayRequest } from './helpers/attacks-nicepay.ts';
import { assertUnchanged, fingerprint } from './helpers/db-fingerprint.ts';
import { createPayment } from './helpers/native.ts';
import { party } from './helpers/parties.ts';
import { routeKey, startKasirWithRoutes } from './helpers/route-table.ts';
import { adminTargets, ANTOM_OPS, liveFixtures, nativeTargets, nicepayTargets, notifyTargets } from './helpers/security-targets.ts';
import { NOTIFY_PATH } from '../src/http/connector-notify.ts';
import { crossMerchantChecks } from './helpers/cross-merchant.ts';
import { send, type Reply, type Sent } from './helpers/wire.ts';
import { parsePublicKey } from '../src/dialects/antom/signature.ts';

const { h, routes } = await startKasirWithRoutes();
const db = h.deps.core.db;
const [A, B, C] = [await party(h, 'A'), await party(h, 'B'), await party(h, 'C')];
// A live merchant whose connector accounts are A's Antom and NICEPAY credentials at this same Kasir.
const live = await liveFixtures(h, A);
const keysOf = (p: typeof A): NativeKeys => ({ apiKey: p.native.apiKey, apiSecret: p.native.apiSecret });
const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const figures = { routes: 0, attacks: { native: 0, admin: 0, antom: 0, nicepay: 0, notify: 0, public: 0 }, replaysTried: 0, replaysRefused: 0, crossMerchant: 0 };
after(() => console.log(`security-routes figures: ${JSON.stringify(figures)}`));

type Auth = 'native-hmac' | 'admin-bearer' | 'antom-rsa' | 'nicepay-token' | 'provider-notification' | 'dashboard-session' | 'public';
interface Classified {
  auth: Auth;
  /** Why a public route needs no credentials. */
  reason?: string;
}
const native: Classified = { auth: 'native-hmac' };
const adminApi: Classified = { auth: 'admin-bearer' };
const antom: Classified = { auth: 'antom-rsa' };
const nicepay: Classified = { auth: 'nicepay-token' };
const HEALTH = 'liveness probe for load balancers: answers {status} only, reads and writes nothing of anyone';
const CHECKOUT = "the buyer's hosted page: the link the merchant hands the buyer is the capability, the buyer has no credentials";
const READY = 'readiness probe: answers whether the database answers and every migration is applied, nothing of anyone';
const METRICS = 'Prometheus scrape: counts and latencies by route pattern and kind, no ids; KASIR_METRICS_TOKEN guards it when set (unset here)';
const API_DOC = 'the description of the native API (OpenAPI document and its page): static, no merchant data';
const STYLE = 'a static stylesheet';
const LOGIN = "the dashboard's login page: the admin token is what it asks for; the form carries its own CSRF token";
const dashboard: Classified = { auth: 'dashboard-session' };
/** The dashboard's routes behind its session (everything under /dashboard but the login and its stylesheet). */
const DASHBOARD_ROUTES = [
  'GET /dashboard', 'GET /dashboard/connectors', 'GET /dashboard/merchants', 'GET /dashboard/merchants/:id', 'GET /dashboard/payments', 'GET /dashboard/payments/:id',
  'POST /dashboard/connectors/:id/delete', 'POST /dashboard/logout', 'POST /dashboard/merchants', 'POST /dashboard/merchants/:id/activate',
  'POST /dashboard/merchants/:id/connectors', 'POST /dashboard/merchants/:id/keys/native/rotate', 'POST /dashboard/merchants/:id/payouts',
  'POST /dashboard/merchants/:id/routes', 'POST /dashboard/merchants/:id/suspend', 'POST /dashboard/payments/:id/cancel', 'POST /dashboard/payments/:id/capture',
  'POST /dashboard/payments/:id/deliveries/:deliveryId/redeliver', 'POST /dashboard/payments/:id/refund', 'POST /dashboard/routes/:id/delete',
];
const withHead = (keys: string[]) => keys.flatMap((k) => (k.startsWith('GET ') ? [k, `HEAD ${k.slice(4)}`] : [k]));

/**
 * Every route of the application and how it authenticates: THE list this suite holds the app to. A
 * native, admin or NICEPAY route is classified by its entry in helpers/security-targets.ts (the
 * request it is attacked with), so a route cannot be classified without being attacked.
 */
const CLASSIFICATION: Record<string, Classified> = {
  'GET /health': { auth: 'public', reason: HEALTH },
  'HEAD /health': { auth: 'public', reason: HEALTH },
  'GET /sandbox/checkout/:id': { auth: 'public', reason: CHECKOUT },
  'HEAD /sandbox/checkout/:id': { auth: 'public', reason: CHECKOUT },
  'POST /sandbox/checkout/:id': { auth: 'public', reason: CHECKOUT },
  ...Object.fromEntries(withHead(['GET /readyz']).map((k) => [k, { auth: 'public', reason: READY }])),
  ...Object.fromEntries(withHead(['GET /metrics']).map((k) => [k, { auth: 'public', reason: METRICS }])),
  ...Object.fromEntries(withHead(['GET /docs', 'GET /api/v1/openapi.json']).map((k) => [k, { auth: 'public', reason: API_DOC }])),
  ...Object.fromEntries(withHead(['GET /assets/checkout.css', 'GET /dashboard/assets/dashboard.css']).map((k) => [k, { auth: 'public', reason: STYLE }])),
  ...Object.fromEntries(withHead(['GET /dashboard/login']).concat('POST /dashboard/login').map((k) => [k, { auth: 'public', reason: LOGIN }])),
  ...Object.fromEntries(withHead(DASHBOARD_ROUTES).map((k) => [k, dashboard])),
  ...Object.fromEntries(Object.keys(nativeTargets(h)).map((k) => [k, native])),
  ...Object.fromEntries(Object.keys(adminTargets({ merchantId: '', paymentId: '' })).map((k) => [k, adminApi])),
  ...Object.fromEntries(PREFIXES.map((p) => [`POST ${p}/:op`, antom])),
  ...Object.fromEntries(Object.keys(nicepayTargets(h)).map((k) => [k, nicepay])),
  // A connector account's notifyUrl: the account's connector checks the provider's signature (Antom)
  // or merchantToken (NICEPAY) with the account's keys; an unknown account is a 404.
  [`POST ${NOTIFY_PATH}`]: { auth: 'provider-notification' },
};

/** Each plugin scope's answer to a path it does not have (404 handlers register no route). */
const NOT_FOUND: Record<string, { reason: string; check(r: Reply, path: string): void }> = {
  '': { reason: "Fastify's own 404: no handler runs", check: (r) => assert.equal(r.status, 404, r.text) },
  '/admin/v1': { reason: 'envelope 404, before the token is read', check: (r) => assert.deepEqual([r.status, r.body?.error?.code], [404, 'RESOURCE_NOT_FOUND'], r.text) },
  '/api/v1': { reason: 'envelope 404, before authentication', check: (r) => assert.deepEqual([r.status, r.body?.error?.code], [404, 'RESOURCE_NOT_FOUND'], r.text) },
  ...Object.fromEntries(PREFIXES.map((p) => [p, { reason: 'Antom NO_INTERFACE_DEF, signed', check: (r: Reply, path: string) => expectAntomResult(r, path, 'NO_INTERFACE_DEF', null) }])),
  '/nicepay': { reason: "NICEPAY's one non-200 answer: 404 with an empty resultCd", check: (r) => assert.deepEqual([r.status, r.body?.resultCd], [404, ''], r.text) },
  '/dashboard': { reason: "Fastify's own 404 inside the dashboard's scope: no handler runs", check: (r) => assert.equal(r.status, 404, r.text) },
};

test('the route table is exactly the classified set', () => {
  const enumerated = [...new Set(routes.map(routeKey))].sort();
  figures.routes = enumerated.length;
  const unclassified = enumerated.filter((k) => !(k in CLASSIFICATION));
  const gone = Object.keys(CLASSIFICATION).filter((k) => !enumerated.includes(k));
  assert.deepEqual({ unclassified, gone }, { unclassified: [], gone: [] }, 'classify every new route (and its attack target) in this file and helpers/security-targets.ts');
  for (const [k, c] of Object.entries(CLASSIFICATION)) if (c.auth === 'public') assert.ok(c.reason, `${k}: a public route needs its reason`);
  assert.deepEqual([...new Set(routes.map((r) => r.prefix))].sort(), Object.keys(NOT_FOUND).sort(), 'every plugin scope needs its 404 answer classified');
  // Antom's routes are `<prefix>/:op`: the operations behind :op are attacked one by one.
  const ops = /const OPS[^=]*=\s*\{([^}]*)\}/.exec(readFileSync(new URL('../src/dialects/antom/plugin.ts', import.meta.url), 'utf8'));
  assert.ok(ops, 'the Antom operation table (OPS in src/dialects/antom/plugin.ts) moved: update this test');
  assert.deepEqual(ops[1].split(',').map((s) => s.split(':')[0].trim()).filter(Boolean).sort(), Object.keys(ANTOM_OPS).sort());
});

const classified = (auth: Auth) => Object.keys(CLASSIFICATION).filter((k) => CLASSIFICATION[k].auth === auth);

/** Runs attacks on a target, then checks nothing changed; returns how many were refused. */
async function refusedAll(label: string, attacks: Parameters<typeof runAttacks>[1]): Promise<number> {
  const before = await fingerprint(db);
  const n = await runAttacks(h, attacks, label);
  await assertUnchanged(db, before, `${label}: refused attacks`);
  return n;
}

/** The headers of a genuine request, once accepted: what an eavesdropper would replay. */
async function capturedSignature(): Promise<Record<string, string>> {
  const s = signed(h, keysOf(A), { method: 'GET', path: '/api/v1/payments?limit=1' });
  assert.equal((await send(h, s)).status, 200);
  return s.headers!;
}

for (const key of classified('native-hmac')) {
  test(`native HMAC: ${key}`, async () => {
    const t = await nativeTargets(h)[key](A);
    figures.attacks.native += await refusedAll(key, nativeAttacks(h, keysOf(A), keysOf(B), t, await capturedSignature()));
    figures.replaysTried++, figures.replaysRefused++; // the captured signature, refused among the attacks
    const control = signed(h, keysOf(A), t);
    const ok = await send(h, control);
    assert.equal(ok.status, t.ok, `${key} genuine request: ${ok.text}`);
    const accepted = await fingerprint(db);
    figures.replaysTried++;
    expectUnauthorized(await send(h, control), t.method, /replay/i);
    figures.replaysRefused++;
    await assertUnchanged(db, accepted, `${key}: its replay`);
  });
}

test('admin bearer token: every admin route', async () => {
  const targets = adminTargets({ merchantId: C.merchantId, paymentId: (await createPayment(C.native)).id, live });
  for (const key of classified('admin-bearer')) {
    const t = await targets[key](C);
    figures.attacks.admin += await refusedAll(key, adminAttacks(h.adminToken, A.native.apiSecret, t));
    const ok = await send(h, { ...t, headers: { authorization: `Bearer ${h.adminToken}`, ...(t.body ? { 'content-type': 'application/json' } : {}) } });
    assert.equal(ok.status, t.ok, `${key} genuine request: ${ok.text}`);
  }
});

for (const [i, prefix] of PREFIXES.entries()) {
  test(`Antom RSA256: POST ${prefix}/:op, every operation`, async () => {
    const gateway = parsePublicKey(A.antom.gatewayPublicKey);
    for (const [op, build] of Object.entries(ANTOM_OPS)) {
      const { body, ok } = await build(A);
      const path = `${prefix}/${op}`;
      const raw = JSON.stringify(body);
      const elsewhere = `${PREFIXES[(i + 1) % PREFIXES.length]}/${op}`;
      figures.attacks.antom += await refusedAll(path, antomAttacks(h, A.antom, signerOf(B.antom), foreignKey, path, raw, elsewhere));
      const res = await send(h, antomSigned(h, signerOf(A.antom), path, raw));
      assert.equal(res.body?.result?.resultCode, ok, `${path} genuine request: ${res.text}`);
      assert.ok(verifyResponse(gateway, path, res), 'genuine answer signed with the gateway key');
    }
  });
}

for (const key of classified('nicepay-token')) {
  test(`NICEPAY merchantToken: ${key}`, async () => {
    const t = await nicepayTargets(h)[key](A);
    figures.attacks.nicepay += await refusedAll(key, nicepayAttacks(t, A.nicepay, B.nicepay));
    const res = await send(h, nicepayRequest(t, t.fields(A.nicepay)));
    assert.equal(res.status, 200, res.text);
    if (t.method === 'HEAD') return; // no body; Fastify's HEAD runs the GET handler without its query fields
    const code = t.html ? /<code id="resultCd">([^<]*)<\/code>/.exec(res.text)?.[1] : res.body?.resultCd;
    assert.equal(code, '0000', `${key} genuine request: ${res.text}`);
  });
}

test('connector notifications: only the provider’s own signature or token is applied; unknown accounts are 404', async () => {
  assert.deepEqual(classified('provider-notification'), [`POST ${NOTIFY_PATH}`]);
  const before = await fingerprint(db);
  for (const path of ['/connectors/con_doesnotexist00/notify', '/connectors/not-an-account/notify', '/connectors/con_%00/notify']) {
    const r = await send(h, { method: 'POST', path, body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 404, `${path}: ${r.text}`);
    figures.attacks.notify++;
  }
  await assertUnchanged(db, before, 'notifications to unknown accounts');
  for (const t of await notifyTargets(live, A, B)) {
    figures.attacks.notify += await refusedAll(t.name, t.attacks);
    const { rows: [waiting] } = await db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [t.paymentId]);
    assert.equal(waiting.status, 'requires_action', `${t.name}: no forgery moved the payment`);
    t.acknowledged(await send(h, t.genuine));
    const { rows: [paid] } = await db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [t.paymentId]);
    assert.equal(paid.status, 'succeeded', `${t.name}: the provider's own notification is applied`);
    // Providers resend until acknowledged: the same notification again is acknowledged and changes nothing.
    const applied = await fingerprint(db);
    t.acknowledged(await send(h, t.genuine));
    await assertUnchanged(db, applied, `${t.name}: its resend`);
  }
});

test('dashboard session: every dashboard route without a session sends to the login (GET) or is refused (POST); nothing changes', async () => {
  const keys = classified('dashboard-session');
  assert.deepEqual(keys.sort(), withHead(DASHBOARD_ROUTES).sort());
  const before = await fingerprint(db);
  const forged = 'kasir_dashboard=forged-session-value';
  for (const key of keys) {
    const [method, pattern] = key.split(' ');
    const path = pattern.replace(':deliveryId', randomUUID()).replace(':id', randomUUID());
    for (const cookie of [undefined, forged]) {
      const r = await send(h, {
        method, path, body: method === 'POST' ? 'csrf=forged&amount=1.00' : undefined,
        headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      figures.attacks.public++;
      if (method === 'POST') assert.equal(r.status, 403, `${key}: ${r.text}`);
      // The dashboard's root goes to its payments page first, which sends to the login like every page.
      else assert.deepEqual([r.status, r.headers.get('location')], [303, pattern === '/dashboard' ? '/dashboard/payments' : '/dashboard/login'], `${key}: ${r.text}`);
    }
  }
  await assertUnchanged(db, before, 'dashboard without a session');
});

test('public routes: no credentials needed, unknown payments are 404, nothing changes', async () => {
  const probes: Record<string, Sent[]> = {
    'GET /health': [{ method: 'GET', path: '/health' }],
    'HEAD /health': [{ method: 'HEAD', path: '/health' }],
    'GET /sandbox/checkout/:id': [{ method: 'GET', path: `/sandbox/checkout/${randomUUID()}` }, { method: 'GET', path: '/sandbox/checkout/not-a-uuid' }],
    'HEAD /sandbox/checkout/:id': [{ method: 'HEAD', path: `/sandbox/checkout/${randomUUID()}` }],
    'POST /sandbox/checkout/:id': [{ method: 'POST', path: `/sandbox/checkout/${randomUUID()}`, body: 'outcome=succeeded', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ...Object.fromEntries(withHead(['GET /readyz', 'GET /metrics', 'GET /docs', 'GET /api/v1/openapi.json', 'GET /assets/checkout.css', 'GET /dashboard/assets/dashboard.css', 'GET /dashboard/login'])
      .map((k) => [k, [{ method: k.split(' ')[0], path: k.split(' ')[1] }]])),
    // A login without the admin token (and without the form's token) is refused, no session is made.
    'POST /dashboard/login': [{ method: 'POST', path: '/dashboard/login', body: 'token=wrong', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  };
  const expected = (key: string) => (key.endsWith('/health') || !key.includes(':id') ? (key === 'POST /dashboard/login' ? 403 : 200) : 404);
  assert.deepEqual(Object.keys(probes).sort(), classified('public').sort(), 'every public route needs its probe');
  const before = await fingerprint(db);
  for (const [key, sent] of Object.entries(probes)) {
    for (const s of sent) {
      const r = await send(h, s);
      figures.attacks.public++;
      assert.equal(r.status, expected(key), `${key}: ${r.text}`);
    }
  }
  for (const [prefix, { check }] of Object.entries(NOT_FOUND)) {
    for (const method of ['GET', 'POST']) {
      const path = `${prefix}/no/such/route`;
      check(await send(h, { method, path, body: method === 'POST' ? '{}' : undefined, headers: { 'content-type': 'application/json' } }), path);
      figures.attacks.public++;
    }
  }
  await assertUnchanged(db, before, 'public probes');
});

test('cross-merchant: B naming A’s payments by every id kind gets the unknown-payment answer, nothing changes', async (t) => {
  for (const check of crossMerchantChecks(h, A, B)) {
    await t.test(check.name, async () => {
      await check.run();
      figures.crossMerchant++;
    });
  }
});
