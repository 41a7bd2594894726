// Another Kasir process on the harness's database, for what must hold across processes (the
// native replay guard, the rate limit): an app of its own — its own credential cache, replay
// guard and limiter objects — sharing only the database. On PostgreSQL it has a pool of its own on
// the same schema; PGlite is one connection per database, so there both apps share the Db object.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { createDeps, openDatabase } from '../../src/runtime.ts';
import type { Harness } from './harness.ts';

export interface Node {
  app: FastifyInstance;
  /** The harness as seen through this node: clients built from it send their requests here. */
  harness: Harness;
  close(): Promise<void>;
}

export async function startNode(h: Harness): Promise<Node> {
  const url = process.env.DATABASE_URL;
  const db = url ? await openDatabase({ databaseUrl: url, dataDir: 'memory://', schema: h.schema }) : h.deps.core.db;
  let address = '';
  const deps = createDeps({
    db,
    clock: h.clock,
    encryptionKey: h.encryptionKey,
    adminToken: h.adminToken,
    publicUrl: () => address,
    logLevel: 'silent',
    allowPrivateTargets: true,
    rsaKeyPair: h.deps.merchants.rsaKeyPair, // the same database's source: no two merchants on it share a pair
  });
  const app = await buildApp(deps);
  address = await app.listen({ port: 0, host: '127.0.0.1' });
  const close = async () => {
    await app.close();
    if (db !== h.deps.core.db) await db.close();
  };
  return { app, harness: { ...h, app, deps, baseUrl: address, close }, close };
}
