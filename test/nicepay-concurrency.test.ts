// Parallel NICEPAY cancels of one paid card (the sandbox processor answers after a few ms, so the
// requests really overlap): however they interleave, the stored amountCanceled never exceeds the
// amount and equals the sum of the cancels that answered 0000; every other answer is a refusal
// from the code table, and the timeline has exactly one event per successful cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startKasir } from './helpers/harness.ts';
import { cancel, eventsOf, IONPAYTEST, nicepayMerchant, paidCard, storedTx } from './helpers/nicepay.ts';

const h = await startKasir({ sandboxLatencyMs: 3 });
const m = await nicepayMerchant(h, IONPAYTEST);

/** Fires all cancels at once; returns the Rupiah amount of each one that succeeded. */
async function race(tXid: string, requests: { cancelType: '1' | '2'; amt: number }[]) {
  const replies = await Promise.all(requests.map((r) => cancel(h, m, { tXid, payMethod: '01', cancelType: r.cancelType, amt: String(r.amt) })));
  const won: number[] = [];
  for (const r of replies) {
    assert.equal(r.status, 200, r.text);
    if (r.body.resultCd === '0000') won.push(Number(r.body.amt));
    else assert.ok(['9319', '9315', '9320'].includes(r.body.resultCd), r.text);
  }
  return won;
}

async function checkStored(tXid: string, amount: number, won: number[]) {
  const p = await storedTx(h, tXid);
  const total = won.reduce((a, b) => a + b, 0);
  assert.ok(total <= amount, `canceled ${total} of ${amount}`);
  assert.equal(p.amountCanceled, BigInt(total) * 100n, 'stored = sum of the successful answers');
  assert.ok(p.amountCanceled <= p.amount);
  assert.equal(p.status, total === amount ? 'canceled' : 'succeeded');
  assert.equal(p.pendingOperation, null, 'no cancel left claimed');
  const cancels = (await eventsOf(h, p.id)).filter((e) => e.type === 'partially_canceled' || e.type === 'canceled');
  assert.equal(cancels.length, won.length, 'one event per successful cancel');
  assert.equal(cancels.reduce((a, e) => a + (e.amount ?? 0n), 0n), p.amountCanceled);
}

test('15 parallel partial cancels of 1000 on a 10000 payment: exactly 10 succeed', async () => {
  const reg = await paidCard(h, m, '10000');
  const won = await race(reg.tXid, Array.from({ length: 15 }, () => ({ cancelType: '2' as const, amt: 1000 })));
  assert.equal(won.length, 10);
  await checkStored(reg.tXid, 10000, won);
});

test('parallel partial cancels of random amounts never cancel more than the amount', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 2, maxLength: 6 }), async (amounts) => {
      const reg = await paidCard(h, m, '10000');
      const won = await race(reg.tXid, amounts.map((amt) => ({ cancelType: '2' as const, amt })));
      await checkStored(reg.tXid, 10000, won);
    }),
    { numRuns: 6 },
  );
});

test('a full cancel racing partial ones: either it wins alone, or it loses to them (9320)', async () => {
  for (let round = 0; round < 3; round++) {
    const reg = await paidCard(h, m, '10000');
    const won = await race(reg.tXid, [
      { cancelType: '2', amt: 2000 }, { cancelType: '1', amt: 10000 }, { cancelType: '2', amt: 3000 }, { cancelType: '1', amt: 10000 },
    ]);
    await checkStored(reg.tXid, 10000, won);
    const fulls = won.filter((a) => a === 10000).length;
    assert.ok(fulls <= 1, 'at most one full cancel');
    if (fulls === 1) assert.deepEqual(won, [10000], 'a full cancel that won stands alone');
  }
});
