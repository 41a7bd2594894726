// The per-merchant rate limit of the contract (rateLimitPerSecond), one counter for all dialects
// and all Kasir processes on the database: the native dialect answers 429 RATE_LIMITED with
// Retry-After, Antom REQUEST_TRAFFIC_EXCEED_LIMIT (U), NICEPAY 9002.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pruneGuards } from '../src/core/jobs/prune-guards.ts';
import { createMerchant } from '../src/core/merchants/merchants.ts';
import type { Queryable } from '../src/db/db.ts';
import type { KasirMerchant } from '../src/dialects/registry.ts';
import { RateLimiter } from '../src/http/rate-limit.ts';
import { admin, nativeClientFor, readResponse, signNative, startKasir, type Harness } from './helpers/harness.ts';
import { antomClientFor, expectResult } from './helpers/antom.ts';
import { expectResult as expectNicepay, post, registrationRequest } from './helpers/nicepay.ts';
import { startNode } from './helpers/second-node.ts';

const h = await startKasir();

async function limitedMerchant(name: string, perSecond: number): Promise<KasirMerchant> {
  const created = await createMerchant(h.deps.merchants, name);
  const patch = await admin(h, 'PATCH', `/merchants/${created.merchant.id}/contract`, {
    native: { rateLimitPerSecond: perSecond }, antom: { rateLimitPerSecond: perSecond }, nicepay: { rateLimitPerSecond: perSecond },
  });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  return created;
}

const native = (to: Harness, created: KasirMerchant) =>
  nativeClientFor(to, created.merchant.id, created.native.apiKey, created.native.apiSecret);

/** 250 ms into the next second: a fresh window with time left in it. */
const nextWindow = () => h.clock.set(Math.floor(h.clock.now().getTime() / 1000) * 1000 + 1250);

function limited(res: { status: number; body: any; headers: Headers; text: string }) {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.body.error.code, 'RATE_LIMITED');
  assert.equal(res.headers.get('retry-after'), '1', 'the window ends within the second');
}

test('three requests in one second against a limit of two: the third is refused, in either dialect', async () => {
  const created = await limitedMerchant('Limited', 2);
  const client = native(h, created);
  const antom = antomClientFor(h, created);
  nextWindow();
  assert.equal((await client.request('GET', '/api/v1/payments')).status, 200);
  assert.equal((await client.request('GET', '/api/v1/payments')).status, 200);
  limited(await client.request('GET', '/api/v1/payments'));
  expectResult(await antom.call('inquiryPayment', { paymentId: '1' }), 'REQUEST_TRAFFIC_EXCEED_LIMIT', 'U');
  h.clock.advance(1000);
  assert.equal((await client.request('GET', '/api/v1/payments')).status, 200, 'the next second starts afresh');
});

test('NICEPAY shares the budget and answers 9002 past it', async () => {
  const created = await limitedMerchant('Limited NICEPAY', 1);
  const m = { merchantId: created.merchant.id, iMid: created.nicepay.iMid, merchantKey: created.nicepay.merchantKey, native: native(h, created) };
  nextWindow();
  assert.equal((await m.native.request('GET', '/api/v1/payments')).status, 200, 'the one request of this second');
  expectNicepay(await post(h, '/nicepay/direct/v2/registration', registrationRequest(h, m, '02')), '9002');
  h.clock.advance(1000);
  expectNicepay(await post(h, '/nicepay/direct/v2/registration', registrationRequest(h, m, '02')), '0000');
});

test('two Kasir processes on one database share one budget: requests split across both get exactly the limit', async (t) => {
  const node = await startNode(h);
  t.after(() => node.close());
  const created = await limitedMerchant('Limited on two nodes', 5);
  // One client's requests, each with its own timestamp (two clients would sign identical GETs).
  const list = async (to: Harness, i: number) => {
    const ts = String(h.clock.now().getTime() + i);
    const headers = { 'X-API-Key': created.native.apiKey, 'X-Timestamp': ts, 'X-Signature': signNative(created.native.apiSecret, ts, '') };
    return readResponse(await fetch(to.baseUrl + '/api/v1/payments', { headers }));
  };
  for (let second = 0; second < 2; second++) {
    nextWindow();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => list(i % 2 ? h : node.harness, i)));
    const ok = answers.filter((r) => r.status === 200);
    assert.equal(ok.length, 5, answers.map((r) => r.status).join(','));
    for (const r of answers.filter((r) => r.status !== 200)) limited(r);
    const { rows } = await h.deps.core.db.query<{ count: number }>('SELECT count FROM rate_windows WHERE key = $1 AND second = $2', [
      created.merchant.id, Math.floor(h.clock.now().getTime() / 1000),
    ]);
    assert.deepEqual(rows, [{ count: 5 }], 'refused requests are not counted');
  }
});

test('a merchant without a limit costs no database round trip; passed windows are pruned', async () => {
  let queries = 0;
  const counting: Queryable = { query: (sql, params) => (queries++, h.deps.core.db.query(sql, params)) };
  const limiter = new RateLimiter({ db: counting, clock: h.clock });
  nextWindow();
  for (let i = 0; i < 3; i++) assert.equal(await limiter.allow('unlimited', null), undefined);
  assert.equal(queries, 0);
  assert.equal(await limiter.allow('one-a-second', 1), undefined);
  assert.deepEqual(await limiter.allow('one-a-second', 1), { retryAfterSeconds: 1 });
  assert.equal(queries, 2);

  const count = async () => Number((await h.deps.core.db.query<{ n: string }>('SELECT count(*) AS n FROM rate_windows')).rows[0].n);
  assert.ok((await count()) > 0);
  assert.equal((await pruneGuards(h.deps.core)).windows, 0, 'the current and recent windows are kept');
  h.clock.advance(61_000);
  assert.ok((await pruneGuards(h.deps.core)).windows > 0);
  assert.equal(await count(), 0);
});
