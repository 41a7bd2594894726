// Fair delivery: one merchant's hanging receivers hold only that merchant's share of the delivery
// slots. Real loopback receivers; the hanging ones answer only when the test releases them (and the
// per-attempt deadline bounds them in any case). Every wait below polls for a state, never a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { DEFAULT_LIMITS } from '../src/core/notifications/claim.ts';
import { startDelivery, type DeliveryDeps } from '../src/core/notifications/worker.ts';
import { nativeMerchant, startKasir, type NativeClient } from './helpers/harness.ts';
import { cancel, createPayment, expectStatus } from './helpers/native.ts';

const h = await startKasir();
const db = h.deps.core.db;
// Long enough that no hanging attempt ends by itself while the test looks; short enough to bound it.
const delivery: DeliveryDeps = { ...h.deps.delivery, timeoutMs: 30_000 };
const { perMerchant } = DEFAULT_LIMITS;

async function until(what: string, ok: () => boolean | Promise<boolean>) {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 10));
  return what;
}

/** A loopback receiver: records each request's path in `arrivals`; holds it while `hold` is true. */
async function receiver(arrivals: string[], name: string) {
  const held: ServerResponse[] = [];
  const r = {
    hold: true,
    held,
    url: '',
    release() {
      r.hold = false;
      for (const res of held.splice(0)) res.writeHead(204).end();
    },
    releaseOne() {
      held.shift()?.writeHead(204).end();
    },
    close: () => {
      server.closeAllConnections(); // the delivery agent's keep-alive sockets would hold close() open
      return new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      arrivals.push(`${name}${req.url}`);
      if (r.hold) held.push(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return r;
}

/** A merchant with one endpoint (for payment.canceled) per URL. */
async function merchantWith(name: string, urls: string[]): Promise<NativeClient> {
  const m = await nativeMerchant(h, name);
  for (const url of urls) expectStatus(await m.request('POST', '/api/v1/webhook-endpoints', { url, events: ['payment.canceled'] }), 201);
  return m;
}

const canceledPayment = async (m: NativeClient) => {
  const p = await createPayment(m, { currency: 'USD', amount: '3.00' });
  expectStatus(await cancel(m, p.id), 200);
  return p.id as string;
};

const rows = async (merchantId: string) =>
  (await db.query<{ status: string; attempts: number; recorded: number }>(
    `SELECT o.status, o.attempts::int AS attempts, (SELECT count(*)::int FROM delivery_attempts a WHERE a.outbox_id = o.id) AS recorded
       FROM outbox o WHERE o.merchant_id = $1 ORDER BY o.id`,
    [merchantId],
  )).rows;

/** True once every notification of the merchant is delivered (and there is at least one). */
const allDelivered = (merchantId: string) => async () => {
  const all = await rows(merchantId);
  return all.length > 0 && all.every((r) => r.status === 'delivered');
};

type Receiver = Awaited<ReturnType<typeof receiver>>;

/** Whatever happened: lets every held request answer, stops the delivery loops, closes the receivers. */
async function shutdown(stops: (() => Promise<void>)[], receivers: Receiver[]) {
  for (const r of receivers) r.release();
  await Promise.all(stops.map((stop) => stop()));
  await Promise.all(receivers.map((r) => r.close()));
}

test("20 hanging endpoints of one merchant never delay another merchant's notification", { timeout: 60_000 }, async () => {
  const arrivals: string[] = [];
  const [hanging, healthy] = await Promise.all([receiver(arrivals, 'A'), receiver(arrivals, 'B')]);
  healthy.hold = false;
  const a = await merchantWith('A with hanging receivers', Array.from({ length: 20 }, (_, i) => `${hanging.url}/a/${i}`));
  const b = await merchantWith('B', [`${healthy.url}/b`]);
  const failures: unknown[] = [];
  const stop = startDelivery(delivery, 20, (err) => failures.push(err));
  try {
    await canceledPayment(a); // 20 notifications, one per endpoint
    await until('A holds its whole share', () => hanging.held.length === perMerchant);

    // B's notification comes due while all of A's share hangs.
    await canceledPayment(b);
    await until("B's notification is delivered", async () => (await rows(b.merchantId))[0]?.status === 'delivered');
    // ...and A's attempts were in flight all along: held, not one recorded, none beyond its share.
    assert.equal(hanging.held.length, perMerchant);
    const aRows = await rows(a.merchantId);
    assert.equal(aRows.length, 20);
    assert.ok(aRows.every((r) => r.status === 'pending' && r.recorded === 0), JSON.stringify(aRows));
    assert.equal(aRows.filter((r) => r.attempts === 1).length, perMerchant, "claimed: exactly A's share");
    assert.deepEqual(arrivals.filter((x) => x.startsWith('B')), ['B/b']);
    assert.deepEqual(await rows(b.merchantId), [{ status: 'delivered', attempts: 1, recorded: 1 }]);

    // No batch barrier: one of A's attempts ends, and its slot takes A's next notification at once,
    // while the other ones still hang.
    const before = arrivals.length;
    hanging.releaseOne();
    await until("A's next notification is sent", () => arrivals.length === before + 1);
    assert.equal(hanging.held.length, perMerchant);

    hanging.release();
    await until("all of A's notifications are delivered", allDelivered(a.merchantId));
  } finally {
    await shutdown([stop], [hanging, healthy]);
  }
  assert.deepEqual(failures, []);
  const aRows = await rows(a.merchantId);
  assert.ok(aRows.every((r) => r.attempts === 1 && r.recorded === 1), 'each sent once, each attempt recorded');
  assert.equal(new Set(arrivals.filter((x) => x.startsWith('A'))).size, 20);
});

test('one target gets at most its share at once, however many notifications it has due', { timeout: 60_000 }, async () => {
  const arrivals: string[] = [];
  const [target, other] = await Promise.all([receiver(arrivals, 'T'), receiver(arrivals, 'O')]);
  other.hold = false;
  const m = await merchantWith('One target', [`${target.url}/hooks`]);
  const n = await merchantWith('Another', [`${other.url}/hooks`]);
  const failures: unknown[] = [];
  const stop = startDelivery(delivery, 20, (err) => failures.push(err));
  try {
    for (let i = 0; i < 5; i++) await canceledPayment(m);
    await until('the target holds its share', () => target.held.length === DEFAULT_LIMITS.perTarget);
    // A later claim (it delivers another target's notification) still leaves the rest of T's waiting.
    await canceledPayment(n);
    await until("the other target's notification is delivered", async () => (await rows(n.merchantId))[0]?.status === 'delivered');
    assert.equal(target.held.length, DEFAULT_LIMITS.perTarget);
    assert.equal((await rows(m.merchantId)).filter((r) => r.attempts === 1).length, DEFAULT_LIMITS.perTarget);
    target.release();
    await until('all delivered', allDelivered(m.merchantId));
  } finally {
    await shutdown([stop], [target, other]);
  }
  assert.deepEqual(failures, []);
  assert.equal(arrivals.filter((x) => x.startsWith('T')).length, 5);
});

test('two delivery loops on one outbox send each notification once', { timeout: 60_000 }, async () => {
  const arrivals: string[] = [];
  const target = await receiver(arrivals, 'W');
  target.hold = false;
  const m = await merchantWith('Two loops', [0, 1, 2, 3].map((i) => `${target.url}/w/${i}`));
  const failures: unknown[] = [];
  const stops = [1, 2].map(() => startDelivery(delivery, 10, (err) => failures.push(err)));
  try {
    for (let i = 0; i < 10; i++) await canceledPayment(m); // 40 notifications
    await until('all delivered', allDelivered(m.merchantId));
  } finally {
    await shutdown(stops, [target]);
  }
  assert.deepEqual(failures, []);
  assert.equal((await rows(m.merchantId)).length, 40);
  assert.equal(arrivals.length, 40, 'no notification was sent twice');
  assert.ok((await rows(m.merchantId)).every((r) => r.attempts === 1 && r.recorded === 1));
});
