// A card confirm whose request died before the processor saw its authorization is finished twice
// over: by the reconciler (sync, then `abandon` — the processor bars the operation — then the claim is
// rolled back) and by the client's retry under the same key (resumeOwnConfirm: sync, then the same
// operation sent again). Neither may meet the other's half-done work on that one operation: an
// authorization sent into the bar, or a second abandon of a barred operation, reads "canceled" at
// the processor, and that is nobody's decline. Each interleaving is forced with held processor calls
// (the multi-node test meets them only by chance); every one must end with the buyer's card charged
// exactly once and the retry answering 201 succeeded. The follow-up calls (void, refund) have the same
// two finishers (processor-call.ts runClaimed), and a barred void must not read as done either.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import type { OperationRecord, Processor } from '../src/core/processors/processor.ts';
import { processorBooks } from './chaos/checks.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { CARDS, cardPayment, stored, type Response } from './helpers/native.ts';
import { holdNextCall, sandboxes, withSandbox } from './helpers/processor-faults.ts';

// A retry that has to wait for another claimant gives up (409, retry later) after this much wall time.
const h = await startKasir({ waitMs: 100 });
const m = await nativeMerchant(h);
const core = h.deps.core;
const PAST_BOTH_LEASES = core.idempotencyLeaseMs + core.leaseMs;

/** A point a held call waits at: `reached` once the call got there, `open()` lets it go on. */
function gate() {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return { open, reached, pass: async () => { reach(); await opened; } };
}

/**
 * create+confirm under `key` whose first attempt dies inside its authorization before the sandbox saw
 * it (its node was SIGKILLed), both leases since lapsed. `send` is the same request again; `wake`
 * lets the dead attempt come back as a stale writer.
 */
async function firstAttemptDied(t: TestContext, key: string) {
  const body = { amount: '12.00', currency: 'USD', paymentMethod: 'card', confirm: true, paymentMethodData: { card: { number: CARDS.succeeds } }, referenceId: key };
  const send = () => m.request('POST', '/api/v1/payments', body, { 'Idempotency-Key': key });
  const held = holdNextCall(h, 'authorize', { booked: false, onRelease: 'reset' });
  const first = send();
  await held.entered;
  h.clock.advance(PAST_BOTH_LEASES);
  const { rows } = await core.db.query<{ id: string }>('SELECT id FROM payments WHERE merchant_id = $1 AND reference_id = $2', [m.merchantId, key]);
  assert.equal(rows.length, 1);
  const p = await stored(h, rows[0].id);
  assert.deepEqual([p.status, p.pendingOperation, p.pendingState], ['processing', 'confirm', 'in_flight'], 'the dead attempt left its claim');
  const wake = async () => { held.release(); await first; };
  t.after(wake); // a test that failed half-way still lets it go
  return { id: p.id, send, wake };
}

/** The sandbox with `abandon`, `sync` or `authorize` of payment `id` wrapped (the others as they are). */
function wrapped(id: string, wrap: Partial<Record<'abandon' | 'sync' | 'authorize', (real: () => Promise<any>) => Promise<any>>>): Processor {
  const sandbox = sandboxes(core).sandbox;
  const out: Processor = { ...sandbox };
  for (const [call, w] of Object.entries(wrap) as ['abandon' | 'sync' | 'authorize', (real: () => Promise<any>) => Promise<any>][]) {
    const real = sandbox[call] as (...a: unknown[]) => Promise<unknown>;
    (out as any)[call] = (op: OperationRecord, ...rest: unknown[]) => (op.paymentId === id ? w(() => real(op, ...rest)) : real(op, ...rest));
  }
  return out;
}

/** Retries until the answer is final (a 409 / 503 says "retry"), as a client does. */
async function untilFinal(send: () => Promise<Response>): Promise<Response> {
  for (let i = 0; ; i++) {
    const a = await send();
    if ((a.status !== 409 && a.status !== 503) || i === 5) return a;
  }
}

