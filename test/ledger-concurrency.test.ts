// A concurrent mix of pay, capture, refund and cancel from 32 workers on shared payments: no
// request fails with a 5xx, and the ledger's invariants hold afterwards (docs/architecture.md, ledger).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerViolations } from '../src/core/ledger/invariants.ts';
import { nativeMerchant, startKasir } from './helpers/harness.ts';
import { buyerPays, cancel, capture, CARDS, cardPayment, createPayment, refund, type Response } from './helpers/native.ts';
import { balances } from './helpers/ledger.ts';

const h = await startKasir();
const m = await nativeMerchant(h);

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('32 workers × 8 operations on 24 shared payments: no 5xx, ledger invariants hold', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push((await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '100.00' })).id);
  for (let i = 0; i < 8; i++) ids.push((await cardPayment(m, CARDS.succeeds, { currency: 'USD', amount: '100.00', captureMethod: 'manual' })).id);
  for (let i = 0; i < 8; i++) ids.push((await createPayment(m, { currency: 'USD', amount: '100.00', paymentMethod: 'wallet', confirm: true })).id);
  const outcomes = new Map<string, number>();
  const ops: ((id: string, r: () => number) => Promise<Response>)[] = [
    (id) => buyerPays(m, id),
    (id, r) => capture(m, id, r() < 0.5 ? undefined : '40.00'),
    (id, r) => refund(m, id, { amount: r() < 0.5 ? '10.00' : '25.00' }),
    (id) => cancel(m, id),
  ];
  await Promise.all(
    Array.from({ length: 32 }, async (_, w) => {
      const r = rng(1000 + w);
      for (let i = 0; i < 8; i++) {
        const id = ids[Math.floor(r() * ids.length)];
        const op = Math.floor(r() * ops.length);
        const res = await ops[op](id, r);
        const key = `${['pay', 'capture', 'refund', 'cancel'][op]} ${res.status}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        assert.ok(res.status < 500, `${key}: ${res.text}`);
      }
    }),
  );
  assert.deepEqual(await ledgerViolations(h.deps.core.db), []);
  const b = await balances(h, m.merchantId, 'USD');
  assert.equal(b.reserved, 0n, 'no funds left reserved once every call has answered');
  const { rows } = await h.deps.core.db.query<{ net: string }>(
    `SELECT COALESCE(sum(amount_received - amount_refunded), 0) AS net FROM payments WHERE merchant_id = $1 AND status = 'succeeded'`, [m.merchantId]);
  assert.equal(b.pending + b.available, BigInt(rows[0].net), 'the merchant holds exactly what its succeeded payments net');
  // The mix really exercised every operation with successes (guards against a test that only saw refusals).
  for (const op of ['pay 200', 'capture 200', 'refund 201', 'cancel 200']) assert.ok(outcomes.get(op), `${op} never happened: ${JSON.stringify([...outcomes])}`);
});
