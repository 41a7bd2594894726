// Deletes what Kasir keeps only for a while, so storage grows with live work and not with history:
//   - idempotency keys past their keeping time (expires_at, KEEP_MS after first use). A key whose
//     lease still runs is left alone even then: its request is still writing recovery points on it.
//   - finished notifications (delivered, given up, or not reported by their format) and their
//     attempts, once older than the retention: the operator's view (admin deliveries) reaches back
//     that far. A pending row is never touched, however old.
// Several processes may run it at once: each batch locks its rows FOR UPDATE SKIP LOCKED, so they
// split the work. Batches are bounded (no statement holds many locks) and so is one run: what is
// left waits for the next tick instead of stalling the job runner.
import type { CoreDeps } from '../deps.ts';

const BATCH = 1_000;
const MAX_BATCHES = 50;

// Both statements are prepared once and may run on a plan made without the cut-off's value: each
// orders by the column its index is on (idempotency_keys_expiry, outbox_finished), so that plan
// walks the index from the oldest row instead of the whole table (the bench's 1,000,000-payment
// phase: an outbox batch took 515 ms on the primary-key order, 12 ms on the index).
// The outer WHERE repeats the condition: a row that changed between the scan and the lock stays.
const PRUNE_KEYS = `
  DELETE FROM idempotency_keys
   WHERE (merchant_id, scope, key) IN (
           SELECT merchant_id, scope, key FROM idempotency_keys
            WHERE expires_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
            ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     AND expires_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)`;

// A finished row's last activity: delivered_at, or for a row given up the time of its last attempt
// (the worker sets next_attempt_at to it). Its attempts go in the same statement (foreign key).
const PRUNE_OUTBOX = `
  WITH gone AS (
    SELECT id FROM outbox
     WHERE status IN ('delivered', 'failed', 'skipped') AND COALESCE(delivered_at, next_attempt_at) <= $1
     ORDER BY COALESCE(delivered_at, next_attempt_at) LIMIT $2 FOR UPDATE SKIP LOCKED),
  attempts AS (DELETE FROM delivery_attempts a USING gone WHERE a.outbox_id = gone.id)
  DELETE FROM outbox o USING gone WHERE o.id = gone.id`;

export interface PruneSettings {
  /** How long finished notifications and their attempts are kept, ms. */
  outboxRetentionMs: number;
}

export interface Pruned {
  keys: number;
  notifications: number;
}

export async function pruneExpired(core: Pick<CoreDeps, 'db' | 'clock'>, s: PruneSettings): Promise<Pruned> {
  const now = core.clock.now();
  return {
    keys: await deleteInBatches(core.db, PRUNE_KEYS, now),
    notifications: await deleteInBatches(core.db, PRUNE_OUTBOX, new Date(now.getTime() - s.outboxRetentionMs)),
  };
}

/**
 * Deletes batch by batch (`sql` takes the cut-off as $1 and the batch size as $2) until one comes
 * back short, or `maxBatches` ran (what is left waits for the next run). Shared by the prune jobs.
 */
export async function deleteInBatches(db: CoreDeps['db'], sql: string, before: unknown, batch = BATCH, maxBatches = MAX_BATCHES): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { rowCount } = await db.query(sql, [before, batch]);
    total += rowCount;
    if (rowCount < batch) break;
  }
  return total;
}
