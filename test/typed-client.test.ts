// The typed client (clients/typescript) against a running Kasir: the payment lifecycle, a refund,
// errors as KasirError, idempotent retries (a lost answer, a 409 while the first attempt runs), and
// webhook verification of a notification Kasir really delivered, with tampered copies refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Value } from '@sinclair/typebox/value';
import { KasirClient, KasirError, verifyWebhook, WebhookVerificationError, type Payment, type WebhookEvent } from '../clients/typescript/src/index.ts';
import { WebhookEvent as WebhookEventSchema, Payment as PaymentSchema } from '../src/dialects/native/doc-schemas.ts';
import { deliverDue } from '../src/core/notifications/worker.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { CARDS, countPayments } from './helpers/native.ts';

// Processor latency keeps a confirm in flight long enough for a concurrent retry to meet it (409).
const h = await startKasir({ sandboxLatencyMs: 300 });
const m = await nativeMerchant(h);

/** A fetch that records every attempt's headers and can lose chosen answers after Kasir handled them. */
function recordingFetch(loseAnswers = 0) {
  const attempts: { headers: Headers; status: number | 'lost' }[] = [];
  let toLose = loseAnswers;
  const fetchFn: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const headers = new Headers(init?.headers);
    if (toLose > 0) {
      toLose--;
      await res.arrayBuffer(); // Kasir did the work and answered; the caller never hears of it
      attempts.push({ headers, status: 'lost' });
      throw new TypeError('fetch failed');
    }
    attempts.push({ headers, status: res.status });
    return res;
  };
  return { fetchFn, attempts };
}

const clientFor = (fetchFn?: typeof fetch) =>
  new KasirClient({ baseUrl: h.baseUrl, apiKey: m.apiKey, apiSecret: m.apiSecret, fetch: fetchFn, retryDelayMs: 20, maxRetryDelayMs: 400, maxRetries: 5 });
const kasir = clientFor();

async function rejectsWith(p: Promise<unknown>, expected: Partial<Pick<KasirError, 'code' | 'status'>> & { field?: string }): Promise<KasirError> {
  const err = await p.then(() => assert.fail('expected a KasirError'), (e: unknown) => e);
  assert.ok(err instanceof KasirError, String(err));
  if (expected.code) assert.equal(err.code, expected.code, err.message);
  if (expected.status) assert.equal(err.status, expected.status, err.message);
  if (expected.field) assert.equal(err.details?.field, expected.field, err.message);
  assert.ok(err.requestId, 'the answer names its request id');
  return err;
}

test('create → confirm → cancel, with the typed timeline', async () => {
  const created = await kasir.createPayment({ amount: '250.00', currency: 'THB', paymentMethod: 'card', captureMethod: 'manual', referenceId: `order-${randomUUID()}` });
  assert.equal(created.status, 'requires_confirmation');
  const confirmed = await kasir.confirmPayment(created.id, { paymentMethodData: { card: { number: CARDS.succeeds } } });
  assert.equal(confirmed.status, 'requires_capture');
  assert.equal(confirmed.amountCapturable, '250.00');
  const canceled = await kasir.cancelPayment(created.id, { cancellationReason: 'requested_by_customer' });
  assert.deepEqual([canceled.status, canceled.cancellationReason], ['canceled', 'requested_by_customer']);
  const fetched: Payment = await kasir.getPayment(created.id);
  assert.deepEqual(fetched, canceled);
  assert.ok(Value.Check(PaymentSchema, fetched), 'the answer is what the type says');
  const timeline = await kasir.listEvents(created.id);
  assert.deepEqual(timeline.data.map((e) => e.toStatus).slice(-2), ['requires_capture', 'canceled']);
  const page = await kasir.listPayments({ limit: 1, referenceId: created.referenceId! });
  assert.deepEqual(page.data.map((p) => p.id), [created.id]);
});

test('a partial refund of a succeeded payment', async () => {
  const paid = await kasir.createPayment({ amount: '100.00', currency: 'THB', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } });
  assert.equal(paid.status, 'succeeded');
  const refund = await kasir.refundPayment(paid.id, { amount: '40.00', reason: 'requested_by_customer' });
  assert.deepEqual([refund.status, refund.amount, refund.paymentId], ['succeeded', '40.00', paid.id]);
  assert.equal(refund.payment.amountRefunded, '40.00');
  assert.equal((await kasir.getPayment(paid.id)).amountRefunded, '40.00');
});

test("Kasir's errors surface as KasirError with code, status, details and request id", async () => {
  await rejectsWith(kasir.getPayment(randomUUID()), { code: 'RESOURCE_NOT_FOUND', status: 404 });
  await rejectsWith(kasir.createPayment({ amount: '1.234', currency: 'THB' }), { code: 'VALIDATION_ERROR', status: 400, field: 'amount' });
  const paid = await kasir.createPayment({ amount: '9.00', currency: 'THB', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } });
  await rejectsWith(kasir.cancelPayment(paid.id), { code: 'VALIDATION_ERROR', status: 400 });
  const wrongSecret = new KasirClient({ baseUrl: h.baseUrl, apiKey: m.apiKey, apiSecret: 'ks_wrong' });
  await rejectsWith(wrongSecret.listPayments(), { code: 'UNAUTHORIZED', status: 401 });
  // Nobody listening: the client's own NETWORK_ERROR, status 0, after its retries.
  const nowhere = new KasirClient({ baseUrl: 'http://127.0.0.1:9', apiKey: m.apiKey, apiSecret: m.apiSecret, maxRetries: 1, retryDelayMs: 1 });
  const err = await nowhere.getPayment(randomUUID()).then(() => assert.fail('answered'), (e: KasirError) => e);
  assert.deepEqual([err.code, err.status], ['NETWORK_ERROR', 0]);
});

