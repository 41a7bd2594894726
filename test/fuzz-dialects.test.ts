// Property-based fuzzing of every dialect with fast-check: hostile requests on the real operations,
// half correctly authenticated, half not, 8 at a time over loopback (helpers/fuzz-run.ts). No answer
// may be 5xx-class (HTTP 5xx; Antom SYSTEM_ERROR / UNKNOWN_EXCEPTION; NICEPAY 1003 / 1004) unless a
// processor trigger asked for an unknown outcome, every answer keeps its dialect's format, and a
// refusal changes nothing. Then impossible dates, in every dialect's date fields, must be refused.
// KASIR_FUZZ_RUNS=10000 (requests per dialect, default 1000); KASIR_FUZZ_SEED=<n> replays a run, =random explores;
// with more than a few thousand runs, also pass --test-timeout=0 (npm test bounds a test at 120 s).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { startKasir } from './helpers/harness.ts';
import { paid, pay, payBody, requestId } from './helpers/antom.ts';
import { counts } from './helpers/db-fingerprint.ts';
import { antomFuzz } from './helpers/fuzz-antom.ts';
import { nativeFuzz } from './helpers/fuzz-native.ts';
import { nicepayFuzz, type Registered } from './helpers/fuzz-nicepay.ts';
import { emptyReport, fuzz, type DialectFuzz, type FuzzReport } from './helpers/fuzz-run.ts';
import { reach } from './helpers/native.ts';
import * as np from './helpers/nicepay.ts';
import { party } from './helpers/parties.ts';
import { MANUAL_CARD, usd } from './helpers/security-targets.ts';
import { impossibleDates, iso, wib, type Parts } from './helpers/strict-dates.ts';

const RUNS = Number(process.env.KASIR_FUZZ_RUNS ?? 1000);
// A fixed default seed keeps `npm test` deterministic (the same hostile requests every run, so a red
// run always means a change broke something); KASIR_FUZZ_SEED=random explores new ones.
const GIVEN_SEED = process.env.KASIR_FUZZ_SEED;
const SEED = GIVEN_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(GIVEN_SEED ?? 424242);
const BATCH = 8;

const h = await startKasir();
const A = await party(h, 'Fuzzed merchant');
const reports: Record<string, FuzzReport> = {};
const dates: Record<string, number> = {};
after(() => {
  const figures = Object.fromEntries(Object.entries(reports).map(([d, r]) => [d, { requests: r.requests, authenticated: r.authenticated, refusals: r.refusals, failures: r.failures.size, byClass: r.byClass }]));
  console.log(`fuzz-dialects seed=${SEED} runs=${RUNS}: ${JSON.stringify({ ...figures, strictDates: dates })}`);
});

/** Payments of the fuzzed merchant in every state an operation can act on (the fuzz uses them up). */
async function nativePool(): Promise<string[]> {
  const states = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture', 'succeeded'] as const;
  const ids: string[] = [];
  for (const s of states) for (let i = 0; i < 3; i++) ids.push((await reach(h, A.native, s)).id);
  return ids;
}

async function antomPool() {
  const waiting = [await pay(A.antom), await pay(A.antom)];
  const done = [await paid(A.antom), await paid(A.antom), await paid(A.antom, MANUAL_CARD)];
  const refunds = [await A.antom.call('refund', { refundRequestId: requestId('rf'), paymentId: done[0].paymentId, refundAmount: usd('100') })];
  const all = [...waiting, ...done];
  return {
    paymentIds: all.map((p) => p.paymentId),
    paymentRequestIds: all.map((p) => p.paymentRequestId),
    refundIds: refunds.map((r) => r.body.refundId),
    refundRequestIds: refunds.map((r) => r.body.refundRequestId),
  };
}

async function nicepayPool(): Promise<Registered[]> {
  const entry = (r: any, payMethod: string): Registered => ({ tXid: r.tXid, referenceNo: r.referenceNo, amt: r.amt, payMethod });
  const out: Registered[] = [];
  for (let i = 0; i < 3; i++) out.push(entry(await np.register(h, A.nicepay, '01'), '01'), entry(await np.register(h, A.nicepay, '02'), '02'));
  out.push(entry(await np.paidCard(h, A.nicepay), '01'));
  return out;
}

