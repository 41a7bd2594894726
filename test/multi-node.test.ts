// Three Kasir processes on one PostgreSQL database, as behind a load balancer: whatever one node
// accepted, the others must know (replays, idempotency keys, claims on payments), and every
// background job, though it runs in every node, must do each piece of work once. Checked in what
// the database stores, the sandbox processor's own books and the webhooks a receiver counted.
// PostgreSQL only: PGlite is embedded in one process, so there is nothing for nodes to share.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ledgerViolations } from '../src/core/ledger/invariants.ts';
import { WEBHOOK_EVENTS } from '../src/core/notifications/webhook-endpoints.ts';
import { processorBooks, settle } from './chaos/checks.ts';
import { createMerchants, installRequestTimeout, type Answer } from './chaos/clients.ts';
import type { KasirProcess } from './chaos/kasir.ts';
import { count, send, sendUntilFinal, signed, startCluster, waitFor, type Cluster, type Signer } from './helpers/cluster.ts';
import { usingPostgres } from './helpers/harness.ts';
import { CARDS } from './helpers/native.ts';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.ts';

const SKIP = usingPostgres() ? false : 'needs PostgreSQL (set DATABASE_URL): the nodes share one database, and PGlite lives inside one process';
const STORM = 30;
const LOAD = 60;
// The sweeper and the reconciler run every 200 ms in each node, so each is racing the other two.
const ENV = { KASIR_EXPIRY_SWEEP_MS: '200', KASIR_RECONCILE_EVERY_MS: '200', KASIR_SETTLEMENT_DELAY_MS: '1000', KASIR_SETTLEMENT_EVERY_MS: '500', KASIR_SANDBOX_LATENCY_MS: '30' };
// Settlement runs every 500 ms in each node (KASIR_SETTLEMENT_EVERY_MS), racing the other two.
const SETTLEMENT_WAIT_MS = 20_000;

/** One line per kind of answer, for tallies and failure messages. */
const describeAnswer = (a: Answer) =>
  !a.answered ? `no answer (${a.error})` : a.body?.success ? `${a.http} ${a.body.data.status}` : `${a.http} ${a.body?.error?.code}: ${a.body?.error?.message}`;

function tally(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[describeAnswer(a)] = (out[describeAnswer(a)] ?? 0) + 1;
  return out;
}

async function createOn(node: KasirProcess, m: Signer, body: Record<string, unknown>): Promise<string> {
  const a = await send(node, signed(m, 'POST', '/api/v1/payments', body));
  assert.ok(a.answered && (a.http === 201 || a.http === 202), `create on ${node.baseUrl}: ${describeAnswer(a)}`);
  return a.body.data.id;
}

const card = (extra: Record<string, unknown> = {}) => ({ paymentMethod: 'card', paymentMethodData: { card: { number: CARDS.succeeds } }, confirm: true, ...extra });

