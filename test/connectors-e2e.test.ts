// Connectors end to end: a live merchant of this Kasir (in-process) sends its payments to an Antom
// account and a NICEPAY account at a second Kasir running as its own process in test mode, through a
// fault-injecting proxy; the upstream's notifications come back through a second proxy. Every case
// ends in the state the upstream holds (asked by inquiry with the upstream merchant's own
// credentials), with both ledgers balanced.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { pollAwaitingUpstream } from '../src/core/jobs/poll-upstream.ts';
import { admin, nativeClientFor, startKasir, type Harness, type NativeClient } from './helpers/harness.ts';
import { antomClientFor, type AntomClient } from './helpers/antom.ts';
import { inquiry as nicepayInquiry, paymentFields, post as nicepayPost, registrationRequest, cancelRequest, type NicepayMerchant } from './helpers/nicepay.ts';
import { cancel, create, get, refund } from './helpers/native.ts';
import { remote } from './chaos/clients.ts';
import { startFaultProxy, type Fault, type FaultProxy } from './helpers/fault-proxy.ts';
import { startUpstream, type Upstream } from './helpers/upstream-process.ts';

let up: Upstream;
let down: Harness;
let toUpstream: FaultProxy; // connectors → upstream
let toDown: FaultProxy; // upstream notifications → this Kasir
let upAntom: AntomClient; // the upstream merchant, as itself (to read the truth upstream)
let upNicepay: NicepayMerchant;
let native: NativeClient;
let antom: AntomClient;
let nicepay: NicepayMerchant;
const upstreamMerchant: Record<string, any> = {};

