// Per-merchant request limit from the merchant contract's `rateLimitPerSecond` (null = unlimited).
// A fixed one-second window on the injected clock: exact and deterministic in tests (a FixedClock
// stays in one window until advanced), and one map lookup per request on the hot path.
// The count lives in this process: with several Kasir processes each enforces the limit alone,
// which is the usual trade-off of a gateway-local limiter (roadmap 7 may move it to the database).
import type { Clock } from '../core/clock.ts';

interface Window {
  second: number;
  count: number;
}

const MAX_KEYS = 50_000;

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Counts one request for `key`; false when it exceeds `perSecond` in the current second. */
  allow(key: string, perSecond: number | null): boolean {
    if (perSecond === null) return true;
    const second = Math.floor(this.clock.now().getTime() / 1000);
    let w = this.windows.get(key);
    if (!w || w.second !== second) {
      if (this.windows.size >= MAX_KEYS) this.prune(second);
      w = { second, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count <= perSecond;
  }

  private prune(second: number): void {
    for (const [k, w] of this.windows) if (w.second !== second) this.windows.delete(k);
  }
}
