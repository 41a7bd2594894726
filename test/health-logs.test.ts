// GET /readyz (database answers and every shipped migration is applied), the opt-in access log, and
// the warn line of an authentication failure in each dialect: request id, dialect and key id, never
// a secret, a signature or a query string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, nativeMerchant, signNative, startKasir } from './helpers/harness.ts';
import { antomMerchant, requestId } from './helpers/antom.ts';
import { nicepayMerchant, post, registrationRequest } from './helpers/nicepay.ts';
import type { Db } from '../src/db/db.ts';
import { notReadyReason } from '../src/http/health.ts';

const h = await startKasir({ captureLogs: true, accessLog: true });

const lines = (msg: string) => h.logs.filter((l) => l.msg === msg);
/** The log lines written for one request (pino's reqId is Fastify's request id, echoed as x-request-id). */
const linesOf = (res: { headers: Headers }) => {
  const id = res.headers.get('x-request-id');
  assert.ok(id);
  return h.logs.filter((l) => l.reqId === id);
};
// pino writes from the request's own hooks; onResponse may still be running when fetch resolves.
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('/readyz is 200 when the database answers and every migration is applied; /health stays', async () => {
  const ready = await fetch(h.baseUrl + '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
  const health = await fetch(h.baseUrl + '/health');
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
});

test('/readyz is 503 naming the migration missing from schema_migrations', async () => {
  const db = h.deps.core.db;
  const { rows } = await db.query<{ name: string; applied_at: Date }>('SELECT name, applied_at FROM schema_migrations ORDER BY name DESC LIMIT 1');
  const last = rows[0];
  await db.query('DELETE FROM schema_migrations WHERE name = $1', [last.name]);
  try {
    const res = await fetch(h.baseUrl + '/readyz');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'not_ready', reason: `migrations pending: ${last.name.replace(/\.sql$/, '')}` });
    // Liveness is not readiness: the process and its database are fine.
    assert.equal((await fetch(h.baseUrl + '/health')).status, 200);
  } finally {
    await db.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [last.name, last.applied_at]);
  }
  assert.equal((await fetch(h.baseUrl + '/readyz')).status, 200);
});

test('/readyz says the database is unavailable when it does not answer', async () => {
  const down = async () => {
    throw new Error('connection refused');
  };
  assert.equal(await notReadyReason({ kind: 'postgres', query: down, tx: down, close: async () => {} } as Db), 'database unavailable');
  assert.equal(await notReadyReason(h.deps.core.db), null);
});

test('the access log has one line per request: route pattern, status, duration, request id, dialect — no query string', async () => {
  const m = await nativeMerchant(h);
  // Refused (an unknown query field), answered and logged all the same.
  const res = await m.request('GET', '/api/v1/payments?limit=1&note=query_secret_42');
  assert.equal(res.status, 400, res.text);
  await settle();
  const mine = linesOf(res).filter((l) => l.msg === 'request');
  assert.equal(mine.length, 1);
  const line = mine[0];
  assert.equal(line.level, 30);
  assert.equal(line.method, 'GET');
  assert.equal(line.route, '/api/v1/payments');
  assert.equal(line.status, 400);
  assert.equal(line.dialect, 'native');
  assert.equal(line.operation, 'list');
  assert.equal(typeof line.durationMs, 'number');
  assert.ok((line.durationMs as number) >= 0);
  // A NICEPAY browser request carries its merchantToken in the query string.
  const page = await fetch(`${h.baseUrl}/nicepay/direct/v2/payment?tXid=IONPAYTEST&merchantToken=token_in_query_77`);
  await page.text();
  await settle();
  const pageLine = linesOf(page).find((l) => l.msg === 'request');
  assert.equal(pageLine?.route, '/nicepay/direct/v2/payment');
  assert.equal(pageLine?.dialect, 'nicepay');
  const all = JSON.stringify(h.logs);
  for (const secret of ['query_secret_42', 'token_in_query_77', m.apiSecret]) assert.ok(!all.includes(secret), `log mentions ${secret}`);
});

test('without KASIR_ACCESS_LOG no request lines are written', async () => {
  const quiet = await startKasir({ captureLogs: true });
  assert.equal((await fetch(quiet.baseUrl + '/health')).status, 200);
  await settle();
  assert.deepEqual(quiet.logs.filter((l) => l.msg === 'request'), []);
  assert.ok(quiet.logs.length > 0, 'logs are captured (the listening line)');
});

