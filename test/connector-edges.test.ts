// Edges of the connectors found by a review, each pinned to the behaviour fixed since: a buyer who
// paid upstream in time is never expired (nor reversed) by the downstream's clock; an unpaid charge
// lapses when the provider closed it; reports about a charge Kasir gave up never decide the payment;
// notifications verify behind a reverse proxy that strips a path prefix; a live Antom-dialect card
// pay goes to the provider's cashier at once; a route takes only the core's payment methods.
// A live merchant of `down` sends its payments to a test-mode merchant of `up` (upstream-antom.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sweepExpired } from '../src/core/jobs/expiry.ts';
import { pollAwaitingUpstream } from '../src/core/jobs/poll-upstream.ts';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { deliverDue, listDeliveries } from '../src/core/notifications/worker.ts';
import { listOperations } from '../src/core/processors/operations.ts';
import { checkout, expectResult, payBody } from './helpers/antom.ts';
import { startFaultProxy } from './helpers/fault-proxy.ts';
import { admin, startKasir } from './helpers/harness.ts';
import { createPayment, expectStatus, get, stored } from './helpers/native.ts';
import { downPayment, liveShop as nicepayShop, startPair, upstreamOf } from './helpers/upstream-nicepay.ts';
import {
  ACK, buyerPaysUpstream, byPaymentRequestId, eventsOf, impostorKey, lastCharge, liveShop, notify, startProvider, upstreamCount, upstreamPayment,
} from './helpers/upstream-antom.ts';

const provider = await startProvider();
const { up } = provider;
const down = await startKasir({ connectorTimeoutMs: 1500 });
const shop = await liveShop(down, provider);
// Between accounts of `down` and the provider, when a test needs a fault there.
const toUp = await startFaultProxy(up.baseUrl);
after(() => toUp.close());

// The same with NICEPAY: a live merchant of `np.down`, its account at `np.up` (upstream-nicepay.ts).
const np = await startPair();
const npShop = await nicepayShop(np);

// A Kasir behind a reverse proxy that mounts it at /kasir: its public URL has that path, which the
// proxy strips before forwarding.
let inbound = '';
const edge = await startKasir({ connectorTimeoutMs: 1500, publicUrl: () => inbound || undefined });
const front = await startFaultProxy(edge.baseUrl, { stripPrefix: '/kasir' });
after(() => front.close());
inbound = `${front.url}/kasir`;

const charge = (paymentId: string) => lastCharge(down, paymentId);
const eventTypes = async (paymentId: string) => (await eventsOf(down, paymentId)).map((e) => e.type);

/** A THB 100.00 wallet payment of `shop` expiring in a minute, waiting for its buyer at the provider. */
async function awaitingBuyer() {
  const created = await createPayment(shop.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true, expiresInSeconds: 60 });
  assert.equal(created.status, 'requires_action', JSON.stringify(created));
  const p = await stored(down, created.id);
  assert.equal(p.processor, shop.connectors[0]);
  const op = await charge(p.id);
  return { p, op, url: created.nextAction.url as string };
}

test('paid upstream in time, notification lost, the clock past expiry: neither the sweep nor a read expires it; the poller records it paid', async () => {
  const { p, op, url } = await awaitingBuyer();
  await buyerPaysUpstream(url); // before the expiry, at the provider; its notification is never delivered
  assert.equal((await upstreamPayment(provider, op.id)).status, 'succeeded');
  down.clock.advance(61_000);

  await sweepExpired(down.deps.core);
  const swept = await stored(down, p.id);
  assert.deepEqual([swept.status, swept.version], ['requires_action', p.version], 'the sweep leaves a charge waiting upstream alone');
  assert.equal(expectStatus(await get(shop.native, p.id), 200).data.status, 'requires_action', 'a read past expiry does not expire it');
  assert.equal((await stored(down, p.id)).version, p.version);

  const report = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.deepEqual(report.errors, []);
  assert.ok(report.applied >= 1, JSON.stringify(report));
  const paid = await stored(down, p.id);
  assert.deepEqual([paid.status, paid.amountReceived, paid.amountRefunded], ['succeeded', 10_000n, 0n]);
  assert.equal((await eventsOf(down, p.id)).find((e) => e.type === 'succeeded')?.data.source, 'sync');
  assert.ok(!(await eventTypes(p.id)).some((t) => t === 'expired' || t.startsWith('late_payment')), (await eventTypes(p.id)).join());
  const theirs = await upstreamPayment(provider, op.id);
  assert.deepEqual([theirs.status, theirs.amountRefunded, theirs.amountCanceled], ['succeeded', 0n, 0n]);

  // A later sweep, and the provider's notification arriving at last: nothing changes.
  await sweepExpired(down.deps.core);
  await deliverDue(up.deps.delivery);
  const [delivery] = (await listDeliveries(up.deps.core.db, theirs.id)).filter((d) => d.eventType === 'succeeded');
  assert.equal(delivery.status, 'delivered');
  assert.equal((await stored(down, p.id)).version, paid.version);
});

