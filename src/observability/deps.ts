// What the app's observability needs (src/app.ts AppDeps.observability), built by runtime.ts from the
// settings KASIR_METRICS_TOKEN and KASIR_ACCESS_LOG.
import type { Metrics } from './metrics.ts';

/** Where log lines go instead of stdout (tests capture them): pino writes one JSON line per call. */
export interface LogStream {
  write(line: string): void;
}

export interface ObservabilityDeps {
  metrics: Metrics;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** One structured line per request (route pattern, status, duration, request id, dialect). */
  accessLog: boolean;
  logStream?: LogStream;
}
