// The Antom connector end to end: a live merchant of one Kasir (`down`) whose payments go, signed,
// to an Antom-compatible provider — a second Kasir in test mode (`up`) — whose notifications come
// back to the account's notifyUrl. Checked on both sides: what each Kasir answered and stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KasirError } from '../src/core/errors.ts';
import { pollAwaitingUpstream } from '../src/core/jobs/poll-upstream.ts';
import { reconcileUnknown } from '../src/core/jobs/reconcile.ts';
import { deliverDue, listDeliveries, redeliver } from '../src/core/notifications/worker.ts';
import { listOperations } from '../src/core/processors/operations.ts';
import { antomConnector } from '../src/processors/antom/connector.ts';
import { checkout, expectResult, payBody } from './helpers/antom.ts';
import { admin, startKasir } from './helpers/harness.ts';
import { cancel as nicepayCancel, expectResult as expectNicepay, payment as nicepayPayment, paymentFields, register, storedTx } from './helpers/nicepay.ts';
import { createPayment, expectStatus, stored } from './helpers/native.ts';
import {
  ACK, buyerPaysUpstream, byPaymentRequestId, closedPort, eventsOf, impostorKey, lastCharge, liveShop, notify, startProvider, upstreamCount,
  upstreamPayment, type Shop,
} from './helpers/upstream-antom.ts';
import { startFaultProxy, type Fault } from './helpers/fault-proxy.ts';

const provider = await startProvider();
const { up } = provider;
const down = await startKasir({ connectorTimeoutMs: 1500 });
const shop = await liveShop(down, provider);

const charge = (paymentId: string) => lastCharge(down, paymentId);
const events = (paymentId: string) => eventsOf(down, paymentId);

/** A wallet payment of a live shop, submitted: waiting for its buyer on the provider's page. */
async function awaitingBuyer(s: Shop = shop, overrides: Record<string, unknown> = {}) {
  const p = await createPayment(s.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true, ...overrides });
  assert.equal(p.status, 'requires_action', JSON.stringify(p));
  const op = await charge(p.id);
  return { p, op, upstream: await upstreamPayment(provider, op.id) };
}

test('parseSettings keeps the public settings, seals the private key, and refuses keys that do not parse', () => {
  const good = { clientId: provider.clientId, privateKey: provider.privateKeyPkcs8, providerPublicKey: provider.gatewayPublicKey };
  const ok = antomConnector.parseSettings({ ...good, privateKey: provider.privateKeyPkcs1 });
  assert.deepEqual(ok.settings, { clientId: provider.clientId, providerPublicKey: provider.gatewayPublicKey });
  assert.match(ok.secret, /^-----BEGIN PRIVATE KEY-----/, 'a PKCS#1 key is accepted and sealed as PKCS#8');
  const refused = (given: Record<string, string>, field: string) => {
    assert.throws(() => antomConnector.parseSettings(given), (err: unknown) => err instanceof KasirError && err.code === 'INVALID_PARAMETER' && err.field === field && err.message.includes(field));
  };
  refused({ ...good, privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }, 'privateKey');
  refused({ ...good, providerPublicKey: 'garbage' }, 'providerPublicKey');
  refused({ ...good, providerPublicKey: provider.privateKeyPkcs8 }, 'providerPublicKey');
  refused({ ...good, clientId: '' }, 'clientId');
});

