// Prometheus metrics of one Kasir app: its own prom-client Registry (tests run several apps in one
// process, and prom-client's global registry would mix them), the counters the HTTP hooks, the
// processor decorator and the payment-event hook feed, the database gauges computed at scrape time
// (gauges.ts) and prom-client's default process metrics (event-loop lag, heap, GC, handles).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import { onPaymentEventWritten } from '../core/payments/repo.ts';
import type { Db } from '../db/db.ts';
import { addDatabaseGauges } from './gauges.ts';

type HttpLabels = 'dialect' | 'operation' | 'status';
type CallLabels = 'processor' | 'call' | 'outcome';

/** How a processor call ended: answered (ok or a definite refusal), no answer, or refused before anything existed. */
export type CallOutcome = 'ok' | 'refused' | 'unknown' | 'unavailable';

export interface ProcessorMeter {
  observe(processor: string, call: string, outcome: CallOutcome, seconds: number): void;
}

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<HttpLabels>;
  readonly httpDuration: Histogram<HttpLabels>;
  readonly paymentEvents: Counter<'event'>;
  readonly processor: ProcessorMeter;
  /** Starts counting payment events for this app (buildApp); the returned function stops it (app close). */
  countPaymentEvents(): () => void;
}

// Upstream calls run up to KASIR_CONNECTOR_TIMEOUT_MS (10 s by default, at most 120 s).
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(o: { db: Db; clock: Clock }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const httpRequests = new Counter<HttpLabels>({ name: 'kasir_http_requests_total', help: 'HTTP requests answered, by dialect, operation and status code', labelNames: ['dialect', 'operation', 'status'], registers });
  const httpDuration = new Histogram<HttpLabels>({ name: 'kasir_http_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['dialect', 'operation', 'status'], buckets: HTTP_BUCKETS, registers });
  const paymentEvents = new Counter<'event'>({ name: 'kasir_payment_events_total', help: 'Payment timeline events (payment_events rows) written by this process, by event', labelNames: ['event'], registers });
  const calls = new Counter<CallLabels>({ name: 'kasir_processor_calls_total', help: 'Calls to payment processors and upstream connectors, by processor kind, call and outcome', labelNames: ['processor', 'call', 'outcome'], registers });
  const callDuration = new Histogram<CallLabels>({ name: 'kasir_processor_call_duration_seconds', help: 'Time a processor or upstream connector call took', labelNames: ['processor', 'call', 'outcome'], buckets: CALL_BUCKETS, registers });
  addDatabaseGauges(registry, o.db, o.clock);
  const countEvent = (type: string) => paymentEvents.inc({ event: type });
  let counting = 0; // apps built on these metrics and not yet closed (tests build several on one deps)
  return {
    registry,
    httpRequests,
    httpDuration,
    paymentEvents,
    processor: {
      observe(processor, call, outcome, seconds) {
        calls.inc({ processor, call, outcome });
        callDuration.observe({ processor, call, outcome }, seconds);
      },
    },
    countPaymentEvents() {
      if (counting++ === 0) listeners.add(countEvent);
      syncHook();
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        if (--counting === 0) listeners.delete(countEvent);
        syncHook();
      };
    },
  };
}

// repo.ts has one callback for written events. A process normally runs one app; when it runs several
// (tests, benchmarks), each running app counts the events of all of them: repo.ts is told nothing
// about which app a statement belongs to (background jobs belong to none).
const listeners = new Set<(type: string) => void>();
const fanOut = (type: string) => {
  for (const l of listeners) l(type);
};
function syncHook(): void {
  onPaymentEventWritten(listeners.size > 0 ? fanOut : undefined);
}
