// Per-merchant request limit from the merchant contract's `rateLimitPerSecond` (null = unlimited).
// A fixed one-second window on the injected clock: exact and deterministic in tests (a FixedClock
// stays in one window until advanced). The count is a database row per (merchant, second), table
// rate_windows, so one budget holds across every Kasir process on the database; passed windows
// are deleted by src/core/jobs/prune-guards.ts.
import type { Clock } from '../core/clock.ts';
import type { Queryable } from '../db/db.ts';

/** undefined: admitted; otherwise the seconds until the current window ends (at least 1). */
export type Refusal = { retryAfterSeconds: number } | undefined;

// One statement, so one round trip, atomic across processes: the row lock on (second, key) orders
// concurrent counts. Once the budget is spent the WHERE leaves the row unchanged and nothing is
// returned, so a flood of refused requests writes no new row versions.
const COUNT = `INSERT INTO rate_windows (second, key, count) VALUES ($1, $2, 1)
  ON CONFLICT (second, key) DO UPDATE SET count = rate_windows.count + 1 WHERE rate_windows.count < $3
  RETURNING count`;

export class RateLimiter {
  private readonly db: Queryable;
  private readonly clock: Clock;

  constructor(deps: { db: Queryable; clock: Clock }) {
    this.db = deps.db;
    this.clock = deps.clock;
  }

  /** Counts one request for `key` against `perSecond`; a null limit costs no database round trip. */
  async allow(key: string, perSecond: number | null): Promise<Refusal> {
    if (perSecond === null) return undefined;
    const now = this.clock.now().getTime();
    const second = Math.floor(now / 1000);
    const { rows } = await this.db.query(COUNT, [second, key, perSecond]);
    if (rows.length > 0) return undefined;
    return { retryAfterSeconds: Math.max(1, Math.ceil(((second + 1) * 1000 - now) / 1000)) };
  }
}