test('paid upstream in time, the poller reaching it first after expiry: succeeded, never reversed on either side', async () => {
  const { p, op, url } = await awaitingBuyer();
  await buyerPaysUpstream(url);
  down.clock.advance(61_000); // no sweep before the poller

  const report = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.deepEqual(report.errors, []);
  const paid = await stored(down, p.id);
  assert.deepEqual([paid.status, paid.amountReceived, paid.amountRefunded, paid.pendingOperation], ['succeeded', 10_000n, 0n, null]);
  assert.ok(!(await eventTypes(p.id)).some((t) => t === 'expired' || t.startsWith('late_payment')), (await eventTypes(p.id)).join());
  assert.deepEqual((await listOperations(down.deps.core.db, p.id)).map((o) => [o.kind, o.status]), [['authorize', 'completed']], 'no reversal was sent');
  const theirs = await upstreamPayment(provider, op.id);
  assert.deepEqual([theirs.status, theirs.amountRefunded, theirs.amountCanceled], ['succeeded', 0n, 0n]);
  await sweepExpired(down.deps.core);
  assert.equal((await stored(down, p.id)).version, paid.version);
});

test('unpaid past expiry, the provider closed the charge (CANCELLED there): the poller ends it expired; its charge is completed', async () => {
  const { p, op } = await awaitingBuyer();
  down.clock.advance(61_000);
  // Still open at the provider: asked, the payment keeps waiting (only the provider can say it lapsed).
  await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.deepEqual([(await stored(down, p.id)).status, (await upstreamPayment(provider, op.id)).status], ['requires_action', 'requires_action']);
  // The provider closes it (its own merchant's credentials, as its expiry job would).
  expectResult(await provider.client.call('cancel', { paymentRequestId: op.id }), 'SUCCESS', 'S');
  assert.equal((await upstreamPayment(provider, op.id)).status, 'canceled');

  const report = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.deepEqual(report.errors, []);
  const lapsed = await stored(down, p.id);
  assert.deepEqual([lapsed.status, lapsed.amountReceived, lapsed.nextAction, lapsed.pendingOperation], ['expired', 0n, null, null]);
  const ops = await listOperations(down.deps.core.db, p.id);
  assert.deepEqual(ops.map((o) => [o.id, o.kind, o.status]), [[op.id, 'authorize', 'completed']]);
  assert.equal(ops[0].result?.outcome, 'expired');
  assert.ok((await eventTypes(p.id)).includes('expired'));
  // Nothing more to ask about.
  const again = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.equal((await stored(down, p.id)).version, lapsed.version, JSON.stringify(again));
});

test('NICEPAY: an unpaid VA past expiry waits for the provider; once the provider expired it at the expiry it was given, the poller ends it expired', async () => {
  const created = await createPayment(npShop.native, { amount: '10000.00', currency: 'IDR', paymentMethod: 'bank_transfer', confirm: true, expiresInSeconds: 3600 });
  assert.equal(created.status, 'requires_action');
  const p = await downPayment(np, created.id);
  const expiresAt = p.expiresAt!.getTime();
  const theirs = await upstreamOf(np, p);
  assert.ok(Math.abs(theirs.expiresAt!.getTime() - expiresAt) < 1000, 'the provider was given the same expiry');
  np.down.clock.set(expiresAt + 1000);
  await sweepExpired(np.down.deps.core);
  // Asked while the provider still holds it open (its clock has not reached the expiry): it waits.
  assert.deepEqual((await pollAwaitingUpstream(np.down.deps.core, { everyMs: 0 })).errors, []);
  assert.deepEqual([(await downPayment(np, p.id)).status, (await downPayment(np, p.id)).version], ['requires_action', p.version]);

  np.up.clock.set(expiresAt + 1000);
  const report = await pollAwaitingUpstream(np.down.deps.core, { everyMs: 0 });
  assert.deepEqual(report.errors, []);
  assert.equal((await upstreamOf(np, p)).status, 'expired', 'the provider expired it');
  const lapsed = await downPayment(np, p.id);
  assert.deepEqual([lapsed.status, lapsed.amountReceived, lapsed.nextAction, lapsed.pendingOperation], ['expired', 0n, null, null]);
  const ops = await listOperations(np.down.deps.core.db, p.id);
  assert.deepEqual(ops.map((o) => [o.kind, o.status, o.result?.outcome]), [['authorize', 'completed', 'expired']]);
});

