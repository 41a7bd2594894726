// Seed 002's HMAC authentication (and docs/native-api.md's additions) through real HTTP: what is
// refused, what is accepted at the edges of the tolerance, replays, v2 signatures, suspension,
// key rotation with overlap, X-Request-Id everywhere, and the admin API's token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { FixedClock } from '../src/core/clock.ts';
import { admin, nativeClientFor, nativeMerchant, signNative, startKasir } from './helpers/harness.ts';
import { countPayments, createPayment, expectStatus, get, stored } from './helpers/native.ts';

const h = await startKasir({ clock: new FixedClock('2024-05-01T00:00:00.000Z') });
const m = await nativeMerchant(h);
const seen: { status: number; headers: Headers; what: string }[] = []; // responses checked for X-Request-Id

interface Raw {
  method?: string;
  path?: string;
  body?: string;
  /** Offset of X-Timestamp from the server clock, in ms. */
  skewMs?: number;
  timestamp?: string;
  signature?: (ts: string, body: string) => string;
  headers?: Record<string, string | undefined>;
  key?: string;
  secret?: string;
}

let bump = 0;
/** One request with full control over every authentication header. */
async function raw(o: Raw = {}) {
  const method = o.method ?? 'GET';
  const path = o.path ?? '/api/v1/payments?limit=1';
  const body = o.body ?? '';
  const ts = o.timestamp ?? String(h.clock.now().getTime() + (o.skewMs ?? bump++ % 1000));
  const headers: Record<string, string | undefined> = {
    'X-API-Key': o.key ?? m.apiKey,
    'X-Timestamp': ts,
    'X-Signature': o.signature ? o.signature(ts, body) : signNative(o.secret ?? m.apiSecret, ts, body),
    ...(body ? { 'Content-Type': 'application/json' } : {}),
    ...o.headers,
  };
  for (const k of Object.keys(headers)) if (headers[k] === undefined) delete headers[k];
  const res = await fetch(h.baseUrl + path, { method, headers: headers as Record<string, string>, body: body || undefined });
  seen.push({ status: res.status, headers: res.headers, what: `${method} ${path}` });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null, headers: res.headers, sent: headers };
}

const v2 = (secret: string, method: string, path: string) => (ts: string, body: string) =>
  'v2=' + createHmac('sha256', secret).update(`${ts}.${method}.${path}.${body}`).digest('hex');

function unauthorized(res: { status: number; body: any; text: string }, message: string | RegExp) {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.body.success, false);
  assert.equal(res.body.error.code, 'UNAUTHORIZED');
  if (typeof message === 'string') assert.equal(res.body.error.message, message);
  else assert.match(res.body.error.message, message);
}

const CREATE = { method: 'POST', path: '/api/v1/payments', body: JSON.stringify({ amount: '10.00', currency: 'THB' }) };

test('missing headers, unknown key, wrong secret, tampered body: 401 and nothing created', async () => {
  const missing = 'Missing X-API-Key, X-Timestamp or X-Signature header';
  for (const name of ['X-API-Key', 'X-Timestamp', 'X-Signature']) unauthorized(await raw({ ...CREATE, headers: { [name]: undefined } }), missing);
  unauthorized(await raw({ ...CREATE, key: 'kn_does_not_exist' }), 'Invalid API key');
  unauthorized(await raw({ ...CREATE, secret: m.apiSecret + 'x' }), 'Invalid signature');
  const tampered = await raw({ ...CREATE, signature: (ts) => signNative(m.apiSecret, ts, CREATE.body.replace('10.00', '1.00')) });
  unauthorized(tampered, 'Invalid signature');
  unauthorized(await raw({ ...CREATE, signature: () => 'sha256=' + 'z'.repeat(64) }), 'Invalid signature');
  unauthorized(await raw({ ...CREATE, signature: (ts, b) => signNative(m.apiSecret, ts, b).slice(0, 40) }), 'Invalid signature');
  unauthorized(await raw({ ...CREATE, signature: (ts, b) => signNative(m.apiSecret, ts, b) + '=junk' }), 'Invalid signature');
  unauthorized(await raw({ ...CREATE, signature: (ts, b) => signNative(m.apiSecret, ts, b).replace('sha256=', 'sha256') }), 'X-Signature must be sha256=<hex> or v2=<hex>');
  unauthorized(await raw({ ...CREATE, signature: (ts, b) => signNative(m.apiSecret, ts, b).replace('sha256=', 'md5=') }), 'X-Signature must be sha256=<hex> or v2=<hex>');
  unauthorized(await raw({ ...CREATE, timestamp: 'yesterday' }), 'X-Timestamp must be milliseconds since the epoch');
  unauthorized(await raw({ ...CREATE, timestamp: String(Math.floor(h.clock.now().getTime() / 1000)) }), /300 seconds/); // seconds, not ms
  assert.equal(await countPayments(h, m.merchantId), 0);
  const good = await raw(CREATE);
  assert.equal(good.status, 201, good.text);
  assert.equal(await countPayments(h, m.merchantId), 1);
});

