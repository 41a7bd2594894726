// GET /metrics: after real requests through each dialect, the counters carry the right labels and
// values; processor calls are counted by kind, call and outcome; payment events match what was
// written to payment_events; the database gauges follow the outbox and the processor claims; the
// bearer token is enforced when configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, nativeMerchant, startKasir, usingPostgres, type Harness } from './helpers/harness.ts';
import { cancel, cardPayment, CARDS, createPayment } from './helpers/native.ts';
import { antomMerchant, pay as antomPay } from './helpers/antom.ts';
import { nicepayMerchant, register } from './helpers/nicepay.ts';
import { ProcessorTimeout, ProcessorUnavailable, type Processor } from '../src/core/processors/processor.ts';
import { meteredProcessor } from '../src/observability/metered-processor.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import type { Db } from '../src/db/db.ts';

const h = await startKasir();

/** Every sample of the exposition as `name{labels}` → value (labels as Prometheus prints them). */
async function scrape(target: Harness = h, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(target.baseUrl + '/metrics', { headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const key = (name: string, labels: Record<string, string> = {}) => {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  return l ? `${name}{${l}}` : name;
};
const value = (s: Map<string, number>, name: string, labels?: Record<string, string>) => s.get(key(name, labels)) ?? 0;

test('HTTP requests of every dialect are counted by dialect, operation and status, with their latency', async () => {
  const before = await scrape();
  const m = await nativeMerchant(h);
  const p = await createPayment(m);
  const canceled = await cancel(m, p.id);
  assert.equal(canceled.status, 200, canceled.text);
  const antom = await antomMerchant(h);
  await antomPay(antom);
  // An operation Antom does not have: counted, but under 'unknown', never under the caller's word.
  await antom.call('evilOperation123', {});
  const np = await nicepayMerchant(h);
  await register(h, np, '02');
  assert.equal((await admin(h, 'GET', '/merchants')).status, 200);
  await fetch(h.baseUrl + '/no/such/path/pay_secret_123');

  const after = await scrape();
  const delta = (labels: Record<string, string>) => value(after, 'kasir_http_requests_total', labels) - value(before, 'kasir_http_requests_total', labels);
  assert.equal(delta({ dialect: 'native', operation: 'create', status: '201' }), 1);
  assert.equal(delta({ dialect: 'native', operation: 'cancel', status: '200' }), 1);
  assert.equal(delta({ dialect: 'antom', operation: 'pay', status: '200' }), 1);
  assert.equal(delta({ dialect: 'antom', operation: 'unknown', status: '200' }), 1);
  assert.equal(delta({ dialect: 'nicepay', operation: 'registration', status: '200' }), 1);
  assert.equal(delta({ dialect: 'admin', operation: 'get_merchants', status: '200' }), 1);
  assert.equal(delta({ dialect: 'other', operation: 'not_found', status: '404' }), 1);
  // The histogram saw the same requests.
  const count = (s: Map<string, number>) => value(s, 'kasir_http_request_duration_seconds_count', { dialect: 'native', operation: 'create', status: '201' });
  assert.equal(count(after) - count(before), 1);
  assert.ok(value(after, 'kasir_http_request_duration_seconds_sum', { dialect: 'native', operation: 'create', status: '201' }) > 0);
  // Low cardinality: no ids, no raw paths, nothing a caller chose.
  const text = await (await fetch(h.baseUrl + '/metrics')).text();
  for (const leaked of [p.id, 'evilOperation123', 'pay_secret_123', m.apiKey, antom.clientId, np.iMid]) assert.ok(!text.includes(leaked), `metrics mention ${leaked}`);
});

test('payment events are counted as payment_events rows are written', async () => {
  const m = await nativeMerchant(h);
  await cardPayment(m, CARDS.succeeds);
  await cardPayment(m, CARDS.declined);
  const s = await scrape();
  // This process is the only writer of this file's database: the counters equal the table.
  const { rows } = await h.deps.core.db.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM payment_events GROUP BY type');
  assert.ok(rows.length >= 4, JSON.stringify(rows));
  for (const r of rows) assert.equal(value(s, 'kasir_payment_events_total', { event: r.type }), r.n, r.type);
  const counted = [...s].filter(([k]) => k.startsWith('kasir_payment_events_total{')).reduce((sum, [, v]) => sum + v, 0);
  assert.equal(counted, rows.reduce((sum, r) => sum + r.n, 0));
});

test('processor calls are counted by processor kind, call and outcome', async () => {
  const before = await scrape();
  const m = await nativeMerchant(h);
  await cardPayment(m, CARDS.succeeds);
  await cardPayment(m, CARDS.declined);
  const after = await scrape();
  const delta = (outcome: string) =>
    value(after, 'kasir_processor_calls_total', { processor: 'sandbox', call: 'authorize', outcome }) -
    value(before, 'kasir_processor_calls_total', { processor: 'sandbox', call: 'authorize', outcome });
  assert.equal(delta('ok'), 1);
  assert.equal(delta('refused'), 1);
  const timed = (s: Map<string, number>) => value(s, 'kasir_processor_call_duration_seconds_count', { processor: 'sandbox', call: 'authorize', outcome: 'ok' });
  assert.equal(timed(after) - timed(before), 1);
});

test('a call that throws is unknown (timeout, reset) or unavailable, and is rethrown unchanged', async () => {
  const metrics = createMetrics({ db: h.deps.core.db, clock: h.clock });
  const failing = (err: Error) => async () => {
    throw err;
  };
  const timeout = new ProcessorTimeout('capture');
  const inner = {
    name: 'sandbox',
    abilities: { partialCancel: true, manualCapture: true, partialRefund: true, cardData: true },
    capture: failing(timeout),
    void: failing(new Error('socket hang up')),
    authorize: failing(new ProcessorUnavailable('connection refused')),
    refund: async () => ({ ok: false, code: 'PROCESSOR_DECLINED', message: 'no' }),
  } as unknown as Processor;
  const p = meteredProcessor(inner, 'nicepay', metrics.processor);
  const args = [{}, {}] as unknown as Parameters<Processor['capture']>;
  await assert.rejects(p.capture(...args), (e) => e === timeout);
  await assert.rejects(p.void(...args), /socket hang up/);
  await assert.rejects(p.authorize(...args, undefined), ProcessorUnavailable);
  assert.deepEqual(await p.refund(...args), { ok: false, code: 'PROCESSOR_DECLINED', message: 'no' });
  const s = parse(await metrics.registry.metrics());
  const calls = (call: string, outcome: string) => value(s, 'kasir_processor_calls_total', { processor: 'nicepay', call, outcome });
  assert.equal(calls('capture', 'unknown'), 1);
  assert.equal(calls('void', 'unknown'), 1);
  assert.equal(calls('authorize', 'unavailable'), 1);
  assert.equal(calls('refund', 'refused'), 1);
});

test('gauges follow pending notifications, claims awaiting reconciliation and payments waiting upstream', async () => {
  const db = h.deps.core.db;
  const m = await nativeMerchant(h);
  const p = await createPayment(m);
  const { rows: ev } = await db.query<{ id: string }>(`SELECT id FROM payment_events WHERE payment_id = $1 AND type = 'created'`, [p.id]);
  const now = h.clock.now().getTime();
  const pendingBefore = value(await scrape(), 'kasir_outbox_pending');
  for (const ageS of [120, 30]) {
    await db.query(
      `INSERT INTO outbox (merchant_id, payment_id, event_id, event_type, format, target_url, next_attempt_at, created_at)
       VALUES ($1, $2, $3, 'created', 'native', 'http://127.0.0.1:9/hook', $4, $4)`,
      [m.merchantId, p.id, ev[0].id, new Date(now - ageS * 1000)],
    );
  }
  const other = await createPayment(m);
  // A claimed call whose outcome never came back, and a payment waiting for its buyer at a connector.
  await db.query(`UPDATE payments SET pending_operation = 'capture', pending_state = 'unknown' WHERE id = $1`, [p.id]);
  await db.query(`UPDATE payments SET status = 'requires_action', processor = 'con_metricsTest1' WHERE id = $1`, [other.id]);
  try {
    const s = await scrape();
    assert.equal(value(s, 'kasir_outbox_pending'), pendingBefore + 2);
    assert.equal(value(s, 'kasir_outbox_oldest_pending_age_seconds'), 120);
    assert.equal(value(s, 'kasir_operations_awaiting_reconciliation', { state: 'unknown' }), 1);
    assert.equal(value(s, 'kasir_operations_awaiting_reconciliation', { state: 'in_flight' }), 0);
    assert.equal(value(s, 'kasir_payments_awaiting_upstream'), 1);
    assert.equal(value(s, 'kasir_database_up'), 1);
  } finally {
    await db.query(`DELETE FROM outbox WHERE payment_id = $1`, [p.id]);
    await db.query(`UPDATE payments SET pending_operation = NULL, pending_state = NULL WHERE id = $1`, [p.id]);
    await db.query(`UPDATE payments SET status = 'requires_payment_method', processor = 'sandbox' WHERE id = $1`, [other.id]);
  }
  const cleared = await scrape();
  assert.equal(value(cleared, 'kasir_outbox_pending'), pendingBefore);
  assert.equal(value(cleared, 'kasir_operations_awaiting_reconciliation', { state: 'unknown' }), 0);
  assert.equal(value(cleared, 'kasir_payments_awaiting_upstream'), 0);
});

test('process and database pool metrics are exposed', async () => {
  const s = await scrape();
  assert.ok(s.has('nodejs_eventloop_lag_seconds'), 'event-loop lag');
  assert.ok(s.has('process_resident_memory_bytes') || s.has('nodejs_heap_size_used_bytes'));
  if (usingPostgres()) {
    assert.ok(value(s, 'kasir_db_pool_connections', { state: 'total' }) >= 1);
    assert.ok(s.has(key('kasir_db_pool_connections', { state: 'waiting' })));
  } else {
    // Collected before the scrape's own queries start: nothing else runs now.
    assert.equal(value(s, 'kasir_db_queries_in_flight'), 0);
  }
});

test('with KASIR_METRICS_TOKEN set, /metrics requires the bearer token; each app has its own registry', async () => {
  const token = 'metrics-token-0123456789abcdef';
  const guarded = await startKasir({ metricsToken: token });
  assert.equal((await fetch(guarded.baseUrl + '/metrics')).status, 401);
  const wrong = await fetch(guarded.baseUrl + '/metrics', { headers: { authorization: `Bearer ${token}x` } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await fetch(guarded.baseUrl + '/metrics', { headers: { authorization: token } })).status, 401, 'not a bearer header');
  const s = await scrape(guarded, { authorization: `Bearer ${token}` });
  // The refused scrapes were requests too; none of the first app's native requests are here.
  assert.equal(value(s, 'kasir_http_requests_total', { dialect: 'other', operation: 'metrics', status: '401' }), 3);
  assert.equal(value(s, 'kasir_http_requests_total', { dialect: 'native', operation: 'create', status: '201' }), 0);
  // The first app stays open.
  assert.equal((await fetch(h.baseUrl + '/metrics')).status, 200);
});

test('a database that does not answer makes the gauges NaN and says so; the scrape still answers', async () => {
  const down = async () => {
    throw new Error('connection refused');
  };
  const metrics = createMetrics({ db: { kind: 'postgres', query: down, tx: down, close: async () => {} } as Db, clock: h.clock });
  const s = parse(await metrics.registry.metrics());
  assert.equal(value(s, 'kasir_database_up'), 0);
  assert.ok(Number.isNaN(s.get('kasir_outbox_pending')), 'unknown, not an empty backlog');
  assert.ok(Number.isNaN(s.get('kasir_payments_awaiting_upstream')));
  assert.equal(s.has(key('kasir_operations_awaiting_reconciliation', { state: 'unknown' })), false);
  assert.ok(s.has('nodejs_eventloop_lag_seconds'));
});
