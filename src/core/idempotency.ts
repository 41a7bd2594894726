// Idempotent requests (docs/architecture.md), one implementation for every dialect's key (native
// Idempotency-Key, Antom paymentRequestId / captureRequestId / refundRequestId, NICEPAY referenceNo).
//
// A key is a recovery point, not a lock with a guess attached. The request holding it has a lease
// (locked_until) and an owner token; each effect of the request (the payment it created, the
// processor operation it claimed, a write that finished it) records itself on the key in the SAME
// transaction as the effect (markRecoveryPoint). So after a crash at any instant:
//   - while the lease runs, the first attempt may still be running: a retry is told to wait (409 /
//     the dialect's in-process answer) with Retry-After;
//   - once it lapsed, the retry takes the key over and the core operations resume from what the key
//     says happened (RequestKey.recovered): never a second effect, never "nothing happened".
// A final answer is stored and replayed; an answer that is not final (unknown outcome, validation)
// frees a key that has no effect yet and otherwise ends the lease, so the next retry resumes at once.
// Stored answers are sealed (AES-256-GCM, the credentials' secret box): some carry a secret shown
// only once (a webhook endpoint's signing secret) and every one may carry a payment's client secret
// or a buyer's details. Sealing all of them, not only those "known" to hold secrets, needs no list
// of answer shapes that a new endpoint could silently escape; a replay opens the very bytes stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/db.ts';
import type { Clock } from './clock.ts';
import { KasirError } from './errors.ts';
import type { SecretBox } from './merchants/secret-box.ts';

export const KEEP_MS = 24 * 3600_000;

export interface IdempotencyRef {
  merchantId: string;
  /** The dialect's key family ('native', 'antom-pay', 'nicepay-registration', …). */
  scope: string;
  key: string;
}

/** What earlier attempts under the same key committed (their last recovery point). */
export interface Recovered {
  point: 'started' | 'created' | 'claimed' | 'done';
  paymentId: string | null;
  operationId: string | null;
}

/** The request's key as core operations see it (CallContext.requestKey). */
export interface RequestKey {
  ref: IdempotencyRef;
  /** This attempt's token: its effects record themselves only while it still holds the key. */
  owner: string;
  /** Set when this attempt took over a key whose earlier attempt died or gave up. */
  recovered: Recovered | null;
}

type Begin =
  | { kind: 'run'; owner: string; recovered: Recovered | null }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_flight'; retryAfterSeconds: number };

export function requestHash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\u0000');
  return h.digest('hex');
}

const WHERE_KEY = 'merchant_id = $1 AND scope = $2 AND key = $3';
const keyParams = (k: IdempotencyRef) => [k.merchantId, k.scope, k.key];

async function begin(db: Db, clock: Clock, k: IdempotencyRef, hash: string, leaseMs: number): Promise<Begin> {
  for (;;) {
    const now = clock.now();
    const owner = randomBytes(12).toString('base64url');
    const lease = new Date(now.getTime() + leaseMs);
    const inserted = await db.query(
      `INSERT INTO idempotency_keys (merchant_id, scope, key, request_hash, state, created_at, expires_at, locked_until, owner)
       VALUES ($1, $2, $3, $4, 'in_flight', $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`,
      [...keyParams(k), hash, now, new Date(now.getTime() + KEEP_MS), lease, owner],
    );
    if (inserted.rows.length) return { kind: 'run', owner, recovered: null };
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT request_hash, state, response_status, response_body, expires_at, locked_until, owner, recovery_point, payment_id, operation_id
         FROM idempotency_keys WHERE ${WHERE_KEY}`,
      keyParams(k),
    );
    const r = rows[0];
    if (!r) continue; // pruned between the two statements
    if (new Date(r.expires_at as string) <= now) {
      // Past its keeping time the key is free again (the payment's own dialect ids still dedupe).
      await db.query(`DELETE FROM idempotency_keys WHERE ${WHERE_KEY} AND expires_at <= $4`, [...keyParams(k), now]);
      continue;
    }
    if (r.request_hash !== hash) return { kind: 'mismatch' };
    if (r.state === 'done') return { kind: 'replay', status: Number(r.response_status), body: (r.response_body as string) ?? '' };
    const lockedUntil = r.locked_until ? new Date(r.locked_until as string).getTime() : 0;
    if (lockedUntil > now.getTime()) return { kind: 'in_flight', retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil - now.getTime()) / 1000)) };
    // The earlier attempt died or gave up: take the key over (one taker wins) and resume from what
    // the key says at the moment of the takeover — read by the same statement, so an effect the
    // earlier attempt committed just before cannot be missed.
    const taken = await db.query<Record<string, unknown>>(
      `UPDATE idempotency_keys SET owner = $4, locked_until = $5 WHERE ${WHERE_KEY} AND state = 'in_flight' AND owner IS NOT DISTINCT FROM $6
       RETURNING recovery_point, payment_id, operation_id`,
      [...keyParams(k), owner, lease, r.owner],
    );
    const t = taken.rows[0];
    if (!t) continue;
    return {
      kind: 'run',
      owner,
      recovered: { point: t.recovery_point as Recovered['point'], paymentId: (t.payment_id as string) ?? null, operationId: (t.operation_id as string) ?? null },
    };
  }
}

/** Answers stored before they were sealed are plain JSON; they lapse within KEEP_MS (prune job). */
const SEALED = /^v1:/;
const openStored = (box: SecretBox, body: string) => (SEALED.test(body) ? box.open(body) : body);

async function finish(db: Db, k: IdempotencyRef, owner: string, status: number, body: string): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET state = 'done', response_status = $5, response_body = $6, locked_until = NULL
      WHERE ${WHERE_KEY} AND owner = $4 AND state = 'in_flight'`,
    [...keyParams(k), owner, status, body],
  );
}

