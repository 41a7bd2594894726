// Process entry: config → db → migrate → app → jobs → listen; graceful shutdown.
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, serverTimeouts } from './config.ts';
import { systemClock } from './core/clock.ts';
import { startJobs } from './core/jobs/runner.ts';
import { logInternalError } from './http/error-log.ts';
import { createMerchant, listMerchants } from './core/merchants/merchants.ts';
import { opensStoredSecrets } from './core/merchants/secret-box.ts';
import type { Db } from './db/db.ts';
import { MigrationError } from './db/migrate.ts';
import { connectionProblem } from './db/postgres.ts';
import { createDeps, openDatabase } from './runtime.ts';
import { ADMIN_TOKEN_FILE, newAdminToken, newEncryptionKey, stateSecret } from './state.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`kasir: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const admin = stateSecret(config.KASIR_STATE_DIR, ADMIN_TOKEN_FILE, config.KASIR_ADMIN_TOKEN, newAdminToken);
  const key = stateSecret(config.KASIR_STATE_DIR, 'encryption-key', config.KASIR_ENCRYPTION_KEY, newEncryptionKey);
  const db = await openOrExit(config.DATABASE_URL, config.KASIR_DATA_DIR);
  const publicUrl = config.KASIR_PUBLIC_URL ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
  const deps = createDeps({
    db,
    clock: systemClock,
    encryptionKey: Buffer.from(key.value, 'base64'),
    adminToken: admin.value,
    publicUrl,
    bodyLimit: config.KASIR_BODY_LIMIT,
    logLevel: config.KASIR_LOG_LEVEL,
    sandboxLatencyMs: config.KASIR_SANDBOX_LATENCY_MS,
    connectorTimeoutMs: config.KASIR_CONNECTOR_TIMEOUT_MS,
    leaseMs: config.KASIR_PROCESSOR_LEASE_MS,
    idempotencyLeaseMs: config.KASIR_IDEMPOTENCY_LEASE_MS,
    allowPrivateTargets: config.KASIR_ALLOW_PRIVATE_TARGETS,
    deliveryLimits: { slots: config.KASIR_DELIVERY_SLOTS, perMerchant: config.KASIR_DELIVERY_PER_MERCHANT, perTarget: config.KASIR_DELIVERY_PER_TARGET },
    metricsToken: config.KASIR_METRICS_TOKEN,
    accessLog: config.KASIR_ACCESS_LOG,
  });
  if (!(await opensStoredSecrets(db, deps.merchants.box))) {
    // Refuse to start rather than answer 500 to every authenticated request.
    console.error(`kasir: KASIR_ENCRYPTION_KEY (${config.KASIR_ENCRYPTION_KEY ? 'from the environment' : `${config.KASIR_STATE_DIR}/encryption-key`}) cannot open the credentials stored in the database: start with the key they were sealed with`);
    await db.close();
    process.exit(2);
  }
  const app = await buildApp({ ...deps, timeouts: serverTimeouts(config) });
  const stopJobs = startJobs(deps.core, deps.delivery, {
    expiryEveryMs: config.KASIR_EXPIRY_SWEEP_MS,
    deliveryEveryMs: 500, // only new rows wait for this: a freed slot is refilled at once
    reconcileEveryMs: config.KASIR_RECONCILE_EVERY_MS,
    upstreamPollEveryMs: config.KASIR_UPSTREAM_POLL_MS,
    settlementEveryMs: config.KASIR_SETTLEMENT_EVERY_MS,
    settlementDelayMs: config.KASIR_SETTLEMENT_DELAY_MS,
    pruneEveryMs: config.KASIR_PRUNE_EVERY_MS,
    outboxRetentionMs: config.KASIR_OUTBOX_RETENTION_MS,
  }, (job, err) => logInternalError(app.log, systemClock, err, `background job ${job} failed`));

  const banner: string[] = [];
  if (admin.generated) banner.push(`Admin token (stored in ${config.KASIR_STATE_DIR}/${ADMIN_TOKEN_FILE}): ${admin.value}`);
  // On PGlite by default (the README's first-run walkthrough); on PostgreSQL only when asked for.
  const demoMerchant = config.KASIR_DEMO_MERCHANT ?? db.kind === 'pglite';
  if (demoMerchant && (await listMerchants(db)).length === 0) {
    const demo = await createMerchant(deps.merchants, 'Demo merchant');
    banner.push(
      'Demo merchant created (its secret is shown only now):',
      `  merchant id : ${demo.merchant.id}`,
      `  X-API-Key   : ${demo.native.apiKey}`,
      `  API secret  : ${demo.native.apiSecret}`,
      `  Antom client-id: ${demo.antom.clientId}   NICEPAY iMid: ${demo.nicepay.iMid}`,
      '  (full Antom keys and the NICEPAY merchantKey: create a merchant with `npx kasir merchant create --json`)',
    );
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    // A repeated signal is not "now": Ctrl-C under `npm start` reaches the server twice (from the
    // terminal to the process group, and forwarded by npm). The deadline bounds the wait instead.
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // A request that never finishes (a client holding its body back) or a hung job must not keep the
    // process alive until the supervisor's SIGKILL: exit non-zero, so the stop is seen as unclean.
    setTimeout(() => {
      console.error(`kasir: shutdown took longer than KASIR_SHUTDOWN_TIMEOUT_MS=${config.KASIR_SHUTDOWN_TIMEOUT_MS}; exiting with work in flight`);
      process.exit(1);
    }, config.KASIR_SHUTDOWN_TIMEOUT_MS).unref();
    await app.close();
    await stopJobs();
    await db.close();
    process.exit(0);
  };
  // Before the banner: a supervisor may stop the process as soon as it reads "listening".
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.PORT, host: config.HOST });
  banner.unshift(`Kasir listening on ${publicUrl} (${db.kind === 'pglite' ? `PGlite ${config.KASIR_DATA_DIR}` : 'PostgreSQL'})`);
  console.log(banner.join('\n'));
}

/**
 * The database, migrated; or one line on stderr and exit 1 when it cannot be reached or migrated:
 * an operator's mistake (a wrong DATABASE_URL, a role without DDL rights) needs no stack trace.
 */
async function openOrExit(databaseUrl: string | undefined, dataDir: string): Promise<Db> {
  try {
    return await openDatabase({ databaseUrl, dataDir });
  } catch (err) {
    const line = err instanceof MigrationError ? err.message : databaseUrl ? connectionProblem(err, databaseUrl) : null;
    if (line === null) throw err;
    console.error(`kasir: ${line}`);
    process.exit(1);
  }
}

await main();