test('timestamp tolerance: ±299 s accepted, ±301 s refused', async () => {
  for (const skewMs of [299_000, -299_000]) assert.equal((await raw({ skewMs })).status, 200, `skew ${skewMs}`);
  for (const skewMs of [301_000, -301_000]) {
    unauthorized(await raw({ skewMs }), 'X-Timestamp is more than 300 seconds away from the server time');
  }
});

test('a replayed signature is refused, also against another URL; a fresh timestamp is accepted', async () => {
  const a = await createPayment(m, { paymentMethod: 'promptpay', confirm: true });
  const b = await createPayment(m, { paymentMethod: 'promptpay', confirm: true });
  const ts = String(h.clock.now().getTime() + 1234);
  const first = await raw({ method: 'POST', path: `/api/v1/payments/${a.id}/cancel`, timestamp: ts });
  assert.equal(first.status, 200, first.text);
  const again = await raw({ method: 'POST', path: `/api/v1/payments/${a.id}/cancel`, timestamp: ts });
  unauthorized(again, /replayed/);
  // The seed's signed text covers neither method nor path: the captured headers must not cancel b.
  const elsewhere = await raw({ method: 'POST', path: `/api/v1/payments/${b.id}/cancel`, timestamp: ts });
  unauthorized(elsewhere, /replayed/);
  assert.equal((await stored(h, b.id)).status, 'requires_action');
  h.clock.advance(10 * 60_000); // even after the tolerance has passed, the old timestamp is simply too old
  unauthorized(await raw({ method: 'POST', path: `/api/v1/payments/${b.id}/cancel`, timestamp: ts }), /300 seconds/);
  assert.equal((await stored(h, b.id)).status, 'requires_action');
});

test('v2 signatures are accepted and bound to method and path', async () => {
  const p = await createPayment(m);
  const path = `/api/v1/payments/${p.id}`;
  assert.equal((await raw({ path, signature: v2(m.apiSecret, 'GET', path) })).status, 200);
  unauthorized(await raw({ path, signature: v2(m.apiSecret, 'GET', '/api/v1/payments') }), 'Invalid signature');
  unauthorized(await raw({ path, signature: v2(m.apiSecret, 'POST', path) }), 'Invalid signature');
  const cancelPath = `${path}/cancel`;
  unauthorized(await raw({ method: 'POST', path: cancelPath, signature: v2(m.apiSecret, 'GET', path) }), 'Invalid signature');
  assert.equal((await stored(h, p.id)).status, 'requires_payment_method');
  const body = '{"cancellationReason":"duplicate"}';
  const done = await raw({ method: 'POST', path: cancelPath, body, signature: v2(m.apiSecret, 'POST', cancelPath) });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.data.cancellationReason, 'duplicate');
  unauthorized(await raw({ method: 'POST', path: cancelPath, body, signature: (ts) => v2(m.apiSecret, 'POST', cancelPath)(ts, '{}') }), 'Invalid signature');
  // <path> is the request target as sent, query string included: it cannot be changed either.
  const listPath = '/api/v1/payments?limit=1';
  assert.equal((await raw({ path: listPath, signature: v2(m.apiSecret, 'GET', listPath) })).status, 200);
  unauthorized(await raw({ path: listPath, signature: v2(m.apiSecret, 'GET', '/api/v1/payments') }), 'Invalid signature');
  unauthorized(await raw({ path: '/api/v1/payments?limit=2', signature: v2(m.apiSecret, 'GET', listPath) }), 'Invalid signature');
});

