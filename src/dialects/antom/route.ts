// One wrapper for every Antom request: find the client and its gateway key, authenticate, apply the
// merchant's rate limit, parse the body, run the operation, and send the answer signed. Antom
// answers everything with HTTP 200 and the outcome in `result` (its SDKs depend on it), and signs
// every response, errors included (docs/antom-api.md).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyObject } from 'node:crypto';
import type { CallContext, CoreDeps } from '../../core/deps.ts';
import { KasirError } from '../../core/errors.ts';
import { requestHash } from '../../core/idempotency.ts';
import { runPipeline, type Call, type DialectAnswers, type PipelineDeps } from '../../http/pipeline.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { Merchant } from '../../core/merchants/merchants.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { logInternalError } from '../../http/error-log.ts';
import { rawBody } from '../../http/raw-body.ts';
import { parseJsonObject, requireJsonContentType } from '../../http/validate.ts';
import { authenticateAntom, resolveClient, type AntomClient } from './auth.ts';
import { renderError, type AntomBody } from './render.ts';
import { canonical, stripNulls } from './schemas.ts';
import { antomTime, formatSignatureHeader, signedText, signRsa256Async } from './signature.ts';

export interface AntomDeps extends PipelineDeps {
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
  /** The pipeline's idempotency stage, for the request id the operation finds in the body. */
  keyed: Call<AntomBody>['keyed'];
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
    if (body.result.resultCode === 'SYSTEM_ERROR') logInternalError(req.log, deps.core.clock, err, 'antom request failed');
  }
  return sendSigned(reply, requestPath(req.url), client.clientId, client.signingKey, JSON.stringify(body), deps.core.clock.now());
}

/**
 * Lower-case header names (PY compares them in lower case); the signature is URL-encoded (JAVA skips
 * verification otherwise) and covers `POST <request path>\n<client-id>.<response-time>.<body>`.
 */
export async function sendSigned(reply: FastifyReply, path: string, clientId: string, key: KeyObject, text: string, now: Date) {
  const responseTime = antomTime(now);
  const signature = await signRsa256Async(key, signedText('POST', path, clientId, responseTime, text));
  return reply
    .code(200)
    .header('content-type', CONTENT_TYPE)
    .header('client-id', clientId)
    .header('response-time', responseTime)
    .header('signature', formatSignatureHeader(signature))
    .send(text);
}

/** The Antom dialect's part of the request pipeline: HTTP 200 always, the outcome in `result`. */
const ANTOM_ANSWERS: DialectAnswers<AntomBody> = {
  dialect: 'antom',
  renderError,
  isInternal: (b) => b.result.resultCode === 'SYSTEM_ERROR',
  // Antom: a request "reaches a final status S or F". REPEAT_REQ_INCONSISTENT is about the id, not
  // an outcome: kept, it would refuse the payment's own request later. SYSTEM_ERROR may be retried.
  isFinal: (b) => b.result.resultStatus !== 'U' && b.result.resultCode !== 'REPEAT_REQ_INCONSISTENT' && b.result.resultCode !== 'SYSTEM_ERROR',
  store: (b) => ({ status: 200, body: JSON.stringify(b) }),
  replay: (_status, body) => JSON.parse(body) as AntomBody,
};

/** The handler of `POST <prefix>/:op`: unknown operations are NO_INTERFACE_DEF, before any auth. */
export function operationHandler(deps: AntomDeps, ops: Record<string, AntomOp>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const client = await resolveClient(deps.credentials, header(req, 'client-id'), deps.core.clock);
    const name = (req.params as { op: string }).op;
    const op = Object.hasOwn(ops, name) ? ops[name] : undefined;
    const raw = rawBody(req.body);
    const { answer } = await runPipeline(ANTOM_ANSWERS, deps, req.id, {
      authenticate: async () => {
        if (!op) throw new KasirError('NO_SUCH_API', 'API is not defined');
        return authenticateAntom(client, { method: req.method, path: requestPath(req.url), requestTime: header(req, 'request-time'), signature: header(req, 'signature'), rawBody: raw });
      },
      operate: (call, merchant) => {
        requireJsonContentType(header(req, 'content-type'), raw);
        return op!(deps, { ctx: call.ctx, merchant, body: stripNulls(parseJsonObject(raw, true)), keyed: call.keyed });
      },
    }, (err) => logInternalError(req.log, deps.core.clock, err, 'antom request failed'));
    return sendSigned(reply, requestPath(req.url), client.clientId, client.signingKey, JSON.stringify(answer), deps.core.clock.now());
  };
}

export interface IdempotentCall {
  scope: 'antom-pay' | 'antom-capture' | 'antom-refund';
  key: string;
  /** The request as received (nulls removed); compared in canonical form. */
  request: Record<string, unknown>;
  run: (ctx: CallContext) => Promise<AntomBody>;
  /** Which answers are final and replayed; default: S and F (Antom: "reach a final status S or F"). */
  final?: (b: AntomBody) => boolean;
}

/**
 * Antom's request-id idempotency, through the pipeline's one idempotency stage: the same id with the
 * same request replays the stored answer, with a different request is REPEAT_REQ_INCONSISTENT,
 * while the first is running UNKNOWN_EXCEPTION (U). Unknown outcomes and system errors are not
 * kept, so a retry with the same id completes the work — resuming what the first attempt did.
 */
export function idempotent(r: AntomRequest, c: IdempotentCall): Promise<AntomBody> {
  const final = c.final;
  return r.keyed(
    { scope: c.scope, name: 'request id', key: c.key, hash: requestHash(c.scope, canonical(c.request)), ...(final ? { isFinal: (b) => ANTOM_ANSWERS.isFinal(b as AntomBody) && final(b as AntomBody) } : {}) },
    c.run,
  );
}
