// Wiring shared by main.ts, the tests and the benchmarks: database → migrations → dependencies.
import type { AppDeps } from './app.ts';
import type { DeliveryLimits } from './core/notifications/claim.ts';
import type { NotificationFormats } from './core/notifications/format.ts';
import { credentialProvisioners, notificationFormats } from './dialects/registry.ts';
import type { Clock } from './core/clock.ts';
import { createCredentialCache } from './core/merchants/credential-cache.ts';
import { newRsaKeyPair, type RsaKeyPair } from './core/merchants/rsa.ts';
import { createSecretBox } from './core/merchants/secret-box.ts';
import { createProcessors } from './processors/registry.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';
import type { LogStream } from './observability/deps.ts';
import { createMetrics } from './observability/metrics.ts';

export interface DbOptions {
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL schema to work in; tests use one per file. */
  schema?: string;
  /** PGlite only: a file holding a migrated data directory to start from (tests, see test/helpers/pglite-template.ts). */
  pgliteTemplate?: string;
}

export async function openDatabase(opts: DbOptions): Promise<Db> {
  const db = opts.databaseUrl ? openPostgres({ url: opts.databaseUrl, schema: opts.schema }) : await openPglite(opts.dataDir, opts.pgliteTemplate);
  await migrate(db);
  return db;
}

export interface DepsOptions {
  db: Db;
  clock: Clock;
  encryptionKey: Buffer;
  adminToken: string;
  /**
   * Base URL buyers reach Kasir at (checkout pages). A function when it is only known later: the
   * test harness listens on a random port after the app is built.
   */
  publicUrl: string | (() => string);
  bodyLimit?: number;
  logLevel?: string;
  sandboxLatencyMs?: number;
  /** How long one call to an upstream provider may take before its outcome is unknown. */
  connectorTimeoutMs?: number;
  leaseMs?: number;
  waitMs?: number;
  idempotencyLeaseMs?: number;
  /** Per-dialect notification formats; each dialect exports its own (see core/notifications). */
  formats?: NotificationFormats;
  /** Allow notifications to loopback/private addresses (tests, local development). */
  allowPrivateTargets?: boolean;
  /** Deliveries in flight per process, per merchant, per target (default DEFAULT_LIMITS). */
  deliveryLimits?: DeliveryLimits;
  /** KASIR_METRICS_TOKEN: GET /metrics requires it as a bearer token when set. */
  metricsToken?: string;
  /** KASIR_ACCESS_LOG: one log line per request. */
  accessLog?: boolean;
  /** Where log lines go instead of stdout (tests capture them). */
  logStream?: LogStream;
  /** Where new merchants' RSA key pairs come from (default: made fresh, newRsaKeyPair). */
  rsaKeyPair?: () => Promise<RsaKeyPair>;
}

/** Every registered dialect's notification format, by name (src/dialects/registry.ts). */
export { notificationFormats };

export function createDeps(o: DepsOptions): AppDeps {
  const box = createSecretBox(o.encryptionKey);
  const merchants = { db: o.db, clock: o.clock, box, rsaKeyPair: o.rsaKeyPair ?? newRsaKeyPair, provisioners: credentialProvisioners() };
  const given = o.publicUrl;
  const publicUrl = typeof given === 'function' ? given : () => given;
  // Created here, not in buildApp: the processors (made here) report their calls to it.
  const metrics = createMetrics({ db: o.db, clock: o.clock });
  return {
    core: {
      db: o.db,
      clock: o.clock,
      processors: createProcessors({ db: o.db, clock: o.clock, latencyMs: o.sandboxLatencyMs, publicUrl, box, connectorTimeoutMs: o.connectorTimeoutMs, meter: metrics.processor }),
      leaseMs: o.leaseMs ?? 30_000,
      waitMs: o.waitMs ?? 10_000,
      idempotencyLeaseMs: o.idempotencyLeaseMs ?? 60_000,
      box,
    },
    merchants,
    credentials: createCredentialCache(merchants),
    delivery: { db: o.db, clock: o.clock, merchants, formats: o.formats ?? notificationFormats(), allowPrivateTargets: o.allowPrivateTargets ?? false, limits: o.deliveryLimits },
    adminToken: o.adminToken,
    publicUrl,
    bodyLimit: o.bodyLimit ?? 65_536,
    logLevel: o.logLevel ?? 'info',
    observability: { metrics, metricsToken: o.metricsToken, accessLog: o.accessLog ?? false, logStream: o.logStream },
  };
}
