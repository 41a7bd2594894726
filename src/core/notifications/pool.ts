// Delivery slots without a batch barrier: each claimed notification runs on its own, and the moment
// one settles its slot (and its merchant's and target's share) is free for the next claim. A batch
// that waited for its slowest member let one merchant's hanging receivers hold every other
// merchant's notifications back for a whole timeout; here they only ever hold their own share.
import type { Db } from '../../db/db.ts';
import type { Clock } from '../clock.ts';
import { claimDue, type Busy, type DeliveryLimits } from './claim.ts';
import type { OutboxItem } from './format.ts';

export interface Pool {
  /** Claims due rows into the free slots (at most `max` in all) and starts them; how many it started. */
  fill(max?: number): Promise<number>;
  inFlight(): number;
  /** Resolves once some delivery in flight settles (at once when none is in flight). */
  settled(): Promise<void>;
  /** Resolves once every delivery in flight settled. */
  idle(): Promise<void>;
}

export interface PoolOptions {
  db: Db;
  clock: Clock;
  limits: DeliveryLimits;
  /** Attempts one claimed notification; true when it was acknowledged. */
  deliver(item: OutboxItem): Promise<boolean>;
  /** Called after each delivery settles (delivered or not), e.g. to claim the next one. */
  onSettled?(outcome: { delivered: boolean; error?: unknown }): void;
}

const bump = (counts: Map<string, number>, key: string, by: number) => {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
};

export function createPool(o: PoolOptions): Pool {
  const busy: Busy = { merchants: new Map(), targets: new Map() };
  const running = new Set<Promise<void>>();
  let waiters: (() => void)[] = [];

  const start = (item: OutboxItem) => {
    bump(busy.merchants, item.merchantId, 1);
    bump(busy.targets, item.targetUrl, 1);
    const finish = (outcome: { delivered: boolean; error?: unknown }) => {
      bump(busy.merchants, item.merchantId, -1);
      bump(busy.targets, item.targetUrl, -1);
      running.delete(run);
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
      o.onSettled?.(outcome);
    };
    const run: Promise<void> = o.deliver(item).then(
      (delivered) => finish({ delivered }),
      (error: unknown) => finish({ delivered: false, error }),
    );
    running.add(run);
  };

  return {
    async fill(max = Infinity) {
      let started = 0;
      for (;;) {
        const want = Math.min(o.limits.slots - running.size, max - started);
        if (want <= 0) return started;
        const items = await claimDue(o, want, o.limits, busy);
        for (const item of items) start(item);
        started += items.length;
        // Nothing claimable until something settles or comes due. Fewer than asked is not that: one
        // claim scans a bounded window of due rows, and another merchant's may lie past it.
        if (items.length === 0) return started;
      }
    },
    inFlight: () => running.size,
    settled: () => (running.size ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    async idle() {
      while (running.size) await Promise.all(running);
    },
  };
}