test('a report about a charge Kasir rolled back: a failure changes nothing, money on it is refused; the new charge still takes the payment', async () => {
  const behind = await liveShop(down, provider, [toUp.url]);
  // op1 never reaches the provider; the reconciler finds nothing there and rolls it back.
  toUp.arm(/\/payments\/pay$/, { kind: 'hang' });
  const res = await behind.native.request('POST', '/api/v1/payments', { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true });
  const id = expectStatus(res, 202).data.id;
  assert.deepEqual((await reconcileUnknown(down.deps.core)).errors, []);
  assert.equal((await stored(down, id)).status, 'requires_confirmation');
  const again = expectStatus(await behind.native.request('POST', `/api/v1/payments/${id}/confirm`, {}), 200).data;
  assert.equal(again.status, 'requires_action');
  const [op1, op2] = (await listOperations(down.deps.core.db, id)).filter((o) => o.kind === 'authorize');
  assert.deepEqual([op1.status, op2.status], ['rolled_back', 'completed']);
  const waiting = await stored(down, id);
  const count = (await eventsOf(down, id)).length;
  const unchanged = async (why: string) => {
    const now = await stored(down, id);
    assert.deepEqual([now.status, now.version, now.amountReceived], ['requires_action', waiting.version, 0n], why);
    assert.equal((await eventsOf(down, id)).length, count, why);
    assert.deepEqual((await listOperations(down.deps.core.db, id)).filter((o) => o.kind === 'authorize').map((o) => o.status), ['rolled_back', 'completed'], why);
  };

  // Signed by the provider, about op1: closed there. Acknowledged, and nothing changes.
  const failed = await notify(down, provider, behind.connectors[0], {
    notifyType: 'PAYMENT_RESULT', result: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F', resultMessage: 'closed' }, paymentRequestId: op1.id,
  });
  assert.deepEqual([failed.status, failed.text], [200, JSON.stringify(ACK)]);
  await unchanged('a failure of op1');
  // About op1 again: paid. Not acknowledged (the provider keeps it visible for an operator), nothing changes.
  const paidOp1 = { notifyType: 'PAYMENT_RESULT', result: ACK.result, paymentRequestId: op1.id, paymentId: 'upstream-payment-of-op1' };
  const refused = await notify(down, provider, behind.connectors[0], paidOp1);
  assert.equal(refused.status, 500, refused.text);
  assert.notEqual(refused.body?.result?.resultCode, 'SUCCESS', refused.text);
  await unchanged('money reported on op1');

  // op2 is still the buyer's to pay.
  await buyerPaysUpstream(again.nextAction.url);
  await deliverDue(up.deps.delivery);
  const paid = await stored(down, id);
  const theirs = await upstreamPayment(provider, op2.id);
  assert.deepEqual([paid.status, paid.amountReceived, paid.processorRef], ['succeeded', 10_000n, theirs.antomPaymentId]);
  assert.equal(theirs.status, 'succeeded');
  const refusedAgain = await notify(down, provider, behind.connectors[0], paidOp1);
  assert.equal(refusedAgain.status, 500, refusedAgain.text);
  assert.equal((await stored(down, id)).version, paid.version);
});

