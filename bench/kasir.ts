// Kasir in-process for the benchmark: the real app (src/app.ts) on loopback with logging off, one
// merchant (with its native, Antom and NICEPAY credentials), payments made through the core, and
// the no-op ceiling routes (native here, Antom and NICEPAY in dialect-noops.ts). The probe that
// records the SQL one cancel issues is capture.ts.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../src/app.ts';
import { systemClock } from '../src/core/clock.ts';
import type { CallContext } from '../src/core/deps.ts';
import { createMerchant } from '../src/core/merchants/merchants.ts';
import { confirmPayment } from '../src/core/payments/confirm.ts';
import { createPayment } from '../src/core/payments/create.ts';
import type { Db } from '../src/db/db.ts';
import type { AntomCredentials } from '../src/dialects/antom/credentials.ts';
import type { NicepayCredentials } from '../src/dialects/nicepay/credentials.ts';
import { authenticateNative, ReplayGuard } from '../src/dialects/native/auth.ts';
import { renderError } from '../src/dialects/native/render.ts';
import { JSON_TYPE } from '../src/dialects/native/route.ts';
import { rawBody } from '../src/http/raw-body.ts';
import { RateLimiter } from '../src/http/rate-limit.ts';
import { createDeps } from '../src/runtime.ts';
import { addDialectNoops } from './dialect-noops.ts';
import { inProcessLoad } from './load.ts';

export const NOOP_PATH = '/bench/noop';
/** The no-op route behind the shared rate limiter too, with a limit no run reaches. */
export const NOOP_LIMITED_PATH = '/bench/noop/limited';
export const CANCEL_BODY = '{}';

export interface Kasir {
  app: FastifyInstance;
  deps: AppDeps;
  db: Db;
  origin: string;
  merchantId: string;
  ctx: CallContext;
  apiKey: string;
  apiSecret: string;
  antom: AntomCredentials;
  nicepay: NicepayCredentials;
  /** Hands out X-Timestamp ranges that never overlap, so no request is refused as a replay. */
  stamps(count: number): number;
  close(): Promise<void>;
}

export type Scenario = 'requires_confirmation' | 'requires_capture';

export async function startKasir(db: Db): Promise<Kasir> {
  const deps = createDeps({
    db,
    clock: systemClock, // the load generator signs with the real time
    encryptionKey: randomBytes(32),
    adminToken: 'kat_bench_' + randomBytes(16).toString('hex'),
    publicUrl: 'http://127.0.0.1:0',
    logLevel: 'silent',
  });
  const app = await buildApp(deps);
  let merchantId = '';
  addNoopRoute(app, deps, () => merchantId);
  addDialectNoops(app, deps);
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  const { merchant, native, antom, nicepay } = await createMerchant(deps.merchants, 'Bench merchant');
  merchantId = merchant.id;
  let next = 0;
  return {
    app,
    deps,
    db,
    origin,
    merchantId: merchant.id,
    ctx: { merchant: { id: merchant.id, mode: merchant.mode, contract: merchant.contract }, dialect: 'native', requestId: 'bench-setup' },
    apiKey: native.apiKey,
    apiSecret: native.apiSecret,
    antom,
    nicepay,
    stamps(count) {
      const start = Math.max(next, Date.now());
      next = start + count;
      return start;
    },
    async close() {
      await app.close();
    },
  };
}

/**
 * Ceiling 2: everything a native request costs except the operation. Same server, same plugins and
 * hooks, the real authenticateNative with the app's credential cache and a replay guard in the
 * database (and, on NOOP_LIMITED_PATH, the shared rate limiter); the envelope rendered the way
 * src/dialects/native/route.ts renders it. Registered here only: it never exists in src/.
 */
function addNoopRoute(app: FastifyInstance, deps: AppDeps, merchantId: () => string): void {
  const replays = new ReplayGuard(deps.core);
  const limiter = new RateLimiter(deps.core);
  const route = (path: string, limited: boolean) =>
    app.post(path, async (req, reply) => {
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      let rendered: { status: number; body: unknown };
      try {
        await authenticateNative(
          {
            apiKey: header('x-api-key'),
            timestamp: header('x-timestamp'),
            signature: header('x-signature'),
            method: req.method,
            path: req.url,
            rawBody: rawBody(req.body),
          },
          { clock: deps.core.clock, credentials: deps.credentials, replays },
        );
        if (limited && (await limiter.allow(merchantId(), 1_000_000_000))) throw new Error('rate limited');
        rendered = { status: 200, body: { success: true, data: null } };
      } catch (err) {
        rendered = renderError(err);
      }
      return reply.code(rendered.status).header('content-type', JSON_TYPE).send(JSON.stringify(rendered.body));
    });
  route(NOOP_PATH, false);
  route(NOOP_LIMITED_PATH, true);
}

/**
 * Runs `fn` with the replay guard of every native route (the app's and the no-op's) answering from
 * a Set in this process instead of the database: what the guard cost before it was shared, to
 * measure the shared guard against in the same run. Bench only: the app has no such switch.
 */
export async function withMemoryReplayGuard<T>(fn: () => Promise<T>): Promise<T> {
  const shared = ReplayGuard.prototype.firstUse;
  const seen = new Set<string>();
  ReplayGuard.prototype.firstUse = async (key: string) => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  try {
    return await fn();
  } finally {
    ReplayGuard.prototype.firstUse = shared;
  }
}

/**
 * Creates `count` distinct native payments through the core, in the state the scenario cancels:
 * requires_confirmation (a method given, never submitted: the cancel is one guarded write) or
 * requires_capture (manual-capture card confirmed with the sandbox's succeeding card: the cancel
 * claims, voids at the processor, records).
 */
export function makePayments(k: Pick<Kasir, 'deps' | 'ctx'>, scenario: Scenario, count: number): Promise<string[]> {
  return createMany(count, async () => {
    const p = await createPayment(k.deps.core, k.ctx, {
      profile: 'native',
      amount: 10_000n,
      currency: 'USD',
      paymentMethod: 'card',
      captureMethod: scenario === 'requires_capture' ? 'manual' : 'automatic',
      description: 'bench',
    });
    if (scenario === 'requires_capture') {
      const r = await confirmPayment(k.deps.core, k.ctx, { ref: { id: p.id }, card: { number: '4242424242424242' } });
      if (r.payment.status !== 'requires_capture') throw new Error(`confirm gave ${r.payment.status}`);
    }
    return p.id;
  });
}

/** `count` results of `make(i)`, 8 at a time (payments made through the core, for every row). */
export async function createMany<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const made = new Array<T>(count);
  const m = await inProcessLoad(count, 8, Date.now() + 600_000, async (i) => {
    made[i] = await make(i);
    return true;
  });
  if (m.failed) throw new Error(`creating payments failed: ${m.failures?.join('; ')}`);
  return made;
}
