// The Antom dialect (docs/antom-api.md, seeds 000 and 001) under each prefix Antom clients use: the
// SDKs' `/ams/api`, the sandbox rewrite `/ams/sandbox/api` (client ids starting with SANDBOX_) and
// the docs' short `/v1`. Each prefix is its own scope so its 404s and Fastify's own errors (bad
// content, oversized bodies) are answered the Antom way: HTTP 200, a Result, signed.
import type { FastifyInstance } from 'fastify';
import type { CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import { fastifyErrorToKasir } from '../../http/fastify-errors.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { operationHandler, respond, type AntomDeps, type AntomOp } from './route.ts';
import { cancel } from './routes/cancel.ts';
import { capture } from './routes/capture.ts';
import { inquiryPayment } from './routes/inquiry-payment.ts';
import { inquiryRefund } from './routes/inquiry-refund.ts';
import { pay } from './routes/pay.ts';
import { refund } from './routes/refund.ts';

export const ANTOM_PREFIXES = ['/ams/api/v1/payments', '/ams/sandbox/api/v1/payments', '/v1/payments'] as const;

const OPS: Record<string, AntomOp> = { pay, cancel, inquiryPayment, capture, refund, inquiryRefund };

export interface AntomOptions {
  core: CoreDeps;
  credentials: CredentialCache;
  publicUrl: () => string;
  /** Shared by every dialect: a merchant's limit counts all its requests. */
  limiter: RateLimiter;
}

export async function antomDialect(app: FastifyInstance, opts: AntomOptions): Promise<void> {
  const deps: AntomDeps = { core: opts.core, credentials: opts.credentials, publicUrl: opts.publicUrl, limiter: opts.limiter };
  const handler = operationHandler(deps, OPS);
  for (const prefix of ANTOM_PREFIXES) {
    await app.register(
      async (scope) => {
        scope.post('/:op', handler);
        scope.setNotFoundHandler((req, reply) =>
          respond(deps, req, reply, async () => {
            throw new KasirError('NO_SUCH_API', 'API is not defined');
          }),
        );
        scope.setErrorHandler((err, req, reply) =>
          respond(deps, req, reply, async () => {
            throw fastifyErrorToKasir(err);
          }),
        );
      },
      { prefix },
    );
  }
}