test('Antom-dialect pay of a live merchant creates the payment at the provider and passes its page back; the notification settles it', async () => {
  const before = await upstreamCount(provider);
  const body = expectResult(await shop.antom.call('pay', payBody()), 'PAYMENT_IN_PROCESS', 'U');
  const paymentId = (await byPaymentRequestId(down, body.paymentRequestId)).id;
  const op = await charge(paymentId);
  const theirs = await upstreamPayment(provider, op.id);
  assert.equal(await upstreamCount(provider), before + 1);
  // The provider got the charge as built by the connector: amount, type, notify and return URLs.
  const { amount, currency, methodType, referenceId, dialectData: { notifyUrl, redirectUrl } } = theirs;
  assert.deepEqual({ amount, currency, methodType, referenceId, notifyUrl, redirectUrl }, {
    amount: 1000n, currency: 'USD', methodType: 'ALIPAY_CN', referenceId: paymentId,
    notifyUrl: `${down.baseUrl}/connectors/${shop.connectors[0]}/notify`, redirectUrl: 'https://merchant.example/return',
  });
  assert.ok(body.normalUrl.startsWith(`${up.baseUrl}/sandbox/checkout/${theirs.id}?token=`), body.normalUrl);
  let p = await stored(down, paymentId);
  assert.deepEqual([p.status, p.processor, p.processorRef], ['requires_action', shop.connectors[0], theirs.antomPaymentId]);

  await buyerPaysUpstream(body.normalUrl);
  assert.equal((await stored(down, paymentId)).status, 'requires_action', 'nothing is known before the provider says so');
  await deliverDue(up.deps.delivery);
  p = await stored(down, paymentId);
  assert.deepEqual([p.status, p.amountReceived], ['succeeded', 1000n]);
  assert.deepEqual((await events(paymentId)).filter((e) => e.type === 'succeeded').map((e) => e.data.source), ['notification']);
  const [delivery] = (await listDeliveries(up.deps.core.db, theirs.id)).filter((d) => d.eventType === 'succeeded');
  assert.equal(delivery.status, 'delivered', 'the downstream acknowledged');

  // The provider sends it again (its operator redelivers): acknowledged, nothing changes.
  const count = (await events(paymentId)).length;
  assert.ok(await redeliver(up.deps.core.db, up.clock, delivery.id));
  await deliverDue(up.deps.delivery);
  const again = (await listDeliveries(up.deps.core.db, theirs.id)).find((d) => d.id === delivery.id)!;
  assert.deepEqual([again.status, again.attempts.map((a) => a.statusCode)], ['delivered', [200, 200]]);
  assert.deepEqual([(await stored(down, paymentId)).version, (await events(paymentId)).length], [p.version, count]);
  const inquiry = expectResult(await shop.antom.call('inquiryPayment', { paymentRequestId: body.paymentRequestId }), 'SUCCESS', 'S');
  assert.equal(inquiry.paymentStatus, 'SUCCESS');
});

test('a lost notification: the poller finds the paid charge by inquiry; the late notification changes nothing', async () => {
  const { p, upstream } = await awaitingBuyer();
  await buyerPaysUpstream(p.nextAction.url);
  const report = await pollAwaitingUpstream(down.deps.core, { everyMs: 0 });
  assert.ok(report.applied >= 1 && report.errors.length === 0, JSON.stringify(report));
  const paid = await stored(down, p.id);
  assert.equal(paid.status, 'succeeded');
  assert.equal((await events(p.id)).find((e) => e.type === 'succeeded')?.data.source, 'sync');
  const count = (await events(p.id)).length;
  await deliverDue(up.deps.delivery);
  const [delivery] = (await listDeliveries(up.deps.core.db, upstream.id)).filter((d) => d.eventType === 'succeeded');
  assert.equal(delivery.status, 'delivered');
  assert.deepEqual([(await stored(down, p.id)).version, (await events(p.id)).length], [paid.version, count]);
});

test('a cancel through the native dialect cancels the payment at the provider', async () => {
  const { p, op } = await awaitingBuyer();
  expectStatus(await shop.native.request('POST', `/api/v1/payments/${p.id}/cancel`, {}), 200);
  assert.equal((await stored(down, p.id)).status, 'canceled');
  assert.equal((await upstreamPayment(provider, op.id)).status, 'canceled');
  const inquiry = expectResult(await provider.client.call('inquiryPayment', { paymentRequestId: op.id }), 'SUCCESS', 'S');
  assert.equal(inquiry.paymentStatus, 'CANCELLED');
  assert.deepEqual((await listOperations(down.deps.core.db, p.id)).filter((o) => o.kind === 'void').map((o) => o.status), ['completed']);
});

test('a cancel through the Antom dialect cancels the payment at the provider', async () => {
  const body = expectResult(await shop.antom.call('pay', payBody()), 'PAYMENT_IN_PROCESS', 'U');
  expectResult(await shop.antom.call('cancel', { paymentRequestId: body.paymentRequestId }), 'SUCCESS', 'S');
  const mine = await byPaymentRequestId(down, body.paymentRequestId);
  assert.equal(mine.status, 'canceled');
  const op = await charge(mine.id);
  assert.equal((await upstreamPayment(provider, op.id)).status, 'canceled');
  // The buyer's page at the provider no longer takes money.
  assert.equal((await checkout(body.normalUrl)).status, 409);
});

