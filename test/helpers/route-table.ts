// The application's own route table, as Fastify builds it. Every route any plugin registers passes
// through Fastify's `onRoute` hook, but only hooks added before the route: buildApp (src/app.ts)
// creates its Fastify instance and registers every plugin before it returns, so a hook added
// afterwards sees nothing. Fastify publishes each new instance on the documented diagnostics channel
// `fastify.initialization` before any plugin runs (the way APM agents instrument it): subscribing
// there adds the hook first, without touching buildApp. printRoutes() lists the same routes, but as
// a tree drawn for humans; parsing that drawing would break on any change of its layout.
import diagnostics from 'node:diagnostics_channel';
import assert from 'node:assert/strict';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { startKasir, type Harness } from './harness.ts';

export interface RouteEntry {
  method: string;
  /** The full URL pattern, prefix included (`/api/v1/payments/:id`). */
  url: string;
  /** The prefix of the plugin that registered it ('' at the root). */
  prefix: string;
}

export const routeKey = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

/** startKasir, recording every route (one entry per method, HEAD routes Fastify adds included). */
export async function startKasirWithRoutes(opts?: Parameters<typeof startKasir>[0]): Promise<{ h: Harness; routes: RouteEntry[] }> {
  const routes: RouteEntry[] = [];
  const onInstance = (message: unknown) => {
    const app = (message as { fastify: FastifyInstance }).fastify;
    app.addHook('onRoute', (r: RouteOptions & { prefix?: string }) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url, prefix: r.prefix ?? '' });
    });
  };
  diagnostics.subscribe('fastify.initialization', onInstance);
  let h: Harness;
  try {
    h = await startKasir(opts);
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInstance);
  }
  // If Fastify ever stopped publishing the channel, the table would be empty, not wrong: say so.
  assert.ok(routes.length > 0, 'no route seen: is the fastify.initialization diagnostics channel still published?');
  for (const r of routes) assert.ok(h.app.hasRoute({ method: r.method as 'GET', url: r.url }), `recorded ${routeKey(r)} is not routable`);
  return { h, routes };
}
