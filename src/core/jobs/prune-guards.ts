// Deletes what the shared request guards no longer need (migration 014): native signatures whose
// replay window has passed (native_replay_guard, and native_replay_guard_legacy of migration 020)
// and rate-limit counts of passed seconds (rate_windows). Neither is needed for correctness — the
// replay guard takes over an expired entry, a count is only read for its own second — the job only
// keeps the tables small.
// Every process runs it: each batch claims its rows with FOR UPDATE SKIP LOCKED, so two processes
// split the work instead of waiting on each other's locks, and a batch is bounded so no statement
// holds many locks or runs long.
import type { CoreDeps } from '../deps.ts';
import { deleteInBatches } from './prune.ts';

const BATCH = 5_000;
// Seconds a passed rate window is kept: a process whose clock lags a little behind ours must not
// find its current window deleted (and counted afresh).
const WINDOW_KEEP_SECONDS = 60;
// The same margin for signatures: a pruner whose clock runs ahead must not delete an entry that
// still guards a node on the right time (the guard itself compares on each node's own clock).
export const REPLAY_KEEP_MS = 60_000;

// By row (ctid): a digest alone no longer names one entry (migration 019 keys it by signed time
// too). Ordered by expiry, so even a plan prepared without the cut-off's value walks the expiry
// index instead of the whole table.
const PRUNE_REPLAYS = `DELETE FROM native_replay_guard WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM native_replay_guard WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))`;
// The entries migration 020 moved apart: nothing adds to them, so one small statement ends them.
const PRUNE_LEGACY_REPLAYS = `DELETE FROM native_replay_guard_legacy WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM native_replay_guard_legacy WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`;
const PRUNE_WINDOWS = `DELETE FROM rate_windows WHERE (second, key) IN (
  SELECT second, key FROM rate_windows WHERE second < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`;

export interface Pruned {
  replays: number;
  windows: number;
}

export async function pruneGuards(core: Pick<CoreDeps, 'db' | 'clock'>): Promise<Pruned> {
  const now = core.clock.now();
  const windowsBefore = Math.floor(now.getTime() / 1000) - WINDOW_KEEP_SECONDS;
  const replaysBefore = new Date(now.getTime() - REPLAY_KEEP_MS);
  return {
    replays:
      (await deleteInBatches(core.db, PRUNE_REPLAYS, replaysBefore, BATCH)) +
      (await deleteInBatches(core.db, PRUNE_LEGACY_REPLAYS, replaysBefore, BATCH)),
    windows: await deleteInBatches(core.db, PRUNE_WINDOWS, windowsBefore, BATCH),
  };
}

