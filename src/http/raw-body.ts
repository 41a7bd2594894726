import type { FastifyInstance } from 'fastify';

/**
 * Every body arrives as the exact bytes received: signatures (native HMAC, Antom RSA) cover the raw
 * bytes, and each dialect parses and reports malformed input in its own format.
 */
export function captureRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