/** The buyer's card was charged once, the payment says so, and nothing is left pending. */
async function chargedOnce(id: string, answer: Response) {
  assert.equal(answer.status, 201, answer.text);
  assert.deepEqual([answer.body.data.id, answer.body.data.status, answer.body.data.amountReceived], [id, 'succeeded', '12.00'], answer.text);
  const p = await stored(h, id);
  assert.deepEqual([p.status, p.amountReceived, p.pendingOperation], ['succeeded', 1200n, null]);
  const books = await core.db.query<{ status: string }>(`SELECT status FROM sandbox_operations WHERE payment_id = $1 AND kind = 'authorize' ORDER BY status`, [id]);
  assert.deepEqual(books.rows.map((r) => r.status).filter((s) => s !== 'canceled'), ['succeeded'], 'one charge at the processor (and any barred operation)');
  const ops = await core.db.query<{ status: string }>(`SELECT status FROM processor_operations WHERE payment_id = $1 AND kind = 'authorize' ORDER BY created_at, id`, [id]);
  assert.equal(ops.rows.at(-1)?.status, 'completed');
  assert.deepEqual(ops.rows.slice(0, -1).map((r) => r.status), ops.rows.slice(0, -1).map(() => 'rolled_back'), 'any earlier operation rolled back, not failed');
  assert.deepEqual(await processorBooks(core.db), [], "the sandbox's books agree");
}

test('the retry resumes its confirm while the reconciler has barred the operation but not yet rolled it back: charged once, not payment_failed', async (t) => {
  const dead = await firstAttemptDied(t, 'race-barred');
  const held = gate();
  const reconciler = reconcileUnknown(withSandbox(core, wrapped(dead.id, { abandon: async (real) => { const r = await real(); await held.pass(); return r; } })));
  await held.reached; // the bar is in the sandbox's books; the roll-back is not written yet
  const during = await dead.send();
  t.diagnostic(`during: ${during.status} ${during.text.slice(0, 80)}`);
  assert.ok(during.status === 409 || (during.status === 201 && during.body.data.status === 'succeeded'), `no decline while the reconciler works: ${during.status} ${during.text}`);
  held.open();
  await reconciler;
  await chargedOnce(dead.id, await untilFinal(dead.send));
  await dead.wake();
  await chargedOnce(dead.id, await dead.send());
});

test('the retry synced "not found" and is sending the operation when the reconciler abandons it: charged once, not payment_failed', async (t) => {
  const dead = await firstAttemptDied(t, 'race-sending');
  // The reconciler has read the lapsed claim and is about to ask the processor.
  const asks = gate();
  const reconciler = reconcileUnknown(withSandbox(core, wrapped(dead.id, {
    sync: async (real) => { await asks.pass(); return real(); },
    abandon: async (real) => { await asks.pass(); return real(); },
  })));
  await asks.reached;
  // The retry takes the claim over, hears "not found", and its authorization is on the wire.
  const sending = gate();
  const bare = sandboxes(core).sandbox;
  sandboxes(core).sandbox = wrapped(dead.id, { authorize: async (real) => { await sending.pass(); return real(); } });
  try {
    const retry = dead.send();
    await sending.reached;
    asks.open();
    await reconciler;
    sending.open();
    const answer = await retry;
    await chargedOnce(dead.id, answer.status === 409 || answer.status === 503 ? await untilFinal(dead.send) : answer);
  } finally {
    sandboxes(core).sandbox = bare;
  }
  await dead.wake();
  await chargedOnce(dead.id, await dead.send());
});

test('a reconciler that dies after barring the operation: the next one rolls it back instead of reading the bar as a decline', async (t) => {
  const dead = await firstAttemptDied(t, 'race-second-abandon');
  const held = gate();
  const first = reconcileUnknown(withSandbox(core, wrapped(dead.id, { abandon: async (real) => { const r = await real(); await held.pass(); return r; } })));
  await held.reached;
  // The first reconciler's node hangs past its lease; another node's reconciler finds the claim.
  h.clock.advance(core.leaseMs + 1);
  await reconcileUnknown(core);
  held.open();
  await first; // wakes up as a stale writer: changes nothing
  const p = await stored(h, dead.id);
  assert.deepEqual([p.status, p.pendingOperation], ['requires_confirmation', null], 'rolled back: nothing was charged, the request may submit again');
  await chargedOnce(dead.id, await untilFinal(dead.send));
  await dead.wake();
  await chargedOnce(dead.id, await dead.send());
});

