// The NICEPAY Indonesia "direct v2" dialect, mounted at /nicepay (docs/nicepay-api.md, seed 003).
// Every answer is HTTP 200 — JSON with resultCd, or HTML for the browser pages — including bodies
// that are malformed or too large: NICEPAY clients treat any other status as a transport failure.
// Duplicate slashes (`/nicepay//direct/v2/cancel`) reach the routes through the app's router option
// ignoreDuplicateSlashes (src/app.ts); test/nicepay-registration.test.ts keeps that true.
import type { FastifyInstance } from 'fastify';
import { KasirError } from '../../core/errors.ts';
import { logInternalError } from '../../http/error-log.ts';
import { fastifyErrorToKasir } from '../../http/fastify-errors.ts';
import type { NicepayDeps } from './auth.ts';
import { NICEPAY_ERRORS } from './error-map.ts';
import { nicepayError } from './render.ts';
import { JSON_TYPE, nicepayRoute, sendReply } from './route.ts';
import { cancelHandler } from './routes/cancel.ts';
import { inquiryHandler } from './routes/inquiry.ts';
import { paymentHandler } from './routes/payment.ts';
import { registrationHandler } from './routes/registration.ts';
import { sandboxPayHandler } from './routes/sandbox.ts';
import { TxidSequence } from './txid-sequence.ts';

export async function nicepayDialect(app: FastifyInstance, opts: Omit<NicepayDeps, 'txids'>): Promise<void> {
  const deps: NicepayDeps = { core: opts.core, credentials: opts.credentials, limiter: opts.limiter, txids: new TxidSequence(opts.core) };
  // A Content-Type that is not a media type at all ("", "json") would make Fastify refuse the body
  // before any route runs; NICEPAY clients get the body sniffed instead (transport.ts).
  app.addHook('onRequest', async (req) => {
    const ct = req.headers['content-type'];
    if (typeof ct === 'string' && !/^\s*[\w.+-]+\/[\w.+-]+/.test(ct)) req.headers['content-type'] = 'application/octet-stream';
  });
  nicepayRoute(app, deps, ['POST'], '/direct/v2/registration', 'registration', registrationHandler);
  nicepayRoute(app, deps, ['GET', 'POST'], '/direct/v2/payment', 'payment', paymentHandler);
  nicepayRoute(app, deps, ['POST'], '/direct/v2/inquiry', 'inquiry', inquiryHandler);
  nicepayRoute(app, deps, ['POST'], '/direct/v2/cancel', 'cancel', cancelHandler);
  nicepayRoute(app, deps, ['POST'], '/sandbox/pay', 'sandbox', sandboxPayHandler);
  // docs/architecture.md, errors: no such API is the one non-200 answer (a 404 with a JSON body).
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).header('content-type', JSON_TYPE).send(JSON.stringify({ resultCd: NICEPAY_ERRORS.NO_SUCH_API, resultMsg: `No such API: ${req.method} ${req.url.split('?')[0]}` })),
  );
  // Errors raised before a handler runs (body too large, unreadable body): still 200 with resultCd.
  app.setErrorHandler((err, req, reply) => {
    const kasir = fastifyErrorToKasir(err);
    const result = nicepayError(kasir instanceof KasirError ? kasir : err, 'registration');
    if (result.resultCd === NICEPAY_ERRORS.INTERNAL) logInternalError(req.log, deps.core.clock, err, 'nicepay request failed');
    return sendReply(reply, { json: { ...result } });
  });
}