test('a native authentication failure is logged at warn with the API key id, not the secret or signature', async () => {
  const m = await nativeMerchant(h);
  const ts = String(h.clock.now().getTime());
  const signature = signNative('not-the-secret', ts, '');
  const res = await fetch(h.baseUrl + '/api/v1/payments', { headers: { 'X-API-Key': m.apiKey, 'X-Timestamp': ts, 'X-Signature': signature } });
  assert.equal(res.status, 401);
  await settle();
  const warn = linesOf(res).filter((l) => l.msg === 'authentication failed');
  assert.equal(warn.length, 1);
  assert.equal(warn[0].level, 40);
  assert.equal(warn[0].dialect, 'native');
  assert.equal(warn[0].keyId, m.apiKey);
  assert.equal(warn[0].code, 'UNAUTHENTICATED');
  const text = JSON.stringify(linesOf(res));
  assert.ok(!text.includes(signature.slice(7)), 'signature logged');
  assert.ok(!text.includes(m.apiSecret), 'secret logged');
});

test('an Antom signature failure is logged with the client-id, not the signature', async () => {
  const a = await antomMerchant(h);
  const signature = 'algorithm=RSA256,keyVersion=1,signature=' + encodeURIComponent(Buffer.alloc(256, 7).toString('base64'));
  const res = await a.call('pay', { paymentRequestId: requestId() }, { signature });
  assert.equal(res.body.result.resultCode, 'INVALID_SIGNATURE', res.text);
  await settle();
  const warn = linesOf(res).filter((l) => l.msg === 'authentication failed');
  assert.equal(warn.length, 1);
  assert.equal(warn[0].dialect, 'antom');
  assert.equal(warn[0].keyId, a.clientId);
  assert.equal(warn[0].code, 'BAD_SIGNATURE');
  assert.ok(!JSON.stringify(h.logs).includes(Buffer.alloc(256, 7).toString('base64').slice(0, 40)), 'signature logged');
  // An unknown client-id is a failure too, with the id it claimed.
  const stranger = await a.call('pay', {}, { clientId: 'SANDBOX_nobody_known' });
  assert.equal(stranger.body.result.resultCode, 'INVALID_CLIENT', stranger.text);
  await settle();
  assert.equal(linesOf(stranger).find((l) => l.msg === 'authentication failed')?.keyId, 'SANDBOX_nobody_known');
});

test('a NICEPAY merchantToken failure is logged with the iMid, not the token or merchantKey', async () => {
  const n = await nicepayMerchant(h);
  const bad = registrationRequest(h, n, '02', { merchantToken: 'f'.repeat(64) });
  const res = await post(h, '/nicepay/direct/v2/registration', bad);
  assert.equal(res.body.resultCd, '9010', res.text);
  await settle();
  const warn = linesOf(res).filter((l) => l.msg === 'authentication failed');
  assert.equal(warn.length, 1);
  assert.equal(warn[0].dialect, 'nicepay');
  assert.equal(warn[0].keyId, n.iMid);
  assert.equal(warn[0].code, 'BAD_SIGNATURE');
  const unknown = await post(h, '/nicepay/direct/v2/registration', registrationRequest(h, { ...n, iMid: 'NOSUCHMID1' }, '02'));
  assert.equal(unknown.body.resultCd, '9011', unknown.text);
  await settle();
  assert.equal(linesOf(unknown).find((l) => l.msg === 'authentication failed')?.keyId, 'NOSUCHMID1');
  const all = JSON.stringify(h.logs);
  assert.ok(!all.includes('f'.repeat(64)), 'token logged');
  assert.ok(!all.includes(n.merchantKey), 'merchantKey logged');
});

test('an admin token failure is logged without the token; successful requests log no warning', async () => {
  const res = await fetch(h.baseUrl + '/admin/v1/merchants', { headers: { authorization: 'Bearer wrong-admin-token-123' } });
  assert.equal(res.status, 401);
  await settle();
  assert.equal(linesOf(res).find((l) => l.msg === 'authentication failed')?.dialect, 'admin');
  assert.ok(!JSON.stringify(h.logs).includes('wrong-admin-token-123'));
  const before = lines('authentication failed').length;
  assert.equal((await admin(h, 'GET', '/merchants')).status, 200);
  await settle();
  assert.equal(lines('authentication failed').length, before);
  assert.ok(!JSON.stringify(h.logs).includes(h.adminToken), 'admin token logged');
});
