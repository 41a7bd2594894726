// One wrapper for every Antom request: find the client and its gateway key, authenticate, apply the
// merchant's rate limit, parse the body, run the operation, and send the answer signed. Antom
// answers everything with HTTP 200 and the outcome in `result` (its SDKs depend on it), and signs
// every response, errors included (specs/antom.md).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyObject } from 'node:crypto';
import { effectiveContract } from '../../core/contracts/defaults.ts';
import type { CallContext, CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import { abandonIdempotent, beginIdempotent, finishIdempotent, requestHash } from '../../core/idempotency.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { Merchant } from '../../core/merchants/merchants.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { rawBody } from '../../http/raw-body.ts';
import { parseJsonObject } from '../../http/validate.ts';
import { authenticateAntom, resolveClient, type AntomClient } from './auth.ts';
import { renderError, type AntomBody } from './render.ts';
import { canonical, stripNulls } from './schemas.ts';
import { antomTime, formatSignatureHeader, signedText, signRsa256 } from './signature.ts';

export interface AntomDeps {
  core: CoreDeps;
  credentials: CredentialCache;
  limiter: RateLimiter;
  /** Base URL buyers reach Kasir at (the hosted checkout page). */
  publicUrl: () => string;
}

export interface AntomRequest {
  ctx: CallContext;
  merchant: Merchant;
  /** The parsed JSON body with explicit nulls removed. */
  body: Record<string, unknown>;
}

export type AntomOp = (deps: AntomDeps, r: AntomRequest) => Promise<AntomBody>;

export const CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Some clients (PY) send an absolute request target: the signed path is its path part. */
export function requestPath(url: string): string {
  if (!/^https?:\/\//i.test(url)) return url;
  const afterScheme = url.indexOf('//') + 2;
  const slash = url.indexOf('/', afterScheme);
  return slash === -1 ? '/' : url.slice(slash);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Runs `work` and sends its body (or its error, rendered) signed for the calling client. */
export async function respond(deps: AntomDeps, req: FastifyRequest, reply: FastifyReply, work: (client: AntomClient) => Promise<AntomBody>) {
  const client = await resolveClient(deps.credentials, header(req, 'client-id'), deps.core.clock);
  let body: AntomBody;
  try {
    body = await work(client);
  } catch (err) {
    body = renderError(err);
    if (body.result.resultCode === 'SYSTEM_ERROR') req.log.error({ err }, 'antom request failed');
  }
  return sendSigned(reply, requestPath(req.url), client.clientId, client.signingKey, JSON.stringify(body), deps.core.clock.now());
}

/**
 * Lower-case header names (PY compares them in lower case); the signature is URL-encoded (JAVA skips
 * verification otherwise) and covers `POST <request path>\n<client-id>.<response-time>.<body>`.
 */
export function sendSigned(reply: FastifyReply, path: string, clientId: string, key: KeyObject, text: string, now: Date) {
  const responseTime = antomTime(now);
  const signature = signRsa256(key, signedText('POST', path, clientId, responseTime, text));
  return reply
    .code(200)
    .header('content-type', CONTENT_TYPE)
    .header('client-id', clientId)
    .header('response-time', responseTime)
    .header('signature', formatSignatureHeader(signature))
    .send(text);
}

/** The handler of `POST <prefix>/:op`: unknown operations are NO_INTERFACE_DEF, before any auth. */
export function operationHandler(deps: AntomDeps, ops: Record<string, AntomOp>) {
  return (req: FastifyRequest, reply: FastifyReply) =>
    respond(deps, req, reply, async (client) => {
      const name = (req.params as { op: string }).op;
      const op = Object.hasOwn(ops, name) ? ops[name] : undefined;
      if (!op) throw new KasirError('NO_SUCH_API', 'API is not defined');
      const raw = rawBody(req.body);
      const merchant = authenticateAntom(client, {
        method: req.method,
        path: requestPath(req.url),
        requestTime: header(req, 'request-time'),
        signature: header(req, 'signature'),
        rawBody: raw,
      });
      if (!deps.limiter.allow(merchant.id, effectiveContract('antom', merchant.contract).rateLimitPerSecond)) {
        throw new KasirError('RATE_LIMITED', 'The request traffic exceeds the limit');
      }
      const body = stripNulls(parseJsonObject(raw, true));
      const ctx: CallContext = { merchant: { id: merchant.id, contract: merchant.contract }, dialect: 'antom', requestId: req.id };
      return op(deps, { ctx, merchant, body });
    });
}

export interface IdempotentCall {
  scope: 'antom-pay' | 'antom-capture' | 'antom-refund';
  key: string;
  /** The request as received (nulls removed); compared in canonical form. */
  request: Record<string, unknown>;
  run: () => Promise<AntomBody>;
  /** Which answers are final and replayed; default: S and F (Antom: "reach a final status S or F"). */
  final?: (b: AntomBody) => boolean;
}

/**
 * Antom's request-id idempotency: the same id with the same request replays the stored answer, with
 * a different request is REPEAT_REQ_INCONSISTENT, while the first is running UNKNOWN_EXCEPTION (U).
 * Unknown outcomes and system errors are not kept, so a retry with the same id completes the work.
 */
export async function idempotent(deps: AntomDeps, ctx: CallContext, c: IdempotentCall): Promise<AntomBody> {
  const k = { merchantId: ctx.merchant.id, scope: c.scope, key: c.key };
  const begun = await beginIdempotent(deps.core.db, deps.core.clock, k, requestHash(c.scope, canonical(c.request)));
  if (begun.kind === 'mismatch') throw new KasirError('IDEMPOTENCY_MISMATCH', 'This request id was used with a different request');
  if (begun.kind === 'in_flight') throw new KasirError('REQUEST_IN_FLIGHT', 'A request with this id is still being processed');
  if (begun.kind === 'replay') return JSON.parse(begun.body) as AntomBody;
  let body: AntomBody;
  try {
    body = await c.run();
  } catch (err) {
    body = renderError(err);
    if (body.result.resultCode === 'SYSTEM_ERROR') {
      await abandonIdempotent(deps.core.db, k);
      throw err; // logged by respond()
    }
  }
  const final = c.final ?? ((b: AntomBody) => b.result.resultStatus !== 'U');
  // REPEAT_REQ_INCONSISTENT from run() (pay: the key had expired, the payment is another request's)
  // is about the id, not an outcome: kept, it would refuse the payment's own request later.
  if (final(body) && body.result.resultCode !== 'REPEAT_REQ_INCONSISTENT') await finishIdempotent(deps.core.db, k, 200, JSON.stringify(body));
  else await abandonIdempotent(deps.core.db, k);
  return body;
}
