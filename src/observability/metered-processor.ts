// A Processor that times and counts every call of the one it wraps (kasir_processor_calls_total,
// kasir_processor_call_duration_seconds). Labels are the processor's kind (sandbox, antom, nicepay:
// never an account id, one per connector account would be unbounded), the call and its outcome.
import { ProcessorUnavailable, type AuthorizeOutcome, type OperationOutcome, type Processor } from '../core/processors/processor.ts';
import type { CallOutcome, ProcessorMeter } from './metrics.ts';

type Call = 'authorize' | 'capture' | 'void' | 'reverse' | 'refund' | 'sync' | 'abandon' | 'simulate_buyer';

const authorizeOutcome = (o: AuthorizeOutcome): CallOutcome => (o.kind === 'failed' ? 'refused' : 'ok');
const operationOutcome = (o: OperationOutcome): CallOutcome => (o.ok ? 'ok' : 'refused');
const answered = (): CallOutcome => 'ok';

// A thrown call: "unavailable" was refused before anything existed upstream (the next route may
// take it); anything else (a timeout, a reset connection) leaves the outcome unknown until synced.
const thrownOutcome = (err: unknown): CallOutcome => (err instanceof ProcessorUnavailable ? 'unavailable' : 'unknown');

export function meteredProcessor(p: Processor, kind: string, meter: ProcessorMeter): Processor {
  const timed =
    <A extends unknown[], R>(call: Call, run: (...a: A) => Promise<R>, outcome: (r: R) => CallOutcome) =>
    async (...a: A): Promise<R> => {
      const started = performance.now();
      try {
        const r = await run(...a);
        meter.observe(kind, call, outcome(r), (performance.now() - started) / 1000);
        return r;
      } catch (err) {
        meter.observe(kind, call, thrownOutcome(err), (performance.now() - started) / 1000);
        throw err;
      }
    };
  // Arrow functions over `p`: callers (and test doubles spreading this object) call them unbound.
  const wrapped: Processor = {
    name: p.name,
    abilities: p.abilities,
    authorize: timed('authorize', (op, pay, card) => p.authorize(op, pay, card), authorizeOutcome),
    capture: timed('capture', (op, pay) => p.capture(op, pay), operationOutcome),
    void: timed('void', (op, pay) => p.void(op, pay), operationOutcome),
    reverse: timed('reverse', (op, pay) => p.reverse(op, pay), operationOutcome),
    refund: timed('refund', (op, pay) => p.refund(op, pay), operationOutcome),
    sync: timed('sync', (op, pay) => p.sync(op, pay), answered),
    abandon: timed('abandon', (op, pay) => p.abandon(op, pay), answered),
  };
  if (p.simulateBuyer) wrapped.simulateBuyer = timed('simulate_buyer', (op, pay, o) => p.simulateBuyer!(op, pay, o), authorizeOutcome);
  return wrapped;
}
