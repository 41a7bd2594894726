// The native dialect (`/api/v1`): seed 002 + docs/native-api.md.
import type { FastifyInstance } from 'fastify';
import { KasirError } from '../../core/errors.ts';
import { renderError } from './render.ts';
import { nativeRoute, sendEnvelope, type NativeDeps, type NativeMethod, type NativeRequest } from './route.ts';
import { createEndpointHandler, deleteEndpointHandler, listEndpointsHandler } from './routes/webhook-endpoints.ts';
import type { Rendered } from './render.ts';
import { createHandler } from './routes/create.ts';
import { eventsHandler, listHandler, retrieveHandler } from './routes/read.ts';
import { cancelHandler, captureHandler, confirmHandler, refundHandler, sandboxPayHandler } from './routes/lifecycle.ts';
import { logInternalError } from '../../http/error-log.ts';
import { fastifyErrorToKasir } from '../../http/fastify-errors.ts';

type Op = (deps: NativeDeps, r: NativeRequest) => Promise<Rendered>;

/** Every native route, under the `/api/v1` prefix; exported for the OpenAPI document (http/openapi.ts). */
export const ROUTES: readonly [method: NativeMethod, url: string, op: Op][] = [
  ['POST', '/payments', createHandler],
  ['GET', '/payments', listHandler],
  ['GET', '/payments/:id', retrieveHandler],
  ['POST', '/payments/:id/confirm', confirmHandler],
  ['POST', '/payments/:id/capture', captureHandler],
  ['POST', '/payments/:id/cancel', cancelHandler],
  ['POST', '/payments/:id/refunds', refundHandler],
  ['GET', '/payments/:id/events', eventsHandler],
  ['POST', '/sandbox/payments/:id/pay', sandboxPayHandler],
  ['POST', '/webhook-endpoints', createEndpointHandler],
  ['GET', '/webhook-endpoints', listEndpointsHandler],
  ['DELETE', '/webhook-endpoints/:id', deleteEndpointHandler],
];

export async function nativeDialect(app: FastifyInstance, deps: NativeDeps): Promise<void> {
  for (const [method, url, op] of ROUTES) nativeRoute(app, deps, method, url, (r) => op(deps, r));
  app.setNotFoundHandler((_req, reply) => sendEnvelope(reply, renderError(new KasirError('NO_SUCH_API', 'No such API'))));
  app.setErrorHandler((err, req, reply) => {
    const rendered = renderError(fastifyErrorToKasir(err));
    if (rendered.status >= 500) logInternalError(req.log, deps.core.clock, err, 'native request failed');
    return sendEnvelope(reply, rendered);
  });
}
