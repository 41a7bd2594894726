// Per-request observation, as root hooks of the app: HTTP metrics, the opt-in access log
// (KASIR_ACCESS_LOG) and a warn line for each authentication failure. What is logged is chosen, never
// dumped: the route pattern (not the URL, whose query may carry a NICEPAY merchantToken and whose path
// carries checkout tokens), no bodies, no headers but the caller's key id.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseNicepayBody } from '../dialects/nicepay/transport.ts';
import type { ObservabilityDeps } from '../observability/deps.ts';
import { runInRequestScope } from '../observability/request-scope.ts';
import { dialectOf, operationOf, type DialectLabel } from '../observability/routes.ts';
import { rawBody } from './raw-body.ts';

const labelsOf = new WeakMap<FastifyRequest, { dialect: DialectLabel; operation: string }>();

function labels(req: FastifyRequest) {
  let l = labelsOf.get(req);
  if (!l) {
    const pattern = req.routeOptions.url;
    const dialect = dialectOf(pattern ?? req.url);
    l = { dialect, operation: operationOf(req.method, pattern, dialect, req.params) };
    labelsOf.set(req, l);
  }
  return l;
}

const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The key id the caller presented, as each dialect names it: an identifier, never a secret. */
function keyIdOf(req: FastifyRequest, dialect: string): string | undefined {
  let id: string | undefined;
  if (dialect === 'native') id = header(req, 'x-api-key');
  else if (dialect === 'antom') id = header(req, 'client-id');
  else if (dialect === 'nicepay') id = nicepayField(req, 'iMid');
  // Bounded: the value is the caller's, and a log line is no place for a 64 KiB header.
  return id === undefined ? undefined : id.slice(0, 80);
}

function nicepayField(req: FastifyRequest, name: string): string | undefined {
  try {
    const q = req.url.indexOf('?');
    const fields =
      req.method === 'GET'
        ? parseNicepayBody('application/x-www-form-urlencoded', Buffer.from(q === -1 ? '' : req.url.slice(q + 1)))
        : parseNicepayBody(header(req, 'content-type'), rawBody(req.body));
    return fields[name];
  } catch {
    return undefined; // a body NICEPAY's parser refuses names no key
  }
}

function logAuthFailure(req: FastifyRequest, dialect: string, code: string): void {
  req.log.warn({ dialect, keyId: keyIdOf(req, dialect), code, route: req.routeOptions.url }, 'authentication failed');
}

// NICEPAY authenticates inside its handlers, after reading the body (merchantToken formulas differ per
// operation), not in the pipeline's authentication stage: its refusals are recognised by the answer,
// resultCd 9010 (Invalid Merchant Token) or 9011 (Invalid MID). Its HTML pages are not looked at.
const NICEPAY_AUTH_REFUSED = /"resultCd":"(9010|9011)"/;

export function observeRequests(app: FastifyInstance, o: ObservabilityDeps): void {
  // Callback style on purpose: the handler runs inside `done`, so inside the scope.
  app.addHook('preHandler', (req, _reply, done) => {
    runInRequestScope({ authFailed: (dialect, code) => logAuthFailure(req, dialect, code) }, done);
  });
  app.addHook('onSend', async (req: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    if (typeof payload === 'string' && labels(req).dialect === 'nicepay') {
      const refused = NICEPAY_AUTH_REFUSED.exec(payload);
      if (refused) logAuthFailure(req, 'nicepay', refused[1] === '9010' ? 'BAD_SIGNATURE' : 'KEY_NOT_FOUND');
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const { dialect, operation } = labels(req);
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const l = { dialect, operation, status: String(status) };
    o.metrics.httpRequests.inc(l);
    o.metrics.httpDuration.observe(l, ms / 1000);
    // The admin API refuses a wrong bearer token with 401 and nothing else (src/http/admin.ts).
    if (dialect === 'admin' && status === 401) logAuthFailure(req, 'admin', 'UNAUTHENTICATED');
    if (o.accessLog) {
      req.log.info({ method: req.method, route: req.routeOptions.url ?? null, status, durationMs: Math.round(ms * 100) / 100, dialect, operation }, 'request');
    }
  });
}
