// Test harness: a Kasir app on a database of its own per test file (a schema of its own, dropped at
// the end: on PGlite in a database the test process keeps open and lends out, see pglite-lending.ts;
// with DATABASE_URL set, on PostgreSQL), a fixed clock, and signed-request helpers. Requests go
// through real HTTP on loopback.
import { createHmac, randomBytes } from 'node:crypto';
import { after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { adminQuery } from './pg-admin.ts';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/app.ts';
import { FixedClock } from '../../src/core/clock.ts';
import { createMerchant } from '../../src/core/merchants/merchants.ts';
import type { RsaKeyPair } from '../../src/core/merchants/rsa.ts';
import { createDeps, openDatabase } from '../../src/runtime.ts';
import { ledgerViolations } from '../../src/core/ledger/invariants.ts';
import { borrowPglite } from './pglite-lending.ts';
import { migratedTemplate } from './pglite-template.ts';
import { pooledRsaKeyPairs } from './rsa-key-pool.ts';

export interface Harness {
  app: FastifyInstance;
  deps: AppDeps;
  clock: FixedClock;
  baseUrl: string;
  adminToken: string;
  /** The PostgreSQL schema of this file (undefined on PGlite) and the key credentials are sealed with. */
  schema: string | undefined;
  encryptionKey: Buffer;
  /** With `captureLogs`: every line the app logged, parsed (pino JSON), in order. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Options of startKasir. */
export interface KasirOptions {
  clock?: FixedClock;
  leaseMs?: number;
  waitMs?: number;
  sandboxLatencyMs?: number;
  connectorTimeoutMs?: number;
  publicUrl?: () => string | undefined;
  /** Log at `info` into Harness.logs instead of not at all. */
  captureLogs?: boolean;
  /** KASIR_ACCESS_LOG. */
  accessLog?: boolean;
  /** KASIR_METRICS_TOKEN. */
  metricsToken?: string;
  /**
   * PGlite: a database of its own, opened and closed with this Kasir, instead of a schema in a lent
   * one. For tests of the database's own life (its worker closed or gone).
   */
  ownPglite?: boolean;
  /** Where new merchants' RSA key pairs come from (default: pairs other databases of this process had too, rsa-key-pool.ts). */
  rsaKeyPair?: () => Promise<RsaKeyPair>;
}

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);

/** Starts Kasir for one test file; the database and server are torn down by `after`. */
export async function startKasir(opts: KasirOptions = {}): Promise<Harness> {
  const clock = opts.clock ?? new FixedClock(Date.now());
  const url = process.env.DATABASE_URL;
  const schema = url ? `kasir_test_${randomBytes(6).toString('hex')}` : undefined;
  if (url) await adminQuery(url, `CREATE SCHEMA ${schema}`);
  const db = url || opts.ownPglite
    ? await openDatabase({ databaseUrl: url, dataDir: 'memory://', schema, pgliteTemplate: url ? undefined : await migratedTemplate() })
    : await borrowPglite();
  const adminToken = 'kat_test_' + randomBytes(16).toString('hex');
  const encryptionKey = randomBytes(32);
  let app: FastifyInstance | undefined;
  let address = '';
  const logs: Record<string, unknown>[] = [];
  const deps = createDeps({
    db,
    clock,
    encryptionKey,
    adminToken,
    // The port is known only once listening; checkout links are built later. A test may put a proxy in front.
    publicUrl: () => opts.publicUrl?.() ?? address,
    logLevel: opts.captureLogs ? 'info' : 'silent',
    logStream: opts.captureLogs ? { write: (line: string) => void logs.push(JSON.parse(line)) } : undefined,
    accessLog: opts.accessLog,
    metricsToken: opts.metricsToken,
    leaseMs: opts.leaseMs,
    waitMs: opts.waitMs,
    sandboxLatencyMs: opts.sandboxLatencyMs,
    connectorTimeoutMs: opts.connectorTimeoutMs,
    allowPrivateTargets: true, // test receivers listen on 127.0.0.1
    rsaKeyPair: opts.rsaKeyPair ?? pooledRsaKeyPairs(),
  });
  app = await buildApp(deps);
  address = await app.listen({ port: 0, host: '127.0.0.1' });
  const harness: Harness = {
    app,
    deps,
    clock,
    baseUrl: address,
    adminToken,
    schema,
    encryptionKey,
    logs,
    async close() {
      await app!.close();
      await db.close();
      if (url) await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
    },
  };
  // docs/architecture.md, ledger: the ledger's invariants must hold after every scenario of every test file.
  afterEach(async () => assert.deepEqual(await ledgerViolations(db), [], 'ledger invariants'));
  after(() => harness.close());
  return harness;
}


export interface NativeClient {
  merchantId: string;
  apiKey: string;
  apiSecret: string;
  /** Signed request with seed 002's scheme; `body` is sent exactly as given when a string. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers; text: string }>;
}

/** Status, headers, the text and (when it is JSON) the parsed body of an HTTP answer. */
export async function readResponse(res: Response): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null; // not JSON (an HTML page, an empty body): tests read `text`
  }
  return { status: res.status, body, headers: res.headers, text };
}

export function signNative(secret: string, timestamp: string, rawBody: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

export async function nativeMerchant(h: Harness, name = 'Test merchant'): Promise<NativeClient> {
  const { merchant, native } = await createMerchant(h.deps.merchants, name);
  return nativeClientFor(h, merchant.id, native.apiKey, native.apiSecret);
}

export function nativeClientFor(h: Harness, merchantId: string, apiKey: string, apiSecret: string): NativeClient {
  let nonce = 0;
  return {
    merchantId,
    apiKey,
    apiSecret,
    async request(method, path, body, headers = {}) {
      const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      // Distinct timestamps per request: the replay guard refuses a reused (key, ts, signature).
      const timestamp = String(h.clock.now().getTime() + (nonce++ % 1000));
      const res = await fetch(h.baseUrl + path, {
        method,
        headers: {
          'X-API-Key': apiKey,
          'X-Timestamp': timestamp,
          'X-Signature': signNative(apiSecret, timestamp, raw),
          ...(raw ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
        },
        body: method === 'GET' ? undefined : raw || undefined,
      });
      return readResponse(res);
    },
  };
}

export async function admin(h: Harness, method: string, path: string, body?: unknown) {
  const res = await fetch(h.baseUrl + '/admin/v1' + path, {
    method,
    headers: { authorization: `Bearer ${h.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}
