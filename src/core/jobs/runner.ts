// The background jobs of one Kasir process. Several processes may share one database: every job
// claims its work item by item (guarded payment writes, FOR UPDATE SKIP LOCKED on the outbox and
// on expired guard rows, leases on processor calls), so running the same job in every process is
// safe, only redundant.
import type { CoreDeps } from '../deps.ts';
import { startDelivery, type DeliveryDeps } from '../notifications/worker.ts';
import { sweepExpired } from './expiry.ts';
import { pollAwaitingUpstream } from './poll-upstream.ts';
import { pruneExpired } from './prune.ts';
import { pruneGuards } from './prune-guards.ts';
import { reconcileUnknown } from './reconcile.ts';
import { settleDue } from './settlement.ts';
import { analyzeEmbedded, ANALYZE_EVERY_MS } from './analyze-embedded.ts';

export interface JobSettings {
  expiryEveryMs: number;
  /** Delivery runs continuously (a freed slot is refilled at once); this is how often it looks for new rows. */
  deliveryEveryMs: number;
  reconcileEveryMs: number;
  settlementEveryMs: number;
  settlementDelayMs: number;
  /** How often expired replay-guard entries and passed rate windows are deleted (default 60 s). */
  guardPruneEveryMs?: number;
  /** How often expired idempotency keys and finished notifications past retention are deleted. */
  pruneEveryMs: number;
  outboxRetentionMs: number;
  /** How often payments waiting for their buyer at an upstream provider are asked about (default 60 s). */
  upstreamPollEveryMs?: number;
  /** PGlite only: how often its planner statistics are refreshed (default 10 min; analyze-embedded.ts). */
  analyzeEveryMs?: number;
}

export function startJobs(core: CoreDeps, delivery: DeliveryDeps, s: JobSettings, onError: (job: string, err: unknown) => void): () => Promise<void> {
  const stops = [
    every(s.expiryEveryMs, () => sweepExpired(core), (err) => onError('expiry', err)),
    startDelivery(delivery, s.deliveryEveryMs, (err) => onError('delivery', err)),
    every(s.reconcileEveryMs, () => reconcileUnknown(core), (err) => onError('reconcile', err)),
    every(s.settlementEveryMs, () => settleDue(core, s.settlementDelayMs), (err) => onError('settlement', err)),
    every(s.guardPruneEveryMs ?? 60_000, () => pruneGuards(core), (err) => onError('prune-guards', err)),
    every(s.pruneEveryMs, () => pruneExpired(core, s), (err) => onError('prune', err)),
    every(s.upstreamPollEveryMs ?? 60_000, () => pollAwaitingUpstream(core, { everyMs: s.upstreamPollEveryMs ?? 60_000 }), (err) => onError('poll-upstream', err)),
    every(s.analyzeEveryMs ?? ANALYZE_EVERY_MS, () => analyzeEmbedded(core), (err) => onError('analyze', err)),
  ];
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}

/** Runs `job` every `everyMs` without overlapping itself; returns a stop function. */
export function every(everyMs: number, job: () => Promise<unknown>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(job).catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
