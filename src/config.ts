// One schema for every setting, read from the environment and command-line flags, parsed once at
// start and passed down. A bad value stops the process with a message naming the setting.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_LIMITS } from './core/notifications/claim.ts';
import { literals } from './core/schema-helpers.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The HTTP server's timeouts, ms (app.ts); defaults of the KASIR_*_TIMEOUT_MS settings. */
export interface ServerTimeouts {
  requestMs: number;
  headersMs: number;
  keepAliveMs: number;
  connectionMs: number;
}

// keepAlive above the 60 s idle timeout of common load balancers (Fastify's own default), so a
// balancer never reuses a connection Kasir has just closed; connection above the longest request.
export const SERVER_TIMEOUTS: ServerTimeouts = { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 72_000, connectionMs: 120_000 };

export function serverTimeouts(c: Config): ServerTimeouts {
  return {
    requestMs: c.KASIR_REQUEST_TIMEOUT_MS,
    headersMs: c.KASIR_HEADERS_TIMEOUT_MS,
    keepAliveMs: c.KASIR_KEEP_ALIVE_TIMEOUT_MS,
    connectionMs: c.KASIR_CONNECTION_TIMEOUT_MS,
  };
}

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'interface to listen on' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; when unset, PGlite is used' })),
  KASIR_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'PGlite directory, or memory:// for in-memory' }),
  KASIR_STATE_DIR: Type.String({ minLength: 1, default: './.kasir', description: 'where generated secrets (admin token, encryption key) are kept' }),
  KASIR_LOG_LEVEL: literals(LOG_LEVELS, { default: 'info', description: 'log level' }),
  KASIR_ENCRYPTION_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'base64 of 32 random bytes; encrypts credentials at rest' })),
  KASIR_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 24, description: 'bearer token of the admin API' })),
  KASIR_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'base URL buyers reach (checkout pages)' })),
  KASIR_BODY_LIMIT: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536, description: 'largest accepted request body, bytes' }),
  KASIR_SANDBOX_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0, description: 'simulated processor latency' }),
  KASIR_EXPIRY_SWEEP_MS: Type.Integer({ minimum: 100, default: 5_000, description: 'how often unpaid payments are expired' }),
  KASIR_SETTLEMENT_DELAY_MS: Type.Integer({ minimum: 0, default: 86_400_000, description: 'how long captured funds stay pending before they become available' }),
  KASIR_SETTLEMENT_EVERY_MS: Type.Integer({ minimum: 100, default: 60_000, description: 'how often payments due for settlement are settled' }),
  KASIR_CONNECTOR_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'how long one call to an upstream provider may take before its outcome is unknown (then reconciled by inquiry)' }),
  KASIR_UPSTREAM_POLL_MS: Type.Integer({ minimum: 100, default: 60_000, description: 'how often payments waiting for their buyer at an upstream provider are asked about (a lost notification)' }),
  KASIR_RECONCILE_EVERY_MS: Type.Integer({ minimum: 100, default: 30_000, description: 'how often timed-out processor calls are reconciled' }),
  KASIR_PROCESSOR_LEASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: 'how long a processor call may hold a payment before the reconciler may take it over' }),
  KASIR_IDEMPOTENCY_LEASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000, description: 'how long a request holds its idempotency key before a retry may take it over and resume; keep it above KASIR_PROCESSOR_LEASE_MS' }),
  KASIR_ALLOW_PRIVATE_TARGETS: Type.Boolean({ default: false, description: 'deliver notifications to loopback/private addresses (off: SSRF protection)' }),
  // No default: unset means "on PGlite only". The demo merchant's secret is printed on stdout, which
  // on a shared PostgreSQL deployment ends up in logs; there it must be asked for explicitly.
  KASIR_DEMO_MERCHANT: Type.Optional(Type.Boolean({ description: 'create a demo merchant on first start; default true on the embedded database (PGlite), false on PostgreSQL' })),
  KASIR_PRUNE_EVERY_MS: Type.Integer({ minimum: 1_000, default: 60_000, description: 'how often expired idempotency keys and finished notifications past their retention are deleted' }),
  KASIR_OUTBOX_RETENTION_MS: Type.Integer({ minimum: 60_000, default: 7 * 86_400_000, description: 'how long finished (delivered, failed, skipped) notifications and their attempts are kept' }),
  KASIR_DELIVERY_SLOTS: Type.Integer({ minimum: 2, maximum: 1_024, default: DEFAULT_LIMITS.slots, description: 'notifications in flight at once, per process' }),
  KASIR_DELIVERY_PER_MERCHANT: Type.Integer({ minimum: 1, maximum: 1_023, default: DEFAULT_LIMITS.perMerchant, description: "of them one merchant's at most (below KASIR_DELIVERY_SLOTS)" }),
  KASIR_DELIVERY_PER_TARGET: Type.Integer({ minimum: 1, maximum: 1_024, default: DEFAULT_LIMITS.perTarget, description: 'of them to one target URL at most' }),
  // Slow clients hold sockets: without these, one byte every few seconds kept a connection open for good.
  KASIR_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: SERVER_TIMEOUTS.requestMs, description: 'the longest a client may take to send a whole request, headers and body' }),
  KASIR_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: SERVER_TIMEOUTS.headersMs, description: "the longest a client may take to send a request's headers (capped at the request timeout)" }),
  KASIR_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: SERVER_TIMEOUTS.keepAliveMs, description: 'how long an idle keep-alive connection is kept open between requests' }),
  KASIR_CONNECTION_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: SERVER_TIMEOUTS.connectionMs, description: 'a socket with no traffic in either direction for this long is closed; keep it above the slowest request' }),
  KASIR_METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'when set, GET /metrics requires `Authorization: Bearer <token>`; unset: /metrics is public' })),
  KASIR_ACCESS_LOG: Type.Boolean({ default: false, description: 'log one line per request at info level: method, route pattern, status, duration, request id, dialect, operation (never bodies, secrets or query strings)' }),
  // A hung connection or job must not keep a stopping process alive past its supervisor's patience
  // (Docker sends SIGKILL 10 s after SIGTERM; exiting first lets the exit code say what happened).
  KASIR_SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000, description: 'after SIGTERM/SIGINT, how long in-flight requests and jobs may take to finish before the process exits anyway (exit code 1)' }),
});
export type Config = Static<typeof ConfigSchema>;