test('behind a reverse proxy that strips the public URL\'s path prefix, the provider\'s notification verifies and is applied', async () => {
  const behind = await liveShop(edge, provider);
  const connector = behind.connectors[0];
  const created = await createPayment(behind.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true });
  const op = await lastCharge(edge, created.id);
  const theirs = await upstreamPayment(provider, op.id);
  assert.equal(theirs.dialectData.notifyUrl, `${front.url}/kasir/connectors/${connector}/notify`);
  await buyerPaysUpstream(created.nextAction.url);

  // Through the same proxy, signed over the same path by a key that is not the provider's: refused.
  const body = { notifyType: 'PAYMENT_RESULT', result: ACK.result, paymentRequestId: op.id, paymentId: theirs.antomPaymentId };
  const forged = await notify(edge, provider, connector, body, { key: impostorKey(), base: inbound });
  assert.deepEqual([forged.status, forged.body?.result?.resultCode], [200, 'INVALID_SIGNATURE'], forged.text);
  assert.equal((await stored(edge, created.id)).status, 'requires_action');

  await deliverDue(up.deps.delivery);
  const [delivery] = (await listDeliveries(up.deps.core.db, theirs.id)).filter((d) => d.eventType === 'succeeded');
  assert.deepEqual([delivery.targetUrl, delivery.status, delivery.attempts.map((a) => a.statusCode)], [theirs.dialectData.notifyUrl, 'delivered', [200]]);
  assert.ok(front.seen.some((s) => s.path === `/connectors/${connector}/notify`), 'it came through the proxy, prefix stripped');
  const paid = await stored(edge, created.id);
  assert.deepEqual([paid.status, paid.amountReceived], ['succeeded', 10_000n]);
  assert.equal((await eventsOf(edge, created.id)).find((e) => e.type === 'succeeded')?.data.source, 'notification');
});

test('a live merchant\'s Antom-dialect cashier CARD pay without card data goes to the provider at once: its page, its payment', async () => {
  const before = await upstreamCount(provider);
  const body = expectResult(await shop.antom.call('pay', payBody({ paymentMethod: { paymentMethodType: 'CARD' } })), 'PAYMENT_IN_PROCESS', 'U');
  const mine = await byPaymentRequestId(down, body.paymentRequestId);
  assert.deepEqual([mine.status, mine.processor], ['requires_action', shop.connectors[0]]);
  const op = await charge(mine.id);
  assert.equal(op.status, 'completed');
  assert.equal(await upstreamCount(provider), before + 1);
  const theirs = await upstreamPayment(provider, op.id);
  assert.deepEqual([theirs.methodType, theirs.amount, theirs.currency, mine.processorRef], ['CARD', 1000n, 'USD', theirs.antomPaymentId]);
  assert.ok(body.normalUrl.startsWith(`${up.baseUrl}/sandbox/checkout/${theirs.id}?token=`), body.normalUrl);
  assert.equal((await fetch(body.normalUrl)).status, 200, 'the provider\'s page is there');
  // The buyer pays on it; the provider's notification settles the payment here.
  assert.equal((await checkout(body.normalUrl)).status, 200);
  await deliverDue(up.deps.delivery);
  assert.equal((await byPaymentRequestId(down, body.paymentRequestId)).status, 'succeeded');
});

test('a route for a method the core does not have is refused, naming `method`; nothing is stored', async () => {
  const routes = async () => (await down.deps.core.db.query('SELECT id FROM connector_routes WHERE merchant_id = $1', [shop.merchantId])).rows.length;
  const before = await routes();
  for (const method of ['bogus', 'card ', 'CARD', 'paypal']) {
    const res = await admin(down, 'POST', `/merchants/${shop.merchantId}/routes`, { connectorId: shop.connectors[0], method });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    assert.equal(res.body.error.details?.field, 'method', JSON.stringify(res.body));
    assert.match(res.body.error.message, /method/);
  }
  assert.equal(await routes(), before);
  // A method the core has is taken.
  const ok = await admin(down, 'POST', `/merchants/${shop.merchantId}/routes`, { connectorId: shop.connectors[0], method: 'wallet', priority: 50 });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(await routes(), before + 1);
});

test('b. Antom: the provider let the unpaid charge lapse at the expiry it was given (ORDER_IS_CLOSED): the payment ends expired, not failed', async () => {
  const c = await createPayment(shop.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true, expiresInSeconds: 60 });
  const op = await charge(c.id);
  const expiresAt = (await stored(down, c.id)).expiresAt!.getTime();
  down.clock.set(expiresAt + 1000);
  up.clock.set(expiresAt + 1000);
  assert.deepEqual((await pollAwaitingUpstream(down.deps.core, { everyMs: 0 })).errors, []);
  assert.equal((await upstreamPayment(provider, op.id)).status, 'expired');
  const p = await stored(down, c.id);
  assert.equal(p.status, 'expired', JSON.stringify(await eventTypes(c.id)));
  assert.equal(p.amountReceived, 0n);
});
