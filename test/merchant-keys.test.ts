// A new merchant's RSA key pairs (its Antom keys and the gateway's) are tens of milliseconds of CPU
// each: they are made before the merchant's transaction opens, so no connection (PGlite's only one)
// is held meanwhile. And the tests' own source of pairs (test/helpers/rsa-key-pool.ts) never gives two
// merchants of one database the same pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { newRsaKeyPair, type RsaKeyPair } from '../src/core/merchants/rsa.ts';
import { admin, startKasir } from './helpers/harness.ts';
import { pooledRsaKeyPairs } from './helpers/rsa-key-pool.ts';
import { startNode } from './helpers/second-node.ts';

/** A key source that holds every request until released, counting the requests. */
function heldKeyPairs() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const asked: Promise<RsaKeyPair>[] = [];
  let nowAsked = () => {};
  return {
    source: () => {
      const pair = released.then(() => newRsaKeyPair());
      asked.push(pair);
      nowAsked();
      return pair;
    },
    /** Resolves once `n` pairs have been asked for. */
    asked: (n: number) => new Promise<void>((resolve) => {
      nowAsked = () => asked.length >= n && resolve();
      nowAsked();
    }),
    pairs: () => Promise.all(asked),
    release,
  };
}

// One Kasir for the file (a second database would cost a PGlite start): its merchants' pairs come
// from the pool, or, while a test holds them, from that test's source.
const pooled = pooledRsaKeyPairs();
let held: ReturnType<typeof heldKeyPairs> | undefined;
const h = await startKasir({ rsaKeyPair: () => (held ? held.source() : pooled()) });
const count = async (table: 'merchants' | 'credentials') => (await h.deps.core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

/** How long the probe may wait for the database before it counts as held (no test takes near this). */
const HELD_AFTER_MS = 5_000;

test('while a new merchant\'s key pairs are being made, no transaction of it holds the database', async () => {
  const keys = (held = heldKeyPairs());
  const before = await count('merchants');
  const creating = admin(h, 'POST', '/merchants', { name: 'Shop with slow keys' });
  try {
    await keys.asked(2); // the gateway's pair and the merchant's own
    // The merchant's INSERT takes a lock that conflicts with SHARE: had its transaction begun, this
    // fails at once on PostgreSQL (NOWAIT), and waits for the transaction's end on PGlite (one connection).
    const probe = h.deps.core.db.tx((q) => q.query('LOCK TABLE merchants, credentials IN SHARE MODE NOWAIT')).then(() => 'free' as const);
    const bound = new AbortController(); // the bound's timer must not outlive the answer: a file ends when nothing is pending
    const timedOut = sleep(HELD_AFTER_MS, 'held' as const, { signal: bound.signal }).catch(() => 'aborted' as const);
    assert.equal(await Promise.race([probe, timedOut]).finally(() => bound.abort()), 'free');
    assert.equal(await count('merchants'), before, 'nothing stored yet');
  } finally {
    keys.release(); // also when the probe failed: the request must end for the harness to close
    held = undefined;
  }
  const made = await creating;
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const [gateway, own] = await keys.pairs();
  const { antom } = made.body.data;
  assert.equal(antom.gatewayPublicKey, gateway.publicKeySpkiPem);
  assert.equal(antom.merchantPrivateKeyPkcs8, own.privateKeyPkcs8Pem);
  const stored = await h.deps.core.db.query<{ dialect: string; data: Record<string, string> }>(
    'SELECT dialect, data FROM credentials WHERE merchant_id = $1 ORDER BY dialect', [made.body.data.id]);
  assert.deepEqual(stored.rows.map((r) => r.dialect), ['antom', 'native', 'nicepay']);
  assert.equal(stored.rows[0].data.merchantPublicKey, own.publicKeySpkiPem);
});

test('a refused NICEPAY credential stops the merchant before anything is stored, keys made or not', async () => {
  const [merchants, credentials] = [await count('merchants'), await count('credentials')];
  const refused = await admin(h, 'POST', '/merchants', { name: 'Bad iMid', nicepay: { iMid: 'short' } });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.deepEqual([await count('merchants'), await count('credentials')], [merchants, credentials]);
});

test('the tests\' pooled pairs: never the same pair twice on one database, the same pairs again on the next', async () => {
  const first = pooledRsaKeyPairs();
  const second = pooledRsaKeyPairs();
  const a = await Promise.all([first(), first(), first()]);
  assert.equal(new Set(a.map((p) => p.publicKeySpkiPem)).size, 3, 'three different pairs on one database');
  const b = await Promise.all([second(), second()]);
  assert.deepEqual(b, a.slice(0, 2), 'the next database reuses them, in order');
  for (const pair of a) assert.equal(createPublicKey(pair.publicKeySpkiPem).asymmetricKeyDetails?.modulusLength, 2048);

  // Through the API: merchants made on the harness and on a second node of its database all differ.
  const node = await startNode(h);
  try {
    const shops = [
      await admin(h, 'POST', '/merchants', { name: 'One' }),
      await admin(h, 'POST', '/merchants', { name: 'Two' }),
      await admin(node.harness, 'POST', '/merchants', { name: 'Three, on the second node' }),
    ];
    for (const s of shops) assert.equal(s.status, 201, JSON.stringify(s.body));
    const publicKeys = shops.flatMap((s) => [s.body.data.antom.gatewayPublicKey, createPublicKey(s.body.data.antom.merchantPrivateKeyPkcs8).export({ type: 'spki', format: 'pem' })]);
    assert.equal(new Set(publicKeys).size, 6, 'six key pairs, none shared');
  } finally {
    await node.close();
  }
});