test('a partial cancel of an Antom-routed payment is refused in the dialect\'s words before anything is sent', async () => {
  // NICEPAY's e-wallet, paid at the provider: the nicepay profile allows partial cancels, Antom has none.
  const reg = await register(down, shop.nicepay, '05', { amt: '10000' });
  // The browser's payment step submits it (to the shop's Antom account).
  assert.equal((await nicepayPayment(down, paymentFields(down, shop.nicepay, reg))).status, 200);
  const p = await storedTx(down, reg.tXid);
  assert.deepEqual([p.status, p.processor], ['requires_action', shop.connectors[0]]);
  const op = await charge(p.id);
  const theirs = await upstreamPayment(provider, op.id);
  assert.equal(theirs.methodType, 'OVO', 'NICEPAY mitraCd OVOE is sent as Antom OVO');
  await buyerPaysUpstream((p.nextAction as { url: string }).url);
  await deliverDue(up.deps.delivery);
  const paid = await stored(down, p.id);
  assert.equal(paid.status, 'succeeded');
  const upstreamBefore = await upstreamPayment(provider, op.id);

  const refused = expectNicepay(await nicepayCancel(down, shop.nicepay, { tXid: reg.tXid, payMethod: '05', cancelType: '2', amt: '3000' }), '9332');
  assert.match(refused.resultMsg, /partial cancel cannot be sent to the provider/);
  const after = await stored(down, p.id);
  assert.deepEqual([after.version, after.amountCanceled], [paid.version, 0n]);
  assert.deepEqual((await listOperations(down.deps.core.db, p.id)).map((o) => o.kind), ['authorize'], 'no call was recorded');
  const upstreamAfter = await upstreamPayment(provider, op.id);
  assert.deepEqual([upstreamAfter.version, upstreamAfter.status], [upstreamBefore.version, 'succeeded'], 'the provider saw nothing');
});

test('notifications that do not verify are refused and change nothing', async () => {
  const { p, op, upstream } = await awaitingBuyer();
  const body = { notifyType: 'PAYMENT_RESULT', result: ACK.result, paymentRequestId: op.id, paymentId: upstream.antomPaymentId };
  const before = await stored(down, p.id);
  for (const o of [{ key: impostorKey() }, { clientId: 'SANDBOX_SOMEONEELSE0' }, { signature: null }, { signature: 'algorithm=RSA256,keyVersion=1,signature=AAAA' }]) {
    const res = await notify(down, provider, shop.connectors[0], body, o);
    assert.deepEqual([res.status, res.body.result.resultCode, res.body.result.resultStatus], [200, 'INVALID_SIGNATURE', 'F'], res.text);
  }
  const after = await stored(down, p.id);
  assert.deepEqual([after.status, after.version], ['requires_action', before.version]);
  // The same body, really from the provider, is applied (and acknowledged exactly as Antom expects).
  const res = await notify(down, provider, shop.connectors[0], body);
  assert.deepEqual([res.status, res.text], [200, JSON.stringify(ACK)]);
  const applied = await stored(down, p.id);
  assert.equal(applied.status, 'succeeded');
  const twice = await notify(down, provider, shop.connectors[0], body);
  assert.equal(twice.text, JSON.stringify(ACK));
  assert.equal((await stored(down, p.id)).version, applied.version);
});

test('a pay the provider refuses (F) fails the payment', async () => {
  // The provider's clock is past the payment's expiry: it refuses the pay as PARAM_ILLEGAL.
  up.clock.advance(10 * 60_000);
  try {
    const before = await upstreamCount(provider);
    const res = await createPayment(shop.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true, expiresInSeconds: 60 });
    assert.equal((await stored(down, res.id)).status, 'payment_failed');
    assert.equal((await events(res.id)).find((e) => e.type === 'failed')?.data.reason, 'PARAM_ILLEGAL');
    assert.equal((await charge(res.id)).status, 'completed');
    assert.equal(await upstreamCount(provider), before, 'nothing was created at the provider');
  } finally {
    up.clock.advance(-10 * 60_000);
  }
});

