// GET /metrics: the app's Prometheus registry in the text exposition format. Public unless
// KASIR_METRICS_TOKEN is set; then `Authorization: Bearer <token>` is required (401 otherwise). The
// exposition names no merchant, account or payment, but backlog sizes and rates are still business
// data a deployment may not want on an open port.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';

// Hashing both sides gives equal lengths, so the comparison is constant-time whatever was sent.
const digest = (s: string) => createHash('sha256').update(s).digest();

export async function metricsRoute(app: FastifyInstance, o: { metrics: Metrics; token?: string }): Promise<void> {
  const expected = o.token ? digest(o.token) : null;
  app.get('/metrics', async (req, reply) => {
    if (expected) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!timingSafeEqual(digest(given), expected)) {
        req.log.warn({ dialect: 'other', route: '/metrics' }, 'authentication failed');
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
      }
    }
    const text = await o.metrics.registry.metrics();
    return reply.header('content-type', o.metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
}
