// No secret rests in clear: after the requests that show a secret once (a keyed webhook-endpoint
// create, a new merchant, a key rotation), no text column of any table holds it, and an idempotent
// replay still answers it, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../src/config.ts';
import { requestHash } from '../src/core/idempotency.ts';
import { findCredential } from '../src/core/merchants/merchants.ts';
import { admin, nativeClientFor, nativeMerchant, startKasir } from './helpers/harness.ts';
import { CARDS, createPayment, expectStatus } from './helpers/native.ts';
import { columnsContaining, textColumns } from './helpers/stored-text.ts';

const h = await startKasir();
const m = await nativeMerchant(h);
const db = h.deps.core.db;
const ENDPOINT = { url: 'https://example.test/hooks', events: ['payment.canceled'] };

/** Asserts no text column holds `secret`; the scan must reach the places a secret could slip into. */
async function assertNowhereInClear(secret: string, what: string) {
  const columns = await textColumns(db);
  for (const c of ['idempotency_keys.response_body', 'credentials.secret_enc', 'credentials.data', 'delivery_attempts.response_excerpt', 'payments.dialect_data', 'payment_events.data']) {
    assert.ok(columns.includes(c), `the scan covers ${c}`);
  }
  assert.deepEqual(await columnsContaining(db, columns, secret), [], `${what} rests in clear`);
}

const storedAnswer = async (key: string) =>
  (await db.query<{ state: string; response_body: string }>(`SELECT state, response_body FROM idempotency_keys WHERE key = $1`, [key])).rows[0];

test('a keyed webhook-endpoint create: the secret rests nowhere in clear, the replay answers it unchanged', async () => {
  const key = `ep-${randomUUID()}`;
  const first = await m.request('POST', '/api/v1/webhook-endpoints', ENDPOINT, { 'Idempotency-Key': key });
  const secret: string = expectStatus(first, 201).data.secret;
  assert.match(secret, /^whsec_/);
  await assertNowhereInClear(secret, 'the whsec_ secret');
  await assertNowhereInClear(secret.slice('whsec_'.length), 'the signing key');
  const stored = await storedAnswer(key);
  assert.equal(stored.state, 'done');
  assert.match(stored.response_body, /^v1:/, 'the stored answer is sealed');

  const replay = await m.request('POST', '/api/v1/webhook-endpoints', ENDPOINT, { 'Idempotency-Key': key });
  assert.equal(replay.status, 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.text, first.text, 'the replay is the first answer, byte for byte');
  const endpoints = await db.query(`SELECT 1 FROM credentials WHERE dialect = 'webhook' AND merchant_id = $1`, [m.merchantId]);
  assert.equal(endpoints.rows.length, 1, 'one endpoint, however many retries');
  // Sealed, not lost: the worker still signs with it.
  assert.equal((await findCredential(h.deps.merchants, 'webhook', first.body.data.id))?.secret, secret);
});

test("every stored answer is sealed: a keyed card payment's clientSecret is not in idempotency_keys, its card number nowhere", async () => {
  const key = `pay-${randomUUID()}`;
  const body = { amount: '10.00', currency: 'USD', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } };
  const created = await m.request('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
  const { clientSecret } = expectStatus(created, 201).data;
  assert.ok(clientSecret);
  assert.match((await storedAnswer(key)).response_body, /^v1:/);
  assert.deepEqual(await columnsContaining(db, ['idempotency_keys.response_body', 'idempotency_keys.request_hash'], clientSecret), []);
  await assertNowhereInClear(CARDS.succeeds, 'the card number');
  const replay = await m.request('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
  assert.equal(replay.text, created.text);
});

test("a merchant's credentials and a rotated key rest sealed; the keys shown once are stored nowhere", async () => {
  const res = await admin(h, 'POST', '/merchants', { name: 'Secrets' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const created = res.body.data;
  const rotated = await admin(h, 'POST', `/merchants/${created.id}/keys/native/rotate`, {});
  assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
  const issued = rotated.body.data.native;
  const pemBody = (pem: string) => pem.split('\n').slice(1, -2).join('');
  const secrets = {
    'native apiSecret': created.native.apiSecret,
    'rotated apiSecret': issued.apiSecret,
    'NICEPAY merchantKey': created.nicepay.merchantKey,
    "Antom merchant private key (returned, never kept)": pemBody(created.antom.merchantPrivateKeyPkcs8),
  };
  for (const [what, secret] of Object.entries(secrets)) await assertNowhereInClear(secret, what);
  // The credentials still work: a request signed with the rotated secret is accepted.
  await createPayment(nativeClientFor(h, created.id, issued.apiKey, issued.apiSecret), { currency: 'USD', amount: '1.00' });
});

test('an answer stored in clear before sealing still replays as it was', async () => {
  const key = `legacy-${randomUUID()}`;
  const body = JSON.stringify(ENDPOINT);
  const answer = JSON.stringify({ success: true, data: { id: 'we_legacy', url: ENDPOINT.url, events: ENDPOINT.events } });
  const now = h.clock.now();
  await db.query(
    `INSERT INTO idempotency_keys (merchant_id, scope, key, request_hash, state, response_status, response_body, created_at, expires_at)
     VALUES ($1, 'native', $2, $3, 'done', 201, $4, $5, $6)`,
    [m.merchantId, key, requestHash('POST', '/api/v1/webhook-endpoints', Buffer.from(body)), answer, now, new Date(now.getTime() + 3600_000)],
  );
  const replay = await m.request('POST', '/api/v1/webhook-endpoints', body, { 'Idempotency-Key': key });
  assert.equal(replay.status, 201);
  assert.equal(replay.text, answer);
});

test('a bad secret setting is refused without echoing its value', () => {
  const cases: Record<string, string> = {
    KASIR_ADMIN_TOKEN: 'kat_almost-long-enough',
    KASIR_ENCRYPTION_KEY: 'c2VjcmV0LWJ1dC1ub3QtMzItYnl0ZXMtbG9uZw==',
    DATABASE_URL: 'mysql://kasir:hunter2-password@db.example/kasir',
  };
  for (const [name, value] of Object.entries(cases)) {
    assert.throws(() => loadConfig({ [name]: value }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(name));
      assert.ok(!err.message.includes(value) && !err.message.includes('hunter2'), err.message);
      return true;
    });
  }
});
