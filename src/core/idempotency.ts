// Idempotent requests (DESIGN.md §1.5): the first request under a key runs; an identical retry gets
// the stored response; a different request under the same key, or one while the first still runs,
// is refused. Each dialect chooses its key (native Idempotency-Key, Antom request ids, …).
import { createHash } from 'node:crypto';
import type { Db } from '../db/db.ts';
import type { Clock } from './clock.ts';

export const KEEP_MS = 24 * 3600_000;
/**
 * A request still "in flight" after this long has died (processor calls hold a payment for at most
 * 30 s): a retry may take its key over instead of being told to wait for a day.
 */
export const IN_FLIGHT_LEASE_MS = 120_000;

export interface IdempotencyKey {
  merchantId: string;
  scope: string;
  key: string;
}

export type Begin =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export function requestHash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\u0000');
  return h.digest('hex');
}

export async function beginIdempotent(db: Db, clock: Clock, k: IdempotencyKey, hash: string): Promise<Begin> {
  const now = clock.now();
  const inserted = await db.query(
    `INSERT INTO idempotency_keys (merchant_id, scope, key, request_hash, state, created_at, expires_at)
     VALUES ($1, $2, $3, $4, 'in_flight', $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
    [k.merchantId, k.scope, k.key, hash, now, new Date(now.getTime() + KEEP_MS)],
  );
  if (inserted.rows.length) return { kind: 'new' };
  const { rows } = await db.query<{ request_hash: string; state: string; response_status: number | null; response_body: string | null; expires_at: Date; created_at: Date }>(
    'SELECT request_hash, state, response_status, response_body, expires_at, created_at FROM idempotency_keys WHERE merchant_id = $1 AND scope = $2 AND key = $3',
    [k.merchantId, k.scope, k.key],
  );
  const r = rows[0];
  const abandoned = r && r.state === 'in_flight' && new Date(r.created_at).getTime() + IN_FLIGHT_LEASE_MS <= now.getTime();
  if (!r || new Date(r.expires_at) <= now || abandoned) {
    // Gone, past its keeping time, or left in flight by a request that died: the key is free again.
    await db.query(
      `DELETE FROM idempotency_keys WHERE merchant_id = $1 AND scope = $2 AND key = $3
          AND (expires_at <= $4 OR (state = 'in_flight' AND created_at <= $5))`,
      [k.merchantId, k.scope, k.key, now, new Date(now.getTime() - IN_FLIGHT_LEASE_MS)],
    );
    return beginIdempotent(db, clock, k, hash);
  }
  if (r.request_hash !== hash) return { kind: 'mismatch' };
  if (r.state !== 'done') return { kind: 'in_flight' };
  return { kind: 'replay', status: Number(r.response_status), body: r.response_body ?? '' };
}

export async function finishIdempotent(db: Db, k: IdempotencyKey, status: number, body: string): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5 WHERE merchant_id = $1 AND scope = $2 AND key = $3`,
    [k.merchantId, k.scope, k.key, status, body],
  );
}

/** Frees the key when the outcome is not final (validation failure, unknown outcome, crash). */
export async function abandonIdempotent(db: Db, k: IdempotencyKey): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE merchant_id = $1 AND scope = $2 AND key = $3 AND state = 'in_flight'`, [
    k.merchantId, k.scope, k.key,
  ]);
}