async function run(d: DialectFuzz): Promise<void> {
  const report = emptyReport();
  reports[d.name] = report;
  const before = await counts(h.deps.core.db);
  await fuzz(h, d, { runs: Math.ceil(RUNS / 2), batch: BATCH, seed: SEED, authenticated: true, report });
  await fuzz(h, d, { runs: Math.ceil(RUNS / 2), batch: BATCH, seed: SEED + 1, authenticated: false, report });
  const after = await counts(h.deps.core.db);
  console.log(`${d.name}: ${report.requests} requests, payments ${before.payments}→${after.payments}, events ${before.events}→${after.events}, refunds ${before.refunds}→${after.refunds}`);
  assert.ok(report.requests >= RUNS, `${report.requests} requests < ${RUNS}`);
  const found = [...report.failures].map(([kind, example]) => `• ${kind}\n  ${example}`).join('\n');
  assert.equal(report.failures.size, 0, `seed ${SEED} (KASIR_FUZZ_SEED=${SEED} replays it): ${report.failures.size} kinds of failure:\n${found}`);
}

test(`native: ${RUNS} hostile requests`, async () => run(nativeFuzz(h, { apiKey: A.native.apiKey, apiSecret: A.native.apiSecret }, await nativePool())));

test(`Antom: ${RUNS} hostile requests`, async () => run(antomFuzz(h, A.antom, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, await antomPool())));

test(`NICEPAY: ${RUNS} hostile requests`, async () => run(nicepayFuzz(h, A.nicepay, await nicepayPool())));

/**
 * `send(date)` answers whether the dialect refused (true) or accepted (false) a request carrying
 * that date; an impossible date must be refused without creating anything, its real neighbour accepted.
 */
async function strictDates(name: string, send: (p: Parts) => Promise<boolean>): Promise<void> {
  const year = new Date(h.clock.now()).getUTCFullYear() + 1;
  dates[name] = 0;
  await fc.assert(
    fc.asyncProperty(impossibleDates(year), async ({ bad, good }) => {
      const before = await counts(h.deps.core.db);
      assert.equal(await send(bad), true, `${name}: impossible ${JSON.stringify(bad)} accepted`);
      assert.deepEqual(await counts(h.deps.core.db), before, `${name}: refusing ${JSON.stringify(bad)} changed state`);
      assert.equal(await send(good), false, `${name}: real ${JSON.stringify(good)} refused`);
      dates[name] += 2;
    }),
    { numRuns: 30, seed: SEED },
  );
}

test('strict dates: native expiresAt', () =>
  strictDates('native expiresAt', async (p) => {
    const r = await A.native.request('POST', '/api/v1/payments', { amount: '10.00', currency: 'THB', expiresAt: iso(p, 'Z') });
    if (r.status === 201) return false;
    assert.deepEqual([r.status, r.body?.error?.code, r.body?.error?.details?.field], [400, 'VALIDATION_ERROR', 'expiresAt'], r.text);
    return true;
  }));

test('strict dates: Antom paymentExpiryTime', () =>
  strictDates('antom paymentExpiryTime', async (p) => {
    const r = await A.antom.call('pay', payBody({ paymentExpiryTime: iso(p, '+08:00') }));
    if (r.body?.result?.resultCode === 'PAYMENT_IN_PROCESS') return false;
    assert.deepEqual([r.body?.result?.resultCode, r.verified], ['PARAM_ILLEGAL', true], r.text);
    return true;
  }));

test('strict dates: NICEPAY vacctValidDt / vacctValidTm', () =>
  strictDates('nicepay vacctValid', async (p) => {
    const { dt, tm } = wib(p);
    const r = await np.post(h, '/nicepay/direct/v2/registration', np.registrationRequest(h, A.nicepay, '02', { vacctValidDt: dt, vacctValidTm: tm }));
    if (r.body?.resultCd === '0000') return false;
    assert.match(String(r.body?.resultCd), /^90\d\d$/, r.text);
    return true;
  }));