describe('three Kasir nodes on one PostgreSQL database', { skip: SKIP }, () => {
  let c: Cluster;
  let receiver: Receiver;
  let startedAt = 0;
  // One merchant per concern, each made through a different node (the admin token and the
  // encryption key are shared, so every node serves every merchant): `auth` for replays and cancel
  // storms, `jobs` (subscribed to the receiver) for expiry, reconciliation and delivery, `load` for
  // the kill, which must not leave a webhook half-delivered.
  let auth: Signer;
  let jobs: Signer;
  let load: Signer;
  const node = (i: number) => c.nodes[i % c.nodes.length];

  before(async () => {
    installRequestTimeout(15_000);
    receiver = await startReceiver();
    startedAt = Date.now();
    c = await startCluster(3, ENV);
    [auth, jobs, load] = await Promise.all(c.nodes.map(async (n) => (await createMerchants(n.baseUrl, c.adminToken, 1))[0].native));
    const hook = await send(node(2), signed(jobs, 'POST', '/api/v1/webhook-endpoints', { url: receiver.url, events: Object.keys(WEBHOOK_EVENTS) }));
    assert.equal(hook.answered && hook.http, 201, describeAnswer(hook));
  });
  after(async () => {
    await c?.stop();
    await receiver?.close();
  });

  test('a signed request accepted by node 1 is refused when replayed byte for byte to any node', async (t) => {
    const originals = [
      { label: 'create', r: signed(auth, 'POST', '/api/v1/payments', { amount: '10.00', currency: 'THB', referenceId: 'replay-create' }) },
      { label: 'charge', r: signed(auth, 'POST', '/api/v1/payments', { amount: '20.00', currency: 'THB', referenceId: 'replay-charge', ...card() }) },
    ];
    for (const o of originals) {
      const a = await send(node(0), o.r);
      assert.equal(a.answered && a.http, 201, `original ${o.label}: ${describeAnswer(a)}`);
    }
    const answers: string[] = [];
    // Nodes 2 and 3 first: node 1 remembers the signature in any case, the others only if shared.
    for (const o of originals) for (const i of [1, 2, 0]) answers.push(`${o.label} → node ${i + 1}: ${describeAnswer(await send(node(i), o.r))}`);
    const refused = answers.filter((a) => a.includes(': 401 UNAUTHORIZED')).length;
    const stored = await c.db.query<{ reference_id: string; n: string }>(
      `SELECT reference_id, count(*) AS n FROM payments WHERE merchant_id = $1 AND reference_id LIKE 'replay-%' GROUP BY reference_id ORDER BY reference_id`,
      [auth.merchantId],
    );
    t.diagnostic(`nodes ${c.nodes.length}; replays tried ${answers.length}, refused ${refused}`);
    assert.deepEqual(
      { answers, payments: Object.fromEntries(stored.rows.map((r) => [r.reference_id, Number(r.n)])) },
      {
        answers: answers.map((a) => a.replace(/: .*$/, ': 401 UNAUTHORIZED: Signature replayed: sign each request with a fresh X-Timestamp')),
        payments: { 'replay-charge': 1, 'replay-create': 1 },
      },
    );
  });

  /** STORM cancels of one payment, each with its own key, sent at once round-robin over the nodes. */
  async function cancelStorm(t: { diagnostic(s: string): void }, paymentId: string, tag: string) {
    const outcomes = await Promise.all(
      Array.from({ length: STORM }, (_, i) =>
        sendUntilFinal(() => node(i), () => signed(auth, 'POST', `/api/v1/payments/${paymentId}/cancel`, { cancellationReason: 'requested_by_customer' }, { 'Idempotency-Key': `${tag}-${i}` }), 20_000),
      ),
    );
    const answers = tally(outcomes.map((o) => o.answer));
    t.diagnostic(`${STORM} cancels over ${c.nodes.length} nodes, winners ${answers['200 canceled'] ?? 0}: ${JSON.stringify(answers)}`);
    assert.deepEqual(answers, { '200 canceled': 1, '400 VALIDATION_ERROR: Payment cannot be cancelled because it has already been canceled': STORM - 1 });
    const stored = await c.db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [paymentId]);
    assert.equal(stored.rows[0].status, 'canceled');
    assert.equal(await count(c.db, `SELECT count(*) AS n FROM payment_events WHERE payment_id = $1 AND type = 'canceled'`, [paymentId]), 1, 'one canceled event');
    assert.deepEqual(await ledgerViolations(c.db), []);
  }

  test('a cancel storm over three nodes has one winner: never-submitted payment', async (t) => {
    await cancelStorm(t, await createOn(node(0), auth, { amount: '30.00', currency: 'THB' }), 'storm-new');
  });

  test('a cancel storm over three nodes has one winner: authorized card, voided once at the processor', async (t) => {
    const id = await createOn(node(1), auth, { amount: '40.00', currency: 'THB', ...card({ captureMethod: 'manual' }) });
    await cancelStorm(t, id, 'storm-card');
    assert.equal(await count(c.db, `SELECT count(*) AS n FROM sandbox_operations WHERE payment_id = $1 AND kind = 'void'`, [id]), 1, 'one void at the sandbox');
  });

  test('expiry: each lapsed payment expires once, though three sweepers race for it', async (t) => {
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    const ids = await Promise.all(
      Array.from({ length: 9 }, (_, i) => createOn(node(i), jobs, { amount: '5.00', currency: 'THB', paymentMethod: 'promptpay', confirm: true, expiresAt })),
    );
    // Only the database is read: a read through the API would expire the payment itself.
    await waitFor('the sweepers to expire 9 payments', 15_000, async () =>
      (await count(c.db, `SELECT count(*) AS n FROM payments WHERE id = ANY($1) AND status = 'expired'`, [ids])) === ids.length || null);
    const events = await c.db.query<{ n: string }>(
      `SELECT count(e.id) AS n FROM unnest($1::uuid[]) AS p(id) LEFT JOIN payment_events e ON e.payment_id = p.id AND e.type = 'expired' GROUP BY p.id`,
      [ids],
    );
    t.diagnostic(`expired payments ${ids.length}, expired events ${events.rows.reduce((n, r) => n + Number(r.n), 0)}`);
    assert.deepEqual(events.rows.map((r) => Number(r.n)), ids.map(() => 1), 'one expired event per payment');
  });

  test('reconciliation: a timed-out capture is finished once, though three reconcilers race for it', async (t) => {
    const ids = await Promise.all(
      Array.from({ length: 3 }, (_, i) => createOn(node(i), jobs, { amount: '7.00', currency: 'THB', description: 'multi-node sandbox:capture_timeout', ...card({ captureMethod: 'manual' }) })),
    );
    for (const [i, id] of ids.entries()) {
      const a = await send(node(i + 1), signed(jobs, 'POST', `/api/v1/payments/${id}/capture`));
      assert.equal(a.answered && a.body?.error?.code, 'OUTCOME_UNKNOWN', describeAnswer(a));
    }
    await waitFor('the reconcilers to finish 3 captures', 15_000, async () =>
      (await count(c.db, 'SELECT count(*) AS n FROM payments WHERE id = ANY($1) AND pending_operation IS NOT NULL', [ids])) === 0 || null);
    const { rows } = await c.db.query(
      `SELECT p.status,
              (SELECT count(*) FROM payment_events e WHERE e.payment_id = p.id AND e.type = 'captured')::int AS captured_events,
              (SELECT count(*) FROM journals j WHERE j.payment_id = p.id AND j.kind = 'capture')::int AS capture_journals,
              (SELECT count(*) FROM sandbox_operations o WHERE o.payment_id = p.id AND o.kind = 'capture')::int AS processor_captures
         FROM unnest($1::uuid[]) AS i(id) JOIN payments p ON p.id = i.id`,
      [ids],
    );
    t.diagnostic(`timed-out captures reconciled ${rows.length}: ${JSON.stringify(rows)}`);
    assert.deepEqual(rows, ids.map(() => ({ status: 'succeeded', captured_events: 1, capture_journals: 1, processor_captures: 1 })));
    assert.deepEqual(await ledgerViolations(c.db), []);
  });

  test('delivery: every notification reaches the receiver exactly once, though three workers claim', async (t) => {
    await waitFor('the outbox of the jobs merchant to drain', 20_000, async () =>
      (await count(c.db, `SELECT count(*) AS n FROM outbox WHERE merchant_id = $1 AND status = 'pending'`, [jobs.merchantId])) === 0 || null);
    const { rows } = await c.db.query<{ id: string; status: string; attempts: string }>(
      'SELECT o.id, o.status, (SELECT count(*) FROM delivery_attempts a WHERE a.outbox_id = o.id) AS attempts FROM outbox o WHERE o.merchant_id = $1 ORDER BY o.id',
      [jobs.merchantId],
    );
    t.diagnostic(`notifications ${rows.length}, webhook-ids received ${receiver.seen.size}`);
    assert.ok(rows.length >= 9 * 2 + 3 * 2, `expected action/expired and capture/succeeded notifications, outbox has ${rows.length}`);
    assert.deepEqual(rows.map((r) => `${r.status}/${r.attempts}`), rows.map(() => 'delivered/1'), 'each delivered at its first attempt');
    assert.deepEqual(Object.fromEntries(receiver.seen), Object.fromEntries(rows.map((r) => [`msg_${r.id}`, 1])));
  });

  test('a node SIGKILLed mid-load loses nothing: its unanswered requests succeed on node 1 under the same keys', async (t) => {
    const expected = (i: number) => (i % 4 === 0 ? 'requires_action' : 'succeeded');
    const bodyOf = (i: number) => ({ amount: `${10 + i}.00`, currency: 'THB', referenceId: `load-${i}`, ...(i % 4 === 0 ? { paymentMethod: 'promptpay', confirm: true } : card()) });
    let kill: Promise<void> | null = null;
    const queue = Array.from({ length: LOAD }, (_, i) => i);
    const outcomes: Awaited<ReturnType<typeof sendUntilFinal>>[] = [];
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        // A little after the load's first third has started, so requests are inside node 2's processor calls.
        if (i === LOAD / 3) kill = sleep(15).then(() => c.nodes[1].killAndRestart());
        const build = () => signed(load, 'POST', '/api/v1/payments', bodyOf(i), { 'Idempotency-Key': `load-${i}` });
        // First to its node in turn, every retry to node 1: the balancer took node 2 out.
        outcomes[i] = await sendUntilFinal((n) => (n === 0 ? node(i) : node(0)), build, 30_000);
      }
    };
    await Promise.all(Array.from({ length: 9 }, worker));
    await kill;
    const unanswered = outcomes.reduce((n, o) => n + o.unanswered, 0);
    t.diagnostic(`requests ${LOAD}, attempts ${outcomes.reduce((n, o) => n + o.attempts, 0)}, unanswered ${unanswered}, retried ${outcomes.filter((o) => o.attempts > 1).length}`);
    assert.ok(unanswered > 0, 'the kill must cost node 2 some answers, or this test proves nothing');
    const wrong = outcomes.flatMap((o, i) => (o.answer.answered && o.answer.http === 201 && o.answer.body.data.status === expected(i) ? [] : [`load-${i}: ${describeAnswer(o.answer)}`]));
    assert.deepEqual(wrong, [], 'every request ends answered as without the kill');
    const stored = await c.db.query<{ reference_id: string; ids: string[] }>(
      'SELECT reference_id, array_agg(id::text) AS ids FROM payments WHERE merchant_id = $1 GROUP BY reference_id ORDER BY reference_id',
      [load.merchantId],
    );
    const want = outcomes.map((o, i) => [`load-${i}`, [o.answer.answered ? o.answer.body?.data?.id : null]] as const).sort(([a], [b]) => a.localeCompare(b));
    assert.deepEqual(stored.rows.map((r) => [r.reference_id, r.ids]), want, 'each create stored exactly once, under the id it answered');
    assert.deepEqual(await settle(c.db, [], 0, 20_000), [], 'no processor call left pending');
    assert.deepEqual(await processorBooks(c.db), [], "the sandbox's books agree");
    assert.deepEqual(await ledgerViolations(c.db), []);
    assert.deepEqual(c.nodes.flatMap((n) => n.unexpectedExits), []);
  });

  test('settlement: each paid payment is settled once, though every node runs the job', async (t) => {
    const unsettled = `SELECT count(*) AS n FROM payments WHERE succeeded_at IS NOT NULL AND settled_at IS NULL`;
    await waitFor('the first settlement run', Math.max(0, startedAt + SETTLEMENT_WAIT_MS - Date.now()), async () => (await count(c.db, unsettled)) === 0 || null);
    const { rows } = await c.db.query<{ id: string; journals: number; events: number }>(
      `SELECT p.id,
              (SELECT count(*) FROM journals j WHERE j.payment_id = p.id AND j.kind = 'settlement')::int AS journals,
              (SELECT count(*) FROM payment_events e WHERE e.payment_id = p.id AND e.type = 'settled')::int AS events
         FROM payments p WHERE p.succeeded_at IS NOT NULL ORDER BY p.id`,
    );
    t.diagnostic(`settled payments ${rows.length}`);
    assert.ok(rows.length > LOAD / 2, `the load's card payments are among them (${rows.length})`);
    assert.deepEqual(rows.filter((r) => r.journals !== 1 || r.events !== 1), [], 'one settlement journal and one settled event each');
    assert.deepEqual(await ledgerViolations(c.db), []);
  });
});
