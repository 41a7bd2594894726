// Wiring shared by main.ts, the tests and the benchmarks: database → migrations → dependencies.
import type { AppDeps } from './app.ts';
import type { NotificationFormats } from './core/notifications/format.ts';
import { nativeNotificationFormat } from './dialects/native/notify.ts';
import { nicepayNotificationFormat } from './dialects/nicepay/notify.ts';
import { antomNotificationFormat } from './dialects/antom/notify.ts';
import type { Clock } from './core/clock.ts';
import { createCredentialCache } from './core/merchants/credential-cache.ts';
import { createSecretBox } from './core/merchants/secret-box.ts';
import { createSimulator } from './core/processors/simulator.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';

export interface DbOptions {
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL schema to work in; tests use one per file. */
  schema?: string;
  /** PGlite only: a migrated data directory to start from (tests, see test/helpers/pglite-template.ts). */
  pgliteTemplate?: Blob;
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
  leaseMs?: number;
  waitMs?: number;
  /** Per-dialect notification formats; each dialect exports its own (see core/notifications). */
  formats?: NotificationFormats;
  /** Allow notifications to loopback/private addresses (tests, local development). */
  allowPrivateTargets?: boolean;
}

/** Every dialect's notification format, by payment profile. */
export function notificationFormats(): NotificationFormats {
  return {
    native: nativeNotificationFormat,
    nicepay: nicepayNotificationFormat,
    antom: antomNotificationFormat,
  };
}

export function createDeps(o: DepsOptions): AppDeps {
  const merchants = { db: o.db, clock: o.clock, box: createSecretBox(o.encryptionKey) };
  const given = o.publicUrl;
  const publicUrl = typeof given === 'function' ? given : () => given;
  return {
    core: {
      db: o.db,
      clock: o.clock,
      // A getter, so the simulator's checkout links use the URL as it is when the payment is made.
      processor: createSimulator(o.db, { latencyMs: o.sandboxLatencyMs, get publicUrl() { return publicUrl(); } }),
      leaseMs: o.leaseMs ?? 30_000,
      waitMs: o.waitMs ?? 10_000,
    },
    merchants,
    credentials: createCredentialCache(merchants),
    delivery: { db: o.db, clock: o.clock, merchants, formats: o.formats ?? notificationFormats(), allowPrivateTargets: o.allowPrivateTargets ?? false },
    adminToken: o.adminToken,
    publicUrl,
    bodyLimit: o.bodyLimit ?? 65_536,
    logLevel: o.logLevel ?? 'info',
  };
}