test('an account the provider does not serve (ACCESS_DENIED) is no route: with none left, nothing is created', async () => {
  const upstreamMerchant = provider.client.merchantId;
  expectStatus(await admin(up, 'POST', `/merchants/${upstreamMerchant}/suspend`) as never, 200);
  try {
    const created = expectStatus(await shop.native.request('POST', '/api/v1/payments', { amount: '100.00', currency: 'THB', paymentMethod: 'wallet' }), 201);
    const res = await shop.native.request('POST', `/api/v1/payments/${created.data.id}/confirm`, {});
    assert.equal(expectStatus(res, 503).error.code, 'SERVICE_UNAVAILABLE');
    assert.equal((await stored(down, created.data.id)).status, 'requires_confirmation');
    const [op] = await listOperations(down.deps.core.db, created.data.id);
    assert.equal(op.status, 'rolled_back');
    assert.match(String(op.result?.unavailable), /ACCESS_DENIED/);
  } finally {
    expectStatus(await admin(up, 'POST', `/merchants/${upstreamMerchant}/activate`) as never, 200);
  }
});

test('an unreachable account fails over to the next route; the first charge is rolled back', async () => {
  const two = await liveShop(down, provider, [`http://127.0.0.1:${await closedPort()}`, up.baseUrl]);
  const { p, op } = await awaitingBuyer(two);
  const ops = await listOperations(down.deps.core.db, p.id);
  assert.equal((await stored(down, p.id)).processor, two.connectors[1]);
  assert.deepEqual(ops.map((o) => [o.processor, o.status]), [[two.connectors[0], 'rolled_back'], [two.connectors[1], 'completed']]);
  assert.match(String(ops[0].result?.unavailable), /connection refused/);
  assert.equal(op.id, ops[1].id);
  assert.ok((await events(p.id)).some((e) => e.type === 'rerouted'));
  assert.ok(p.nextAction.url.startsWith(up.baseUrl));
});

test('a refund goes to the provider under its own request id; the provider\'s notifyRefund is acknowledged', async () => {
  const { p, op, upstream } = await awaitingBuyer();
  await buyerPaysUpstream(p.nextAction.url);
  await deliverDue(up.deps.delivery);
  assert.equal((await stored(down, p.id)).status, 'succeeded');
  const res = await shop.native.request('POST', `/api/v1/payments/${p.id}/refunds`, { amount: '40.00' });
  assert.equal(expectStatus(res, 201).data.status, 'succeeded');
  const mine = await stored(down, p.id);
  assert.equal(mine.amountRefunded, 4000n);
  const [refundOp] = (await listOperations(down.deps.core.db, p.id)).filter((o) => o.kind === 'refund');
  assert.equal(refundOp.status, 'completed');
  assert.equal((await upstreamPayment(provider, op.id)).amountRefunded, 4000n);
  const inquiry = expectResult(await provider.client.call('inquiryRefund', { refundRequestId: refundOp.id }), 'SUCCESS', 'S');
  assert.deepEqual([inquiry.refundStatus, inquiry.refundAmount], ['SUCCESS', { currency: 'THB', value: '4000' }]);
  await deliverDue(up.deps.delivery);
  const refunded = (await listDeliveries(up.deps.core.db, upstream.id)).filter((d) => d.eventType === 'refunded');
  assert.deepEqual(refunded.map((d) => [d.targetUrl, d.status]), [[`${down.baseUrl}/connectors/${shop.connectors[0]}/notify`, 'delivered']]);
  assert.equal((await stored(down, p.id)).version, mine.version, 'the acknowledgement changed nothing');
});

test('answers that cannot be trusted leave the charge unknown; the reconciler settles it from the provider', async () => {
  const proxy = await startFaultProxy(up.baseUrl);
  try {
    const behind = await liveShop(down, provider, [proxy.url]);
    const cases: { fault: Fault; error: RegExp; reachedProvider: boolean }[] = [
      { fault: { kind: 'strip_signature' }, error: /signature/, reachedProvider: true },
      { fault: { kind: 'bad_signature' }, error: /signature/, reachedProvider: true },
      { fault: { kind: 'status_5xx' }, error: /HTTP 502/, reachedProvider: true },
      { fault: { kind: 'hang' }, error: /^timeout$/, reachedProvider: false },
    ];
    const made: { id: string; reachedProvider: boolean; opId: string }[] = [];
    for (const c of cases) {
      proxy.arm(/\/payments\/pay$/, c.fault);
      const res = await behind.native.request('POST', '/api/v1/payments', { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true });
      assert.equal(expectStatus(res, 202).data.status, 'processing', c.fault.kind);
      const op = await charge(res.body.data.id);
      assert.equal(op.status, 'unknown', c.fault.kind);
      assert.match(String(op.result?.error), c.error, c.fault.kind);
      made.push({ id: res.body.data.id, reachedProvider: c.reachedProvider, opId: op.id });
    }
    assert.deepEqual((await reconcileUnknown(down.deps.core)).errors, []);
    for (const m of made) {
      const p = await stored(down, m.id);
      if (m.reachedProvider) {
        // The provider has the charge: its page, from the identical pay re-sent (its first answer).
        const theirs = await upstreamPayment(provider, m.opId);
        assert.deepEqual([p.status, p.processorRef], ['requires_action', theirs.antomPaymentId]);
        assert.ok(String(p.nextAction?.url).startsWith(`${up.baseUrl}/sandbox/checkout/${theirs.id}?token=`));
      } else {
        // Never arrived: rolled back, to be confirmed again under a new request id.
        assert.equal(p.status, 'requires_confirmation');
        assert.equal((await charge(m.id)).status, 'rolled_back');
      }
    }
  } finally {
    await proxy.close();
  }
});

