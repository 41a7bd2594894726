// buildApp(deps): Fastify + shared plugins + the dialect plugins. No I/O at import: main.ts and the
// tests construct the dependencies and pass them in.
import Fastify, { type FastifyInstance } from 'fastify';
import type { CoreDeps } from './core/deps.ts';
import type { CredentialCache } from './core/merchants/credential-cache.ts';
import type { MerchantDeps } from './core/merchants/merchants.ts';
import type { DeliveryDeps } from './core/notifications/worker.ts';
import { nativeDialect } from './dialects/native/plugin.ts';
import { antomDialect } from './dialects/antom/plugin.ts';
import { ReplayGuard } from './dialects/native/auth.ts';
import { nicepayDialect } from './dialects/nicepay/plugin.ts';
import { adminApi } from './http/admin.ts';
import { checkoutPages } from './http/checkout.ts';
import { captureRawBodies } from './http/raw-body.ts';
import { requestIdFor } from './http/request-id.ts';

export interface AppDeps {
  core: CoreDeps;
  merchants: MerchantDeps;
  credentials: CredentialCache;
  delivery: DeliveryDeps;
  adminToken: string;
  /** Base URL buyers reach Kasir at: Antom's normalUrl points at the checkout page under it. */
  publicUrl: () => string;
  bodyLimit: number;
  logLevel: string;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logLevel === 'silent' ? false : { level: deps.logLevel },
    bodyLimit: deps.bodyLimit,
    genReqId: requestIdFor,
    // Paths such as /nicepay//direct/v2/cancel are collapsed by the NICEPAY dialect itself.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    return503OnClosing: true,
  });
  captureRawBodies(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.get('/health', async (_req, reply) => {
    try {
      await deps.core.db.query('SELECT 1');
      return reply.send({ status: 'ok' });
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  await app.register(adminApi, { prefix: '/admin/v1', merchants: deps.merchants, credentials: deps.credentials, adminToken: deps.adminToken });
  await app.register(nativeDialect, { prefix: '/api/v1', core: deps.core, merchants: deps.merchants, credentials: deps.credentials, replays: new ReplayGuard(deps.core.clock) });
  await app.register(antomDialect, { core: deps.core, credentials: deps.credentials, publicUrl: deps.publicUrl });
  await app.register(checkoutPages, { core: deps.core, merchants: deps.merchants });
  await app.register(nicepayDialect, { prefix: '/nicepay', core: deps.core, credentials: deps.credentials });
  return app;
}