/** Not a final answer: a key with no effect is freed; one with effects is left for a retry to resume now. */
async function release(db: Db, clock: Clock, k: IdempotencyRef, owner: string): Promise<void> {
  const freed = await db.query(
    `DELETE FROM idempotency_keys WHERE ${WHERE_KEY} AND owner = $4 AND state = 'in_flight' AND recovery_point = 'started' RETURNING 1`,
    [...keyParams(k), owner],
  );
  if (freed.rows.length) return;
  await db.query(`UPDATE idempotency_keys SET locked_until = $5 WHERE ${WHERE_KEY} AND owner = $4 AND state = 'in_flight'`, [...keyParams(k), owner, clock.now()]);
}

/**
 * Records that the request's effect `point` committed: call it inside the transaction that writes
 * the effect. Fenced by the key's owner: an attempt that lost its key to a retry (its lease lapsed)
 * throws here, so its effect rolls back instead of racing the retry that now owns the request.
 * No-op for requests without a key (and for the reconciler and jobs).
 */
export async function markRecoveryPoint(
  q: Queryable,
  key: RequestKey | undefined,
  point: Exclude<Recovered['point'], 'started'>,
  at: { paymentId: string; operationId?: string | null },
): Promise<void> {
  if (!key) return;
  const { rows } = await q.query(
    `UPDATE idempotency_keys SET recovery_point = $5, payment_id = $6, operation_id = COALESCE($7, operation_id)
      WHERE ${WHERE_KEY} AND owner = $4 AND state = 'in_flight' RETURNING 1`,
    [...keyParams(key.ref), key.owner, point, at.paymentId, at.operationId ?? null],
  );
  if (!rows.length) throw new KasirError('REQUEST_IN_FLIGHT', 'A retry of this request took it over; its answer is the one that counts', { details: { retryAfterSeconds: 1 } });
}

export interface KeyedRun<A> {
  ref: IdempotencyRef;
  /** How the dialect's clients call the key, for messages ('Idempotency-Key', 'request id', …). */
  name?: string;
  hash: string;
  /** The operation, already rendered in the dialect's answer type (errors included). */
  run: (key: RequestKey) => Promise<A>;
  /** Final answers are stored and replayed; the others let a retry run (or resume) again. */
  isFinal: (answer: A) => boolean;
  /** The stored form of an answer: HTTP status and body text. */
  store: (answer: A) => { status: number; body: string };
}

export type KeyedResult<A> = { replayed: false; answer: A } | { replayed: true; status: number; body: string };

export interface KeyDeps {
  db: Db;
  clock: Clock;
  /** How long a request may hold its key before a retry may take it over (longer than any request runs). */
  idempotencyLeaseMs: number;
  /** Seals stored answers at rest. */
  box: SecretBox;
}

/** Runs `r` once per key: the one idempotency stage of every dialect's request pipeline. */
export async function runWithKey<A>(deps: KeyDeps, r: KeyedRun<A>): Promise<KeyedResult<A>> {
  const begun = await begin(deps.db, deps.clock, r.ref, r.hash, deps.idempotencyLeaseMs);
  const name = r.name ?? 'idempotency key';
  if (begun.kind === 'mismatch') throw new KasirError('IDEMPOTENCY_MISMATCH', `This ${name} was used with a different request`);
  if (begun.kind === 'in_flight') {
    throw new KasirError('REQUEST_IN_FLIGHT', `A request with this ${name} is still in progress`, { details: { retryAfterSeconds: begun.retryAfterSeconds } });
  }
  if (begun.kind === 'replay') return { replayed: true, status: begun.status, body: openStored(deps.box, begun.body) };
  let answer: A;
  try {
    answer = await r.run({ ref: r.ref, owner: begun.owner, recovered: begun.recovered });
  } catch (err) {
    await release(deps.db, deps.clock, r.ref, begun.owner);
    throw err;
  }
  if (r.isFinal(answer)) {
    const stored = r.store(answer);
    await finish(deps.db, r.ref, begun.owner, stored.status, deps.box.seal(stored.body));
  } else {
    await release(deps.db, deps.clock, r.ref, begun.owner);
  }
  return { replayed: false, answer };
}