const FLAGS: Record<string, keyof Config> = {
  '--port': 'PORT',
  '--host': 'HOST',
  '--database-url': 'DATABASE_URL',
  '--data-dir': 'KASIR_DATA_DIR',
  '--state-dir': 'KASIR_STATE_DIR',
  '--log-level': 'KASIR_LOG_LEVEL',
  '--public-url': 'KASIR_PUBLIC_URL',
};

export class ConfigError extends Error {}

// Their values are never echoed in an error (stderr ends up in logs): a key or token one character
// short is still nearly the whole secret, and a database URL carries its password.
const SECRET_SETTINGS = new Set(['KASIR_ENCRYPTION_KEY', 'KASIR_ADMIN_TOKEN', 'DATABASE_URL', 'KASIR_METRICS_TOKEN']);

/** Environment first, flags override; numbers and booleans are converted, then validated. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const key = FLAGS[flag];
    if (!key) throw new ConfigError(`unknown flag ${flag}; known: ${Object.keys(FLAGS).join(', ')}`);
    raw[key] = inline ?? argv[++i];
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<string, unknown>;
  const error = Value.Errors(ConfigSchema, withDefaults).First();
  if (error) {
    const name = error.path.replace(/^\//, '');
    const desc = (ConfigSchema.properties as Record<string, { description?: string }>)[name]?.description ?? '';
    const shown = SECRET_SETTINGS.has(name) ? '(hidden)' : JSON.stringify(raw[name]);
    throw new ConfigError(`invalid setting ${name}=${shown}: ${error.message} (${desc})`);
  }
  // One merchant's share must leave slots for the others, or its hanging receivers stall everyone.
  if ((withDefaults.KASIR_DELIVERY_PER_MERCHANT as number) >= (withDefaults.KASIR_DELIVERY_SLOTS as number)) {
    throw new ConfigError('invalid setting KASIR_DELIVERY_PER_MERCHANT: must be below KASIR_DELIVERY_SLOTS');
  }
  // A claimed call may chain an inquiry, a re-sent request and a new one before it answers: all of
  // them must end before the lease lets the reconciler take the payment over (and roll back a charge
  // the provider has not seen yet but still could).
  if ((withDefaults.KASIR_CONNECTOR_TIMEOUT_MS as number) * 3 > (withDefaults.KASIR_PROCESSOR_LEASE_MS as number)) {
    throw new ConfigError('invalid setting KASIR_CONNECTOR_TIMEOUT_MS: must be at most a third of KASIR_PROCESSOR_LEASE_MS');
  }
  return withDefaults as Config;
}

export function describeSettings(): { name: string; default: unknown; description: string }[] {
  return Object.entries(ConfigSchema.properties).map(([name, s]) => ({
    name,
    default: (s as { default?: unknown }).default ?? '',
    description: (s as { description?: string }).description ?? '',
  }));
}
