// One wrapper for every native route: authenticate (seed 002 HMAC), apply Idempotency-Key, run the
// operation, render the envelope. Handlers only translate between the wire and a core operation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext, CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import { abandonIdempotent, beginIdempotent, finishIdempotent, requestHash, type IdempotencyKey } from '../../core/idempotency.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { MerchantDeps } from '../../core/merchants/merchants.ts';
import { rawBody } from '../../http/raw-body.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { effectiveContract } from '../../core/contracts/defaults.ts';
import { authenticateNative, type ReplayGuard } from './auth.ts';
import { renderError, type Rendered } from './render.ts';

export interface NativeDeps {
  core: CoreDeps;
  merchants: MerchantDeps;
  credentials: CredentialCache;
  replays: ReplayGuard;
  /** Shared by every dialect: a merchant's limit counts all its requests. */
  limiter: RateLimiter;
}

export type NativeMethod = 'GET' | 'POST' | 'DELETE';

export interface NativeRequest {
  ctx: CallContext;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Buffer;
}

type Handler = (r: NativeRequest) => Promise<Rendered>;

/**
 * Outcomes are kept for replay; validation failures, conflicts and 5xx (an unknown outcome an
 * identical retry must finish) are not. A 202 is kept: its effect happened (a create whose confirm
 * timed out made a payment, and re-running it would make a second one); the retry learns the same.
 */
const storable = (status: number) => status < 500 && status !== 400 && status !== 409 && status !== 429;

export function nativeRoute(app: FastifyInstance, deps: NativeDeps, method: NativeMethod, url: string, handler: Handler): void {
  app.route({
    method,
    url,
    handler: async (req, reply) => {
      const body = rawBody(req.body);
      let idem: IdempotencyKey | null = null;
      let rendered: Rendered;
      try {
        const merchant = await authenticateNative(
          {
            apiKey: header(req, 'x-api-key'),
            timestamp: header(req, 'x-timestamp'),
            signature: header(req, 'x-signature'),
            method: req.method,
            path: req.url,
            rawBody: body,
          },
          { clock: deps.core.clock, credentials: deps.credentials, replays: deps.replays },
        );
        if (!deps.limiter.allow(merchant.id, effectiveContract('native', merchant.contract).rateLimitPerSecond)) {
          throw new KasirError('RATE_LIMITED', 'Too many requests: the merchant contract allows fewer per second');
        }
        const ctx: CallContext = { merchant: { id: merchant.id, contract: merchant.contract }, dialect: 'native', requestId: req.id };
        const key = method === 'POST' ? header(req, 'idempotency-key') : undefined;
        if (key !== undefined) {
          if (key.length === 0 || key.length > 255) throw new KasirError('INVALID_PARAMETER', 'Idempotency-Key must be 1 to 255 characters', { field: 'Idempotency-Key' });
          const k = { merchantId: merchant.id, scope: 'native', key };
          const begun = await beginIdempotent(deps.core.db, deps.core.clock, k, requestHash(req.method, req.url, body));
          if (begun.kind === 'mismatch') throw new KasirError('IDEMPOTENCY_MISMATCH', 'This Idempotency-Key was used with a different request');
          if (begun.kind === 'in_flight') throw new KasirError('REQUEST_IN_FLIGHT', 'A request with this Idempotency-Key is still in progress');
          if (begun.kind === 'replay') {
            return reply.code(begun.status).header('content-type', JSON_TYPE).header('idempotent-replayed', 'true').send(begun.body);
          }
          idem = k;
        }
        rendered = await handler({ ctx, params: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body });
      } catch (err) {
        rendered = renderError(err);
        if (rendered.status >= 500) req.log.error({ err }, 'native request failed');
      }
      const text = JSON.stringify(rendered.body);
      if (idem) {
        if (storable(rendered.status)) await finishIdempotent(deps.core.db, idem, rendered.status, text);
        else await abandonIdempotent(deps.core.db, idem);
      }
      return reply.code(rendered.status).header('content-type', JSON_TYPE).send(text);
    },
  });
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends a rendered envelope (native dialect, admin API, framework errors). */
export function sendEnvelope(reply: FastifyReply, r: Rendered) {
  return reply.code(r.status).header('content-type', JSON_TYPE).send(JSON.stringify(r.body));
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
