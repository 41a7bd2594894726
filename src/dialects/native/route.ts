// Every native route runs the shared request pipeline (http/pipeline.ts) with the native parts:
// seed 002 HMAC authentication, the Idempotency-Key header, the envelope and HTTP statuses.
// Handlers only translate between the wire and a core operation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext, CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import { requestHash } from '../../core/idempotency.ts';
import { runPipeline, type DialectAnswers } from '../../http/pipeline.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { MerchantDeps } from '../../core/merchants/merchants.ts';
import { logInternalError } from '../../http/error-log.ts';
import { requireJsonContentType } from '../../http/validate.ts';
import { rawBody } from '../../http/raw-body.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
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

/** The native dialect's part of the request pipeline: its envelope, its statuses. */
const NATIVE_ANSWERS: DialectAnswers<Rendered & { replayed?: boolean }> = {
  dialect: 'native',
  renderError,
  isInternal: (r) => r.status >= 500 && r.status !== 503,
  isFinal: (r) => storable(r.status),
  store: (r) => ({ status: r.status, body: JSON.stringify(r.body) }),
  replay: (status, body) => ({ status, body: JSON.parse(body), replayed: true }),
};

export function nativeRoute(app: FastifyInstance, deps: NativeDeps, method: NativeMethod, url: string, handler: Handler): void {
  app.route({
    method,
    url,
    handler: async (req, reply) => {
      const body = rawBody(req.body);
      const { answer, retryAfterSeconds } = await runPipeline(NATIVE_ANSWERS, deps, req.id, {
        authenticate: () =>
          authenticateNative(
            {
              apiKey: header(req, 'x-api-key'),
              timestamp: header(req, 'x-timestamp'),
              signature: header(req, 'x-signature'),
              method: req.method,
              path: req.url,
              rawBody: body,
            },
            { clock: deps.core.clock, credentials: deps.credentials, replays: deps.replays },
          ),
        headerKey: () => {
          const key = method === 'POST' ? header(req, 'idempotency-key') : undefined;
          if (key === undefined) return undefined;
          if (key.length === 0 || key.length > 255) throw new KasirError('INVALID_PARAMETER', 'Idempotency-Key must be 1 to 255 characters', { field: 'Idempotency-Key' });
          return { scope: 'native', name: 'Idempotency-Key', key, hash: requestHash(req.method, req.url, body) };
        },
        operate: (call) => {
          requireJsonContentType(header(req, 'content-type'), body);
          return handler({ ctx: call.ctx, params: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body });
        },
      }, (err) => logInternalError(req.log, deps.core.clock, err, 'native request failed'));
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
      return sendEnvelope(reply, answer);
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
