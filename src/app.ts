// buildApp(deps): Fastify + shared plugins + every registered dialect (src/dialects/registry.ts). No
// I/O at import: main.ts and the tests construct the dependencies and pass them in.
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { SERVER_TIMEOUTS, type ServerTimeouts } from './config.ts';
import type { CoreDeps } from './core/deps.ts';
import type { CredentialCache } from './core/merchants/credential-cache.ts';
import type { ProvisioningDeps } from './core/merchants/merchants.ts';
import type { DeliveryDeps } from './core/notifications/worker.ts';
import { mountDialects, type DialectProvisioners } from './dialects/registry.ts';
import { adminApi } from './http/admin.ts';
import { KasirError } from './core/errors.ts';
import { renderError } from './dialects/native/render.ts';
import { sendEnvelope } from './dialects/native/route.ts';
import { connectorNotifications } from './http/connector-notify.ts';
import { checkoutPages } from './http/checkout.ts';
import { dashboard } from './surfaces/dashboard/plugin.ts';
import { captureRawBodies } from './http/raw-body.ts';
import { requestIdFor } from './http/request-id.ts';
import { RateLimiter } from './http/rate-limit.ts';
import { observeRequests } from './http/access-log.ts';
import { healthRoutes } from './http/health.ts';
import { metricsRoute } from './http/metrics.ts';
import type { ObservabilityDeps } from './observability/deps.ts';
import { createMetrics } from './observability/metrics.ts';

export interface AppDeps {
  core: CoreDeps;
  /** Merchants, and each registered dialect's credential provisioning for new ones. */
  merchants: ProvisioningDeps<DialectProvisioners>;
  credentials: CredentialCache;
  delivery: DeliveryDeps;
  adminToken: string;
  /** Base URL buyers reach Kasir at: Antom's normalUrl points at the checkout page under it. */
  publicUrl: () => string;
  bodyLimit: number;
  logLevel: string;
  /** The HTTP server's timeouts (KASIR_*_TIMEOUT_MS); the settings' defaults when absent. */
  timeouts?: ServerTimeouts;
  /** Metrics, access log, log destination (runtime.ts); metrics of its own and no access log when absent. */
  observability?: ObservabilityDeps;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const t = deps.timeouts ?? SERVER_TIMEOUTS;
  const obs = deps.observability ?? { metrics: createMetrics({ db: deps.core.db, clock: deps.core.clock }), accessLog: false };
  const app = Fastify({
    // Slow clients: the whole request (body included) within requestMs, its headers within headersMs
    // (Node refuses a headers timeout above the request timeout), idle sockets closed.
    requestTimeout: t.requestMs,
    connectionTimeout: t.connectionMs,
    keepAliveTimeout: t.keepAliveMs,
    http: {
      requestTimeout: t.requestMs,
      headersTimeout: Math.min(t.headersMs, t.requestMs),
      // Node only looks for expired requests this often (default 30 s, which would double a 30 s limit).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(t.requestMs / 4))),
    },
    logger: deps.logLevel === 'silent' ? false : { level: deps.logLevel, ...(obs.logStream ? { stream: obs.logStream } : {}) },
    bodyLimit: deps.bodyLimit,
    genReqId: requestIdFor,
    // No per-request log lines (docs/architecture.md: no synchronous logging on the hot path); failures
    // are logged where they are rendered.
    logController: new LogController({ disableRequestLogging: true }),
    // Duplicate slashes are collapsed here: one NICEPAY SDK requests /nicepay//direct/v2/...
    // Long ids must reach the handlers (which answer "not found" in their dialect), not the router's 414.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    return503OnClosing: true,
    // A URL Fastify cannot even decode (e.g. a broken percent-escape) names nothing: answer the
    // envelope's 404 with a request id, like any unknown path, instead of Fastify's bare 400.
    frameworkErrors: (_err, req, res) => {
      return sendEnvelope((res as FastifyReply).header('x-request-id', req.id), renderError(new KasirError('NO_SUCH_API', 'Not found')));
    },
  });
  captureRawBodies(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // Before any route: root hooks (metrics, access log, auth-failure log) cover every route after them.
  observeRequests(app, obs);
  const stopCounting = obs.metrics.countPaymentEvents();
  app.addHook('onClose', async () => stopCounting());
  await app.register(healthRoutes, { db: deps.core.db }); // GET /health, GET /readyz: public
  await app.register(metricsRoute, { metrics: obs.metrics, token: obs.metricsToken }); // GET /metrics: KASIR_METRICS_TOKEN when set
  // One per-merchant limiter for all dialects (the contract's rateLimitPerSecond of each profile),
  // counting in the database: one budget across every Kasir process on it.
  const limiter = new RateLimiter(deps.core);
  await app.register(adminApi, { prefix: '/admin/v1', merchants: deps.merchants, credentials: deps.credentials, adminToken: deps.adminToken, publicUrl: deps.publicUrl, core: deps.core });
  await mountDialects(app, { core: deps.core, merchants: deps.merchants, credentials: deps.credentials, publicUrl: deps.publicUrl, limiter });
  await app.register(checkoutPages, { core: deps.core, merchants: deps.merchants });
  await app.register(dashboard, { prefix: '/dashboard', core: deps.core, merchants: deps.merchants, credentials: deps.credentials, adminToken: deps.adminToken, publicUrl: deps.publicUrl });
  await app.register(import('./http/openapi.ts')); // GET /api/v1/openapi.json and /docs: public, no merchant data
  await app.register(connectorNotifications, { core: deps.core, publicUrl: deps.publicUrl });
  return app;
}