test('a suspended merchant gets 403 FORBIDDEN; reactivated, it works again', async () => {
  const s = await nativeMerchant(h, 'To be suspended');
  const p = await createPayment(s);
  assert.equal((await admin(h, 'POST', `/merchants/${s.merchantId}/suspend`)).status, 200);
  const refused = await s.request('POST', `/api/v1/payments/${p.id}/cancel`);
  assert.equal(refused.status, 403, refused.text);
  seen.push({ status: refused.status, headers: refused.headers, what: 'suspended' });
  assert.deepEqual(refused.body, { success: false, error: { code: 'FORBIDDEN', message: 'The merchant is suspended' } });
  assert.equal((await s.request('GET', `/api/v1/payments/${p.id}`)).status, 403);
  assert.equal((await stored(h, p.id)).status, 'requires_payment_method');
  // Authentication still comes first: a bad signature is 401, whatever the merchant's status.
  const forged = nativeClientFor(h, s.merchantId, s.apiKey, 'not-the-secret');
  assert.equal((await forged.request('GET', `/api/v1/payments/${p.id}`)).status, 401);
  assert.equal((await admin(h, 'POST', `/merchants/${s.merchantId}/activate`)).status, 200);
  expectStatus(await s.request('POST', `/api/v1/payments/${p.id}/cancel`), 200);
});

test('key rotation with a 60 s overlap: the old key works until then, the new one at once', async () => {
  const r = await nativeMerchant(h, 'Rotator');
  const p = await createPayment(r);
  const rotated = await admin(h, 'POST', `/merchants/${r.merchantId}/keys/native/rotate`, { overlapSeconds: 60 });
  assert.equal(rotated.status, 201);
  assert.equal(rotated.body.data.previousKeysExpireAt, new Date(h.clock.now().getTime() + 60_000).toISOString());
  const fresh = nativeClientFor(h, r.merchantId, rotated.body.data.native.apiKey, rotated.body.data.native.apiSecret);
  assert.notEqual(fresh.apiKey, r.apiKey);
  expectStatus(await get(fresh, p.id), 200);
  expectStatus(await get(r, p.id), 200);
  h.clock.advance(59_999);
  expectStatus(await get(r, p.id), 200);
  h.clock.advance(1);
  unauthorized(await r.request('GET', `/api/v1/payments/${p.id}`), 'Invalid API key');
  expectStatus(await get(fresh, p.id), 200);
  // The old secret cannot sign for the new key either.
  unauthorized(await nativeClientFor(h, r.merchantId, fresh.apiKey, r.apiSecret).request('GET', `/api/v1/payments/${p.id}`), 'Invalid signature');
});

test('the admin API: no token or a wrong token is 401 in the envelope', async () => {
  for (const authorization of [undefined, 'Bearer wrong', `Basic ${h.adminToken}`, `Bearer ${h.adminToken}x`, 'Bearer ']) {
    const res = await fetch(`${h.baseUrl}/admin/v1/merchants`, { headers: authorization ? { authorization } : {} });
    seen.push({ status: res.status, headers: res.headers, what: `admin ${authorization}` });
    assert.equal(res.status, 401, String(authorization));
    assert.deepEqual(await res.json(), { success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid admin token' } });
  }
  const list = await admin(h, 'GET', '/merchants');
  assert.equal(list.status, 200);
  assert.ok(list.body.data.data.some((x: any) => x.id === m.merchantId));
});

test('every response carries X-Request-Id; a safe caller id is echoed, an unsafe one replaced', async () => {
  const extra = [
    await raw({ path: '/api/v1/no-such-thing' }),
    await raw({ path: '/api/v1/payments/not-a-uuid' }),
    await raw({ ...CREATE, body: '{' }),
  ];
  assert.deepEqual(extra.map((r) => r.status), [404, 404, 400]);
  const statuses = new Set(seen.map((r) => r.status));
  for (const s of [200, 201, 400, 401, 403, 404]) assert.ok(statuses.has(s), `no ${s} response was checked`);
  for (const res of seen) assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._:-]{1,64}$/, `${res.status} ${res.what}`);
  assert.equal(new Set(seen.map((r) => r.headers.get('x-request-id'))).size, seen.length, 'request ids are unique');
  const echoed = await raw({ headers: { 'X-Request-Id': 'client-abc.123' } });
  assert.equal(echoed.headers.get('x-request-id'), 'client-abc.123');
  const replaced = await raw({ headers: { 'X-Request-Id': 'bad id\twith spaces' } });
  assert.match(replaced.headers.get('x-request-id')!, /^req_/);
});