test('the same Idempotency-Key returns the same payment, and Kasir says it replayed', async () => {
  const key = `order-${randomUUID()}`;
  const before = await countPayments(h, m.merchantId);
  const first = await kasir.request<Payment>('POST', '/payments', { amount: '12.00', currency: 'THB' }, { idempotencyKey: key });
  const again = await kasir.request<Payment>('POST', '/payments', { amount: '12.00', currency: 'THB' }, { idempotencyKey: key });
  assert.deepEqual([first.status, first.replayed, again.status, again.replayed], [201, false, 201, true]);
  assert.deepEqual(again.data, first.data);
  assert.equal((await kasir.createPayment({ amount: '12.00', currency: 'THB' }, { idempotencyKey: key })).id, first.data.id);
  await rejectsWith(kasir.createPayment({ amount: '13.00', currency: 'THB' }, { idempotencyKey: key }), { code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
  assert.equal(await countPayments(h, m.merchantId), before + 1);
});

test('a lost answer is retried with the same key and a fresh signature: one payment, the first answer', async () => {
  const { fetchFn, attempts } = recordingFetch(1);
  const before = await countPayments(h, m.merchantId);
  const res = await clientFor(fetchFn).request<Payment>('POST', '/payments', { amount: '33.00', currency: 'THB', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } } });
  assert.deepEqual(attempts.map((a) => a.status), ['lost', 201]);
  assert.equal(res.replayed, true, 'the retry got the stored answer of the attempt whose answer was lost');
  assert.equal(res.data.status, 'succeeded');
  const [a, b] = attempts.map((x) => x.headers);
  assert.equal(a.get('idempotency-key'), b.get('idempotency-key'));
  assert.match(a.get('idempotency-key') ?? '', /^[0-9a-f-]{36}$/);
  assert.notEqual(a.get('x-timestamp'), b.get('x-timestamp'));
  assert.notEqual(a.get('x-signature'), b.get('x-signature'));
  assert.match(b.get('x-signature') ?? '', /^v2=[0-9a-f]{64}$/);
  assert.equal(await countPayments(h, m.merchantId), before + 1);
});

test('a retry meeting the first attempt still running (409) waits and gets the same payment', async () => {
  const { fetchFn, attempts } = recordingFetch();
  const client = clientFor(fetchFn);
  const created = await client.createPayment({ amount: '21.00', currency: 'THB', paymentMethod: 'card' });
  const key = randomUUID();
  const body = { paymentMethodData: { card: { number: CARDS.succeeds } } };
  // Both calls carry one key; the processor takes 300 ms, so the second arrives while the first runs.
  const [one, two] = await Promise.all([client.confirmPayment(created.id, body, { idempotencyKey: key }), client.confirmPayment(created.id, body, { idempotencyKey: key })]);
  assert.deepEqual(two, one);
  assert.equal(one.status, 'succeeded');
  const confirms = attempts.filter((a) => a.headers.get('idempotency-key') === key);
  assert.ok(confirms.some((a) => a.status === 409), `a 409 was met and retried: ${confirms.map((a) => a.status)}`);
  assert.deepEqual(confirms.filter((a) => a.status === 200).length, 2);
});

/** A merchant's receiver: verifies each notification with the client and acknowledges only valid ones. */
async function verifyingReceiver(secret: () => string) {
  const received: { headers: IncomingHttpHeaders; body: string; event?: WebhookEvent; status: number }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const event = verifyWebhook(body, req.headers, secret());
        received.push({ headers: req.headers, body: body.toString(), event, status: 204 });
        res.writeHead(204).end();
      } catch (err) {
        assert.ok(err instanceof WebhookVerificationError, String(err));
        received.push({ headers: req.headers, body: body.toString(), status: 400 });
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/kasir-hooks`;
  return { url, received, close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))) };
}

test('a delivered notification verifies with verifyWebhook; tampered copies are refused', async () => {
  let secret = '';
  const receiver = await verifyingReceiver(() => secret);
  try {
    const endpoint = await kasir.createWebhookEndpoint({ url: receiver.url, events: ['payment.canceled'] });
    secret = endpoint.secret;
    assert.ok((await kasir.listWebhookEndpoints()).data.some((e) => e.id === endpoint.id));
    const p = await kasir.createPayment({ amount: '45.00', currency: 'THB' });
    await kasir.cancelPayment(p.id);
    assert.equal(await deliverDue(h.deps.delivery), 1, 'Kasir delivered the notification and it was acknowledged');
    const [delivered] = receiver.received;
    assert.equal(delivered.status, 204);
    assert.equal(delivered.event?.type, 'payment.canceled');
    assert.equal(delivered.event?.data.id, p.id);
    assert.ok(Value.Check(WebhookEventSchema, delivered.event), 'the event is what the type says');
    // The same delivery again with a changed body, a changed signature, another secret, a stale timestamp.
    const replay = (body: string, headers: Record<string, string>) =>
      fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((n) => [n, String(delivered.headers[n])]));
    assert.equal(await replay(delivered.body, headers), 204, 'the untouched copy still verifies');
    assert.equal(await replay(delivered.body.replace('"45.00"', '"4500.00"'), headers), 400);
    assert.equal(await replay(delivered.body, { ...headers, 'webhook-id': 'msg_forged' }), 400);
    assert.equal(await replay(delivered.body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 600) }), 400);
    assert.throws(() => verifyWebhook(delivered.body, headers, 'whsec_' + Buffer.alloc(24, 7).toString('base64')), WebhookVerificationError);
    const deleted = await kasir.deleteWebhookEndpoint(endpoint.id);
    assert.deepEqual(deleted, { id: endpoint.id, deleted: true });
  } finally {
    await receiver.close();
  }
});
