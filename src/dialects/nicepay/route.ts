// One wrapper for every NICEPAY route: decode the raw body (JSON or form, any media-type case) into
// string fields, run the operation, and answer HTTP 200 — JSON with resultCd, or HTML for the
// browser-facing pages. Failures become the operation's resultCd here, so handlers just throw.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logInternalError } from '../../http/error-log.ts';
import { rawBody } from '../../http/raw-body.ts';
import type { NicepayDeps } from './auth.ts';
import type { Fields } from './fields.ts';
import { HTML_TYPE } from './html.ts';
import { nicepayError, type Operation } from './render.ts';
import { parseNicepayBody } from './transport.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

export interface NicepayRequest {
  fields: Fields;
  requestId: string;
}

/** A JSON object (or a stored JSON text, replayed byte for byte), or an HTML page. */
export type NicepayReply = { json: Record<string, unknown> | string } | { html: string };

export type Handler = (deps: NicepayDeps, r: NicepayRequest) => Promise<NicepayReply>;

/** GET carries the fields in the query string (first occurrence wins, like the form parser). */
function fieldsOf(req: FastifyRequest): Fields {
  if (req.method === 'GET') {
    const q = req.url.indexOf('?');
    return parseNicepayBody('application/x-www-form-urlencoded', Buffer.from(q === -1 ? '' : req.url.slice(q + 1)));
  }
  const ct = req.headers['content-type'];
  return parseNicepayBody(Array.isArray(ct) ? ct[0] : ct, rawBody(req.body));
}

export function sendReply(reply: FastifyReply, r: NicepayReply) {
  reply.code(200).header('cache-control', 'no-store');
  if ('html' in r) return reply.header('content-type', HTML_TYPE).header('x-frame-options', 'DENY').send(r.html);
  return reply.header('content-type', JSON_TYPE).send(typeof r.json === 'string' ? r.json : JSON.stringify(r.json));
}

export function nicepayRoute(app: FastifyInstance, deps: NicepayDeps, methods: ('GET' | 'POST')[], url: string, op: Operation, handler: Handler): void {
  app.route({
    method: methods,
    url,
    handler: async (req, reply) => {
      let out: NicepayReply;
      try {
        out = await handler(deps, { fields: fieldsOf(req), requestId: req.id });
      } catch (err) {
        const result = nicepayError(err, op);
        if (result.resultCd === '1003') logInternalError(req.log, deps.core.clock, err, 'nicepay request failed');
        out = { json: { ...result } };
      }
      return sendReply(reply, out);
    },
  });
}
