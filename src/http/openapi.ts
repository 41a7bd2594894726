// The native API's OpenAPI document (GET /api/v1/openapi.json) and a docs page rendering it
// (GET /docs). Both are public: they describe the API, they hold nothing of any merchant. Registered
// at the root (app.ts), outside the native plugin, so no signature is asked for. The document is
// built once, on first request: a generation error then fails these two routes, never the API.
import type { FastifyInstance } from 'fastify';
import { buildNativeOpenApi } from '../dialects/native/openapi-doc.ts';
import { DOCS_CSP, renderDocsPage } from './docs-page.ts';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/docs';

export default async function openApiRoutes(app: FastifyInstance): Promise<void> {
  let json: string | undefined;
  let html: string | undefined;
  const document = () => (json ??= JSON.stringify(buildNativeOpenApi()));
  app.get(OPENAPI_PATH, async (_req, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(document()),
  );
  app.get(DOCS_PATH, async (_req, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', DOCS_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send((html ??= renderDocsPage(JSON.parse(document())))),
  );
}