test('a lost answer to a cancel or a refund is settled by re-sending it: the provider does it once', async () => {
  const proxy = await startFaultProxy(up.baseUrl);
  try {
    const behind = await liveShop(down, provider, [proxy.url]);
    const open = await createPayment(behind.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true });
    proxy.arm(/\/payments\/cancel$/, { kind: 'strip_signature' });
    const canceled = await behind.native.request('POST', `/api/v1/payments/${open.id}/cancel`, {});
    assert.equal(expectStatus(canceled, 503).error.code, 'OUTCOME_UNKNOWN');
    assert.equal((await upstreamPayment(provider, (await charge(open.id)).id)).status, 'canceled', 'the provider did cancel');

    const paid = await createPayment(behind.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true });
    await buyerPaysUpstream(paid.nextAction.url);
    await deliverDue(up.deps.delivery);
    assert.equal((await stored(down, paid.id)).status, 'succeeded');
    proxy.arm(/\/payments\/refund$/, { kind: 'garbage' });
    const refund = await behind.native.request('POST', `/api/v1/payments/${paid.id}/refunds`, { amount: '25.00' });
    assert.equal(expectStatus(refund, 503).error.code, 'OUTCOME_UNKNOWN');

    assert.deepEqual((await reconcileUnknown(down.deps.core)).errors, []);
    assert.equal((await stored(down, open.id)).status, 'canceled');
    const afterRefund = await stored(down, paid.id);
    assert.deepEqual([afterRefund.amountRefunded, afterRefund.pendingOperation], [2500n, null]);
    const theirs = await upstreamPayment(provider, (await charge(paid.id)).id);
    assert.equal(theirs.amountRefunded, 2500n, 'refunded once at the provider');
  } finally {
    await proxy.close();
  }
});

test('a refund whose answer was lost is settled by the provider\'s notifyRefund at once (confirmed by inquiry), before any reconciler pass', async () => {
  const proxy = await startFaultProxy(up.baseUrl);
  try {
    const behind = await liveShop(down, provider, [proxy.url]);
    const paid = await createPayment(behind.native, { amount: '100.00', currency: 'THB', paymentMethod: 'wallet', confirm: true });
    await buyerPaysUpstream(paid.nextAction.url);
    await deliverDue(up.deps.delivery);
    assert.equal((await stored(down, paid.id)).status, 'succeeded');
    proxy.arm(/\/payments\/refund$/, { kind: 'garbage' });
    const refund = await behind.native.request('POST', `/api/v1/payments/${paid.id}/refunds`, { amount: '30.00' });
    assert.equal(expectStatus(refund, 503).error.code, 'OUTCOME_UNKNOWN');
    assert.equal((await stored(down, paid.id)).pendingState, 'unknown');
    await deliverDue(up.deps.delivery); // the provider's notifyRefund reaches the account's notifyUrl
    const after = await stored(down, paid.id);
    assert.deepEqual([after.amountRefunded, after.pendingOperation], [3000n, null]);
    const [refundOp] = (await listOperations(down.deps.core.db, paid.id)).filter((o) => o.kind === 'refund');
    assert.equal(refundOp.status, 'completed');
    assert.equal((await upstreamPayment(provider, (await charge(paid.id)).id)).amountRefunded, 3000n, 'refunded once at the provider');
  } finally {
    await proxy.close();
  }
});
