// Gauges computed when Prometheus scrapes, from the database every Kasir process shares (so every
// process reports the same backlog): each query is answered from a partial index kept for the job
// that works the backlog, never by walking a table that only grows.
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { Db } from '../db/db.ts';
import type { PgliteStats } from '../db/pglite.ts';
import type { PoolStats } from '../db/postgres.ts';

interface Snapshot {
  outboxPending: number;
  /** created_at of the oldest pending notification, null when none waits. */
  outboxOldest: Date | null;
  /** Payments holding a processor call, by pending_state. */
  claims: Record<string, number>;
  awaitingUpstream: number;
}

// pending_state values (core/payments/model.ts): always reported, so a rate or alert sees a 0, not a gap.
const CLAIM_STATES = ['in_flight', 'unknown', 'refused'] as const;

async function snapshot(db: Db): Promise<Snapshot> {
  // outbox_due (WHERE status = 'pending'): the delivery worker's index.
  const outbox = db.query<{ n: number; oldest: Date | string | null }>(`SELECT count(*)::int AS n, min(created_at) AS oldest FROM outbox WHERE status = 'pending'`);
  // payments_pending (WHERE pending_operation IS NOT NULL): the reconciler's index. Every open
  // processor_operations row (pending/unknown) is its payment's claim, and that table has no index
  // on status, so the claims are counted instead.
  const claims = db.query<{ state: string; n: number }>(`SELECT pending_state AS state, count(*)::int AS n FROM payments WHERE pending_operation IS NOT NULL GROUP BY pending_state`);
  // payments_awaiting_upstream: the upstream poller's index (a buyer still on the provider's pages).
  const upstream = db.query<{ n: number }>(`SELECT count(*)::int AS n FROM payments WHERE status = 'requires_action' AND processor <> 'sandbox'`);
  const [o, c, u] = await Promise.all([outbox, claims, upstream]);
  const byState: Record<string, number> = Object.fromEntries(CLAIM_STATES.map((s) => [s, 0]));
  for (const r of c.rows) if (r.state !== null && Object.hasOwn(byState, r.state)) byState[r.state] = Number(r.n);
  const oldest = o.rows[0]?.oldest;
  return { outboxPending: Number(o.rows[0]?.n ?? 0), outboxOldest: oldest ? new Date(oldest) : null, claims: byState, awaitingUpstream: Number(u.rows[0]?.n ?? 0) };
}

export function addDatabaseGauges(registry: Registry, db: Db, clock: Clock): void {
  // prom-client collects every metric of a scrape at once: they share one snapshot (three queries),
  // and a failed one makes these gauges NaN (the labelled one empty) with kasir_database_up 0 instead
  // of failing the scrape.
  let current: Promise<Snapshot | null> | null = null;
  const shared = () =>
    (current ??= snapshot(db)
      .catch(() => null)
      .finally(() => {
        current = null;
      }));
  // The pool first: prom-client collects in registration order, and the gauges below start their own
  // queries, which the pool's numbers would otherwise include.
  addPoolGauges(registry, db);
  const registers = [registry];
  const fromSnapshot = (name: string, help: string, read: (s: Snapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await shared();
        // NaN, Prometheus' "no value": a 0 would read as an empty backlog.
        this.set(s ? read(s) : NaN);
      },
    });
  fromSnapshot('kasir_outbox_pending', 'Notifications waiting for delivery (outbox rows pending)', (s) => s.outboxPending);
  fromSnapshot('kasir_outbox_oldest_pending_age_seconds', 'Age of the oldest notification waiting for delivery; 0 when none waits', (s) =>
    s.outboxOldest ? Math.max(0, (clock.now().getTime() - s.outboxOldest.getTime()) / 1000) : 0,
  );
  fromSnapshot('kasir_payments_awaiting_upstream', 'Payments waiting for their buyer at an upstream connector (requires_action, not sandbox)', (s) => s.awaitingUpstream);
  new Gauge({
    name: 'kasir_operations_awaiting_reconciliation',
    help: 'Processor calls not settled yet, by claim state: in_flight (a request holds it, or its lease lapsed), unknown (no answer: the reconciler syncs it), refused',
    labelNames: ['state'],
    registers,
    async collect() {
      const s = await shared();
      this.reset();
      if (s) for (const [state, n] of Object.entries(s.claims)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'kasir_database_up',
    help: '1 when the scrape-time database queries answered, 0 otherwise',
    registers,
    async collect() {
      this.set((await shared()) ? 1 : 0);
    },
  });
}

/** The connection pool: node-pg's counts on PostgreSQL; PGlite is one connection, so its queue. */
function addPoolGauges(registry: Registry, db: Db): void {
  const registers = [registry];
  const pool = (db as Partial<{ poolStats(): PoolStats }>).poolStats;
  if (pool) {
    new Gauge({
      name: 'kasir_db_pool_connections',
      help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one',
      labelNames: ['state'],
      registers,
      collect() {
        const s = pool.call(db);
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
  }
  const lite = (db as Partial<{ pgliteStats(): PgliteStats }>).pgliteStats;
  if (lite) {
    new Gauge({
      name: 'kasir_db_queries_in_flight',
      help: 'PGlite queries and transactions started and not finished (one connection: the rest queue)',
      registers,
      collect() {
        this.set(lite.call(db).inFlight);
      },
    });
  }
}
