// The per-merchant rate limit of the contract (rateLimitPerSecond), one counter for all dialects:
// the native dialect answers 429 RATE_LIMITED, Antom REQUEST_TRAFFIC_EXCEED_LIMIT (U).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMerchant } from '../src/core/merchants/merchants.ts';
import { admin, nativeClientFor, startKasir } from './helpers/harness.ts';
import { antomClientFor, expectResult } from './helpers/antom.ts';

const h = await startKasir();

test('three requests in one second against a limit of two: the third is refused, in either dialect', async () => {
  const created = await createMerchant(h.deps.merchants, 'Limited');
  const native = nativeClientFor(h, created.merchant.id, created.native.apiKey, created.native.apiSecret);
  const antom = antomClientFor(h, created);
  const patch = await admin(h, 'PATCH', `/merchants/${created.merchant.id}/contract`, {
    native: { rateLimitPerSecond: 2 }, antom: { rateLimitPerSecond: 2 },
  });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  h.clock.set(Math.ceil(h.clock.now().getTime() / 1000) * 1000); // the start of a second
  assert.equal((await native.request('GET', '/api/v1/payments')).status, 200);
  assert.equal((await native.request('GET', '/api/v1/payments')).status, 200);
  const refused = await native.request('GET', '/api/v1/payments');
  assert.equal(refused.status, 429, refused.text);
  assert.equal(refused.body.error.code, 'RATE_LIMITED');
  expectResult(await antom.call('inquiryPayment', { paymentId: '1' }), 'REQUEST_TRAFFIC_EXCEED_LIMIT', 'U');
  h.clock.advance(1000);
  assert.equal((await native.request('GET', '/api/v1/payments')).status, 200, 'the next second starts afresh');
});