/** `send` dies inside its processor `call` before the sandbox saw it; both leases since lapsed. */
async function followUpDied(t: TestContext, call: 'void' | 'refund', send: () => Promise<Response>) {
  const held = holdNextCall(h, call, { booked: false, onRelease: 'reset' });
  const first = send();
  await held.entered;
  h.clock.advance(PAST_BOTH_LEASES);
  t.after(async () => { held.release(); await first; });
}

/** What the sandbox booked for payment `id`, by kind and status (a bar reads canceled/abandoned). */
async function books(id: string) {
  const { rows } = await core.db.query<{ kind: string; status: string; reason: string | null }>(
    'SELECT kind, status, reason FROM sandbox_operations WHERE payment_id = $1 ORDER BY created_at, operation_id', [id]);
  return rows.map((r) => `${r.kind} ${r.status}${r.reason === 'abandoned' ? ' (barred)' : ''}`);
}

test('a cancel resumed while the reconciler bars its void: canceled only once the sandbox voided', async (t) => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '12.00', captureMethod: 'manual' });
  const send = () => m.request('POST', `/api/v1/payments/${p.id}/cancel`, {}, { 'Idempotency-Key': 'race-void' });
  await followUpDied(t, 'void', send);
  const held = gate();
  const reconciler = reconcileUnknown(withSandbox(core, wrapped(p.id, { abandon: async (real) => { const r = await real(); await held.pass(); return r; } })));
  await held.reached;
  // A barred void syncs "canceled", which for a void reads as its success: never while it is barred.
  const during = await send();
  if (during.status !== 409) assert.ok((await books(p.id)).includes('void succeeded'), `answered while its void is barred, yet nothing voided: ${during.status} ${during.text}`);
  held.open();
  await reconciler;
  const answer = await untilFinal(send);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.data.status, 'canceled');
  assert.deepEqual(await books(p.id), ['authorize authorized', 'void canceled (barred)', 'void succeeded'], 'voided at the sandbox, under a fresh operation');
  assert.deepEqual([(await stored(h, p.id)).status, (await stored(h, p.id)).amountCapturable], ['canceled', 0n]);
});

test('a refund resumed after the reconciler barred it and died: refunded under a fresh operation, not declined', async (t) => {
  const p = await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '12.00' });
  const send = () => m.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '5.00' }, { 'Idempotency-Key': 'race-refund' });
  await followUpDied(t, 'refund', send);
  const held = gate();
  const reconciler = reconcileUnknown(withSandbox(core, wrapped(p.id, { abandon: async (real) => { const r = await real(); await held.pass(); return r; } })));
  await held.reached;
  // The reconciler's node hangs past its lease; the merchant's retry comes.
  h.clock.advance(core.leaseMs + 1);
  const answer = await untilFinal(send);
  held.open();
  await reconciler; // a stale writer: changes nothing
  assert.equal(answer.status, 201, answer.text);
  assert.equal(answer.body.data.amount, '5.00');
  assert.deepEqual(await books(p.id), ['authorize succeeded', 'refund canceled (barred)', 'refund succeeded']);
  const after = await stored(h, p.id);
  assert.deepEqual([after.amountRefunded, after.pendingOperation], [500n, null]);
  const refunds = await core.db.query<{ status: string }>('SELECT status FROM refunds WHERE payment_id = $1 ORDER BY created_at, id', [p.id]);
  assert.deepEqual(refunds.rows.map((r) => r.status), ['failed', 'succeeded'], 'the barred refund did not happen; the retry made it');
  assert.deepEqual(await processorBooks(core.db), [], "the sandbox's books agree");
});