// Top level, not in before(): the harness registers its own after() hooks for this file.
await (async () => {
  up = await startUpstream({ KASIR_RECONCILE_EVERY_MS: '300' });
  const made = await up.admin('POST', '/merchants', { name: 'Upstream account of the shop' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  Object.assign(upstreamMerchant, made.body.data);
  const upHarness = remote(up.baseUrl);
  upAntom = antomClientFor(upHarness, { merchant: { id: made.body.data.id }, antom: made.body.data.antom, native: made.body.data.native } as never);
  upNicepay = { merchantId: made.body.data.id, iMid: made.body.data.nicepay.iMid, merchantKey: made.body.data.nicepay.merchantKey, native: undefined as never };
  toUpstream = await startFaultProxy(up.baseUrl);
  let inbound = '';
  down = await startKasir({ connectorTimeoutMs: 1_500, publicUrl: () => inbound || undefined });
  toDown = await startFaultProxy(down.baseUrl);
  inbound = toDown.url;

  const shop = await admin(down, 'POST', '/merchants', { name: 'Live shop', mode: 'live' });
  assert.equal(shop.status, 201, JSON.stringify(shop.body));
  const m = shop.body.data;
  assert.equal(m.mode, 'live');
  native = nativeClientFor(down, m.id, m.native.apiKey, m.native.apiSecret);
  antom = antomClientFor(down, { merchant: { id: m.id }, antom: m.antom, native: m.native } as never);
  nicepay = { merchantId: m.id, iMid: m.nicepay.iMid, merchantKey: m.nicepay.merchantKey, native };
  const antomAccount = await admin(down, 'POST', `/merchants/${m.id}/connectors`, {
    type: 'antom', name: 'Antom upstream', baseUrl: toUpstream.url,
    clientId: made.body.data.antom.clientId, privateKey: made.body.data.antom.merchantPrivateKeyPkcs8, providerPublicKey: made.body.data.antom.gatewayPublicKey,
  });
  assert.equal(antomAccount.status, 201, JSON.stringify(antomAccount.body));
  const nicepayAccount = await admin(down, 'POST', `/merchants/${m.id}/connectors`, {
    type: 'nicepay', name: 'NICEPAY upstream', baseUrl: toUpstream.url, iMid: made.body.data.nicepay.iMid, merchantKey: made.body.data.nicepay.merchantKey,
  });
  assert.equal(nicepayAccount.status, 201, JSON.stringify(nicepayAccount.body));
  // USD goes to Antom; IDR to NICEPAY, except QRIS and cards, which go to Antom (NICEPAY-dialect payments routed to Antom).
  for (const route of [
    { connectorId: antomAccount.body.data.id, currency: 'USD', priority: 10 },
    { connectorId: antomAccount.body.data.id, currency: 'IDR', method: 'qris', priority: 5 },
    { connectorId: antomAccount.body.data.id, currency: 'IDR', method: 'card', priority: 5 },
    { connectorId: nicepayAccount.body.data.id, currency: 'IDR', priority: 20 },
  ]) {
    const r = await admin(down, 'POST', `/merchants/${m.id}/routes`, route);
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
})();

after(async () => {
  if (process.env.SHOW_UPSTREAM_LOG) console.log(up?.kasir.logTail(60), up?.kasir.unexpectedExits);
  await toUpstream?.close();
  await toDown?.close();
  if (up) assert.deepEqual(await up.stopAndCheckLedger(), [], 'the upstream ledger balances');
});

/** The downstream charge's operation id: the idempotency key (paymentRequestId / referenceNo) the upstream knows it by. */
async function chargeOf(paymentId: string): Promise<string> {
  const { rows } = await down.deps.core.db.query<{ id: string }>(
    `SELECT id FROM processor_operations WHERE payment_id = $1 AND kind = 'authorize' AND status <> 'rolled_back' ORDER BY created_at DESC LIMIT 1`,
    [paymentId],
  );
  assert.ok(rows[0], 'the payment has a charge');
  return rows[0].id;
}

async function antomTruth(paymentRequestId: string): Promise<any> {
  const res = await upAntom.call('inquiryPayment', { paymentRequestId });
  assert.equal(res.verified, true);
  return res.body;
}

async function nicepayTruth(referenceNo: string, amt: string): Promise<any> {
  return (await nicepayInquiry(remote(up.baseUrl), upNicepay, { referenceNo, amt })).body;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const statusOf = async (id: string) => (await get(native, id)).body.data.status as string;

let orders = 0;

/** A USD wallet payment (routed to the Antom account); `description` tells it apart (the clock is fixed). */
async function nativeWalletPayment(key?: string, description = `Coffee beans #${++orders}`) {
  return create(native, { amount: '25.00', currency: 'USD', paymentMethod: 'wallet', confirm: true, description }, key ? { 'Idempotency-Key': key } : undefined);
}

test('native → Antom upstream: the buyer pays on the upstream page, the notification alone settles it; a refund crosses the hop', async () => {
  const res = await nativeWalletPayment();
  assert.equal(res.status, 201, res.text);
  const p = res.body.data;
  assert.equal(p.status, 'requires_action');
  assert.ok(p.nextAction.url.startsWith(up.baseUrl), `the buyer is sent to the upstream's page: ${p.nextAction.url}`);
  const op = await chargeOf(p.id);
  assert.equal((await antomTruth(op)).paymentStatus, 'PROCESSING');
  const paid = await fetch(p.nextAction.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded' });
  assert.equal(paid.status, 200);
  await until('the notification', async () => (await statusOf(p.id)) === 'succeeded');
  assert.equal((await antomTruth(op)).paymentStatus, 'SUCCESS');
  const { rows } = await down.deps.core.db.query(`SELECT data FROM payment_events WHERE payment_id = $1 AND type = 'succeeded'`, [p.id]);
  assert.equal((rows[0].data as { source: string }).source, 'notification');

  const r = await refund(native, p.id, { amount: '10.00' });
  assert.equal(r.status, 201, r.text);
  const refunds = (await antomTruth(op)).transactions.filter((t: any) => t.transactionType === 'REFUND');
  assert.deepEqual(refunds.map((t: any) => [t.transactionStatus, t.transactionAmount.value]), [['SUCCESS', '1000']]);
});

test('NICEPAY dialect → Antom upstream (QRIS): the upstream refuses the cancel (Indonesian methods are never cancellable at Antom); the caller gets NICEPAY\'s refusal, nothing changes', async () => {
  const req = registrationRequest(remote(down.baseUrl), nicepay, '08', { amt: '15000' });
  const reg = (await nicepayPost(remote(down.baseUrl), '/nicepay/direct/v2/registration', req)).body;
  assert.equal(reg.resultCd, '0000', JSON.stringify(reg));
  const stored = await down.deps.core.db.query<{ id: string; processor: string }>(`SELECT id, processor FROM payments WHERE nicepay_txid = $1`, [reg.tXid]);
  assert.match(stored.rows[0].processor, /^con_/);
  const op = await chargeOf(stored.rows[0].id);
  assert.equal((await antomTruth(op)).paymentStatus, 'PROCESSING');
  const seen = toUpstream.seen.length;
  const c = (await nicepayPost(remote(down.baseUrl), '/nicepay/direct/v2/cancel', cancelRequest(remote(down.baseUrl), nicepay, { tXid: reg.tXid, payMethod: '08', cancelType: '1', amt: '15000' }))).body;
  assert.equal(c.resultCd, '9314', JSON.stringify(c));
  assert.ok(toUpstream.seen.slice(seen).some((s) => s.path.endsWith('/cancel')), 'the cancel was asked upstream');
  assert.equal((await antomTruth(op)).paymentStatus, 'PROCESSING');
  const after = await down.deps.core.db.query<{ status: string; pending_operation: string | null }>(`SELECT status, pending_operation FROM payments WHERE id = $1`, [stored.rows[0].id]);
  assert.deepEqual(after.rows[0], { status: 'requires_action', pending_operation: null });
});

test('Antom dialect → NICEPAY upstream (VA): the account number comes from upstream; paid there, confirmed by inquiry', async () => {
  const body = { productCode: 'CASHIER_PAYMENT', paymentRequestId: `va_${Date.now()}`, paymentAmount: { currency: 'IDR', value: '5000000' }, paymentMethod: { paymentMethodType: 'BANKTRANSFER_MANDIRI' }, order: { referenceOrderId: 'o-va', orderDescription: 'Sepatu', orderAmount: { currency: 'IDR', value: '5000000' } }, paymentRedirectUrl: 'https://shop.example/back' };
  const payRes = await antom.call('pay', body);
  assert.equal(payRes.body.result.resultCode, 'PAYMENT_IN_PROCESS', JSON.stringify(payRes.body));
  const { rows } = await down.deps.core.db.query<{ id: string; next_action: any }>(`SELECT id, next_action FROM payments WHERE antom_payment_request_id = $1`, [body.paymentRequestId]);
  const p = rows[0];
  const op = await chargeOf(p.id);
  const truth = await nicepayTruth(op, '50000');
  assert.equal(truth.resultCd, '0000', JSON.stringify(truth));
  assert.equal(p.next_action.accountNumber, truth.vacctNo, 'the caller sees the upstream VA number');
  // The buyer pays the VA at the upstream (its sandbox buyer); the upstream notifies this Kasir.
  const paid = await nicepayPost(remote(up.baseUrl), '/nicepay/sandbox/pay', { tXid: truth.tXid, iMid: upNicepay.iMid, referenceNo: op, amt: '50000', outcome: 'paid', timeStamp: '20250101000000',
    merchantToken: (await import('../src/dialects/nicepay/token.ts')).registrationToken({ timeStamp: '20250101000000', iMid: upNicepay.iMid, referenceNo: op, amt: '50000', merchantKey: upNicepay.merchantKey }) });
  assert.equal(paid.body.resultCd, '0000', JSON.stringify(paid.body));
  await until('the notification', async () => (await antom.call('inquiryPayment', { paymentRequestId: body.paymentRequestId })).body.paymentStatus === 'SUCCESS');
  assert.equal((await nicepayTruth(op, '50000')).status, '0');
});

test('a lost notification: the poller finds the payment by inquiry alone', async () => {
  toDown.arm(/\/connectors\//, { kind: 'refuse' }, 1_000);
  const p = (await nativeWalletPayment()).body.data;
  const paid = await fetch(p.nextAction.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded' });
  assert.equal(paid.status, 200);
  await until('the refused notification', async () => toDown.seen.some((s) => s.fault === 'refuse'));
  assert.equal(await statusOf(p.id), 'requires_action', 'nothing arrived');
  const polled = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.ok(polled.applied >= 1, JSON.stringify(polled));
  assert.equal(await statusOf(p.id), 'succeeded');
  toDown.disarm();
});

// The delay outlasts connectorTimeoutMs (1.5 s) by a second: the caller has given up when the answer comes.
for (const fault of [
  { kind: 'delay_response', ms: 2_500 },
  { kind: 'drop_after' },
  { kind: 'status_5xx' },
  { kind: 'garbage' },
  { kind: 'bad_signature' },
] as Fault[]) {
  test(`native pay through a ${fault.kind} fault: unknown, never guessed; reconciled to what the upstream holds; the cancel is exact`, async () => {
    toUpstream.arm(/\/payments\/pay$/, fault);
    const first = await nativeWalletPayment(`fault-${fault.kind}-${Date.now()}`);
    assert.equal(first.status, 202, first.text);
    const p = first.body.data;
    assert.equal(p.status, 'processing', 'outcome unknown: still processing');
    const op = await chargeOf(p.id);
    assert.equal((await antomTruth(op)).paymentStatus, 'PROCESSING', 'the upstream did create it');
    if (fault.kind === 'delay_response') await toUpstream.settled(); // the late answer arrives and is ignored
    await reconcileUnknown(down.deps.core);
    const after = (await get(native, p.id)).body.data;
    assert.equal(after.status, 'requires_action', 'what the upstream holds: waiting for the buyer');
    assert.ok(after.nextAction.url.startsWith(up.baseUrl));
    assert.equal(await chargeOf(p.id), op, 'the same charge, never a second one');
    const c = await cancel(native, p.id, {});
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.data.status, 'canceled');
    assert.equal((await antomTruth(op)).paymentStatus, 'CANCELLED');
  });
}

for (const fault of [{ kind: 'delay_response', ms: 2_500 }, { kind: 'drop_after' }, { kind: 'status_5xx' }, { kind: 'garbage' }] as Fault[]) {
  // NICEPAY answers carry no signature: the fault list is the transport's.
  test(`native → NICEPAY registration through a ${fault.kind} fault: unknown, reconciled by inquiry to the upstream's VA; the cancel is exact`, async () => {
    toUpstream.arm(/\/direct\/v2\/registration$/, fault);
    const first = await create(native, { amount: '35000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true, description: `VA ${fault.kind}` });
    assert.equal(first.status, 202, first.text);
    const p = first.body.data;
    assert.equal(p.status, 'processing');
    const op = await chargeOf(p.id);
    const truth = await nicepayTruth(op, '35000');
    assert.equal(truth.resultCd, '0000', 'the upstream did register it');
    if (fault.kind === 'delay_response') await toUpstream.settled();
    await reconcileUnknown(down.deps.core);
    const after = (await get(native, p.id)).body.data;
    assert.equal(after.status, 'requires_action');
    assert.equal(after.nextAction.accountNumber, truth.vacctNo, 'the upstream VA, not a second registration');
    assert.equal(await chargeOf(p.id), op);
    const c = await cancel(native, p.id, {});
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.data.status, 'canceled');
    assert.equal((await nicepayTruth(op, '35000')).resultMsg, 'expired');
  });
}

test('a NICEPAY cancel whose answer is lost after the upstream canceled: unknown, reconciled (cancelAmt) to canceled on both sides', async () => {
  const p = (await create(native, { amount: '36000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true, description: 'VA lost cancel' })).body.data;
  assert.equal(p.status, 'requires_action');
  const op = await chargeOf(p.id);
  toUpstream.arm(/\/direct\/v2\/cancel$/, { kind: 'drop_after' });
  const c = await cancel(native, p.id, {});
  assert.equal(c.status, 503, c.text);
  assert.equal((await nicepayTruth(op, '36000')).resultMsg, 'expired', 'the upstream canceled');
  down.clock.advance(60_000);
  await reconcileUnknown(down.deps.core);
  assert.equal(await statusOf(p.id), 'canceled');
  const cancels = toUpstream.seen.filter((s) => s.path.endsWith('/cancel')).length;
  await reconcileUnknown(down.deps.core);
  assert.equal(toUpstream.seen.filter((s) => s.path.endsWith('/cancel')).length, cancels, 'settled: never sent again');
});

test('Antom dialect pay whose answer is lost after the upstream committed: U, and the identical retry completes', async () => {
  const body = { productCode: 'CASHIER_PAYMENT', paymentRequestId: `lost_${Date.now()}`, paymentAmount: { currency: 'USD', value: '700' }, paymentMethod: { paymentMethodType: 'ALIPAY_CN' }, order: { referenceOrderId: 'o-lost', orderDescription: 'Tea', orderAmount: { currency: 'USD', value: '700' } }, paymentRedirectUrl: 'https://shop.example/back' };
  toUpstream.arm(/\/payments\/pay$/, { kind: 'drop_after' });
  const first = await antom.call('pay', body);
  assert.equal(first.body.result.resultStatus, 'U', JSON.stringify(first.body));
  const retry = await until('a final answer', async () => {
    const r = await antom.call('pay', body);
    return r.body.result.resultCode === 'PAYMENT_IN_PROCESS' ? r : null;
  });
  assert.ok(retry.body.normalUrl.startsWith(up.baseUrl), retry.text);
  const { rows } = await down.deps.core.db.query<{ id: string }>(`SELECT id FROM payments WHERE antom_payment_request_id = $1`, [body.paymentRequestId]);
  const ops = await down.deps.core.db.query(`SELECT 1 FROM processor_operations WHERE payment_id = $1 AND kind = 'authorize'`, [rows[0].id]);
  assert.equal(ops.rows.length, 1, 'one charge');
  assert.equal((await antomTruth(await chargeOf(rows[0].id))).paymentStatus, 'PROCESSING');
  const c = await antom.call('cancel', { paymentRequestId: body.paymentRequestId });
  assert.equal(c.body.result.resultStatus, 'S', JSON.stringify(c.body));
  assert.equal((await antomTruth(await chargeOf(rows[0].id))).paymentStatus, 'CANCELLED');
});

test('upstream down: a definite "not available", nothing created; when it is back the same request goes through', async () => {
  const key = `down-${Date.now()}`;
  const description = `Down order ${Date.now()}`;
  await toUpstream.down();
  let paymentId: string;
  let charge: string;
  try {
    const res = await nativeWalletPayment(key, description);
    assert.equal(res.status, 503, res.text);
    assert.equal(res.body.error.code, 'SERVICE_UNAVAILABLE');
    const { rows } = await down.deps.core.db.query<{ id: string; status: string }>(`SELECT id, status FROM payments WHERE description = $1`, [description]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'requires_confirmation', 'rolled back: to be submitted again');
    paymentId = rows[0].id;
    const ops = await down.deps.core.db.query<{ id: string; status: string }>(`SELECT id, status FROM processor_operations WHERE payment_id = $1`, [paymentId]);
    assert.deepEqual(ops.rows.map((o) => o.status), ['rolled_back']);
    charge = ops.rows[0].id;
  } finally {
    await toUpstream.up();
  }
  assert.equal((await antomTruth(charge)).result.resultCode, 'ORDER_NOT_EXIST', 'nothing reached the upstream');
  const again = await nativeWalletPayment(key, description);
  assert.equal(again.status, 201, again.text);
  assert.equal(again.body.data.id, paymentId);
  assert.equal(again.body.data.status, 'requires_action');
  assert.equal((await antomTruth(await chargeOf(paymentId))).paymentStatus, 'PROCESSING');
});

test('a cancel whose answer is lost after the upstream canceled: unknown, then reconciled to canceled on both sides', async () => {
  const p = (await nativeWalletPayment()).body.data;
  const op = await chargeOf(p.id);
  toUpstream.arm(/\/payments\/cancel$/, { kind: 'drop_after' });
  const c = await cancel(native, p.id, {});
  assert.equal(c.status, 503, c.text);
  assert.equal(c.body.error.code, 'OUTCOME_UNKNOWN');
  assert.equal((await antomTruth(op)).paymentStatus, 'CANCELLED', 'the upstream canceled');
  down.clock.advance(60_000);
  await reconcileUnknown(down.deps.core);
  assert.equal(await statusOf(p.id), 'canceled');
});

test('an upstream refusal reaches the caller in its own dialect, and nothing changes on either side', async () => {
  // The upstream account may not cancel (its contract), which this Kasir cannot know beforehand.
  const patched = await up.admin('PATCH', `/merchants/${upstreamMerchant.id}/contract`, { antom: { apis: { cancel: false } } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  try {
    const p = (await nativeWalletPayment()).body.data;
    const op = await chargeOf(p.id);
    const c = await cancel(native, p.id, {});
    assert.equal(c.status, 402, c.text);
    assert.equal(c.body.error.code, 'PAYMENT_METHOD_ERROR');
    assert.equal(await statusOf(p.id), 'requires_action');
    assert.equal((await antomTruth(op)).paymentStatus, 'PROCESSING');
    const viaAntom = await antom.call('cancel', { paymentId: (await down.deps.core.db.query<{ antom_payment_id: string }>(`SELECT antom_payment_id FROM payments WHERE id = $1`, [p.id])).rows[0].antom_payment_id });
    assert.equal(viaAntom.body.result.resultStatus, 'F', JSON.stringify(viaAntom.body));
  } finally {
    await up.admin('PATCH', `/merchants/${upstreamMerchant.id}/contract`, { antom: { apis: { cancel: true } } });
  }
});

test('a partial cancel of a paid Antom-routed payment (NICEPAY dialect, QRIS) is refused before any upstream call', async () => {
  const reg = (await nicepayPost(remote(down.baseUrl), '/nicepay/direct/v2/registration', registrationRequest(remote(down.baseUrl), nicepay, '08', { amt: '20000' }))).body;
  assert.equal(reg.resultCd, '0000', JSON.stringify(reg));
  const { rows } = await down.deps.core.db.query<{ id: string; next_action: { url: string } }>(`SELECT id, next_action FROM payments WHERE nicepay_txid = $1`, [reg.tXid]);
  const paid = await fetch(rows[0].next_action.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded' });
  assert.equal(paid.status, 200);
  await until('paid', async () => (await get(native, rows[0].id)).body.data.status === 'succeeded');
  // The shop's own contract allows partial cancels of paid QRIS; the provider behind it has none.
  const patched = await admin(down, 'PATCH', `/merchants/${nicepay.merchantId}/contract`, { nicepay: { cancel: { indonesian: { afterSuccess: true, partial: true } } } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const seen = toUpstream.seen.length;
  const c = (await nicepayPost(remote(down.baseUrl), '/nicepay/direct/v2/cancel', cancelRequest(remote(down.baseUrl), nicepay, { tXid: reg.tXid, payMethod: '08', cancelType: '2', amt: '5000' }))).body;
  assert.equal(c.resultCd, '9332', JSON.stringify(c));
  assert.equal(toUpstream.seen.length, seen, 'no upstream call');
  const after = await down.deps.core.db.query<{ status: string; amount_canceled: string }>(`SELECT status, amount_canceled FROM payments WHERE id = $1`, [rows[0].id]);
  assert.deepEqual({ ...after.rows[0], amount_canceled: String(after.rows[0].amount_canceled) }, { status: 'succeeded', amount_canceled: '0' });
  assert.equal((await antomTruth(await chargeOf(rows[0].id))).paymentStatus, 'SUCCESS');
});

/** Each of the three dialects creates a payment that its route sends to each provider, then cancels it: canceled upstream too. */
test('created and canceled through each dialect on each provider: the upstream cancels too', async () => {
  const local = remote(down.baseUrl);
  const upstreamState = async (paymentId: string) => {
    const op = await chargeOf(paymentId);
    const { rows } = await down.deps.core.db.query<{ processor: string }>(`SELECT processor FROM payments WHERE id = $1`, [paymentId]);
    const provider = await admin(down, 'GET', `/connectors/${rows[0].processor}`);
    if (provider.body.data.type === 'antom') return { provider: 'antom', state: (await antomTruth(op)).paymentStatus as string };
    const { rows: amt } = await down.deps.core.db.query<{ amount: string }>(`SELECT amount FROM payments WHERE id = $1`, [paymentId]);
    return { provider: 'nicepay', state: (await nicepayTruth(op, String(BigInt(amt[0].amount) / 100n))).resultMsg as string };
  };
  const idOf = async (column: string, value: string) =>
    (await down.deps.core.db.query<{ id: string }>(`SELECT id FROM payments WHERE ${column} = $1`, [value])).rows[0].id;
  const outcomes: Record<string, { before: unknown; after: unknown; answer: unknown }> = {};

  // native → Antom (USD wallet) and native → NICEPAY (IDR bank transfer: a virtual account).
  for (const [name, body] of [
    ['native → antom', { amount: '12.00', currency: 'USD', paymentMethod: 'wallet', confirm: true, description: 'matrix native antom' }],
    ['native → nicepay', { amount: '30000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true, description: 'matrix native nicepay' }],
  ] as const) {
    const made = await create(native, body);
    assert.equal(made.status, 201, made.text);
    const before = await upstreamState(made.body.data.id);
    const c = await cancel(native, made.body.data.id, {});
    outcomes[name] = { before, after: await upstreamState(made.body.data.id), answer: c.status === 200 ? c.body.data.status : c.text };
  }

  // Antom → Antom (ALIPAY_CN, USD) and Antom → NICEPAY (a Mandiri virtual account; the shop's
  // contract lets it cancel unpaid Indonesian methods, which the Antom profile's defaults never do).
  const patched = await admin(down, 'PATCH', `/merchants/${nicepay.merchantId}/contract`, { antom: { cancel: { indonesian: { beforeSuccess: true } } } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  for (const [name, type, currency, value] of [['antom → antom', 'ALIPAY_CN', 'USD', '900'], ['antom → nicepay', 'BANKTRANSFER_MANDIRI', 'IDR', '2500000']] as const) {
    const paymentRequestId = `matrix_${type}_${Date.now()}`;
    const paid = await antom.call('pay', { productCode: 'CASHIER_PAYMENT', paymentRequestId, paymentAmount: { currency, value }, paymentMethod: { paymentMethodType: type }, order: { referenceOrderId: paymentRequestId, orderDescription: name, orderAmount: { currency, value } }, paymentRedirectUrl: 'https://shop.example/back' });
    assert.equal(paid.body.result.resultCode, 'PAYMENT_IN_PROCESS', paid.text);
    const id = await idOf('antom_payment_request_id', paymentRequestId);
    const before = await upstreamState(id);
    const c = await antom.call('cancel', { paymentRequestId });
    outcomes[name] = { before, after: await upstreamState(id), answer: c.body.result.resultStatus };
  }

  // NICEPAY → NICEPAY (VA, submitted at registration) and NICEPAY → Antom (a card: the buyer's
  // browser step submits it and is sent on to the provider's page).
  for (const [name, payMethod, amt] of [['nicepay → nicepay', '02', '40000'], ['nicepay → antom', '01', '45000']] as const) {
    const reg = (await nicepayPost(local, '/nicepay/direct/v2/registration', registrationRequest(local, nicepay, payMethod, { amt }))).body;
    assert.equal(reg.resultCd, '0000', JSON.stringify(reg));
    if (payMethod === '01') {
      const page = await nicepayPost(local, '/nicepay/direct/v2/payment', paymentFields(local, nicepay, reg), { form: true });
      assert.equal(page.status, 200, page.text);
    }
    const id = await idOf('nicepay_txid', reg.tXid);
    const before = await upstreamState(id);
    const c = (await nicepayPost(local, '/nicepay/direct/v2/cancel', cancelRequest(local, nicepay, { tXid: reg.tXid, payMethod, cancelType: '1', amt }))).body;
    outcomes[name] = { before, after: await upstreamState(id), answer: c.resultCd };
  }

  assert.deepEqual(outcomes, {
    'native → antom': { before: { provider: 'antom', state: 'PROCESSING' }, after: { provider: 'antom', state: 'CANCELLED' }, answer: 'canceled' },
    'native → nicepay': { before: { provider: 'nicepay', state: 'unpaid' }, after: { provider: 'nicepay', state: 'expired' }, answer: 'canceled' },
    'antom → antom': { before: { provider: 'antom', state: 'PROCESSING' }, after: { provider: 'antom', state: 'CANCELLED' }, answer: 'S' },
    'antom → nicepay': { before: { provider: 'nicepay', state: 'unpaid' }, after: { provider: 'nicepay', state: 'expired' }, answer: 'S' },
    'nicepay → nicepay': { before: { provider: 'nicepay', state: 'unpaid' }, after: { provider: 'nicepay', state: 'expired' }, answer: '0000' },
    'nicepay → antom': { before: { provider: 'antom', state: 'PROCESSING' }, after: { provider: 'antom', state: 'CANCELLED' }, answer: '0000' },
  });
});
