// The three dialects' clients against a Kasir in another process. Signing is the test helpers' own
// (nativeClientFor, antomClientFor, registrationRequest/cancelRequest): they read only `baseUrl`
// and `clock` from a Harness, so a stand-in with those two is enough and no harness is started.
// Every call signs afresh (new timestamp), as an SDK does on a retry.
import { systemClock } from '../../src/core/clock.ts';
import { nativeClientFor, type Harness, type NativeClient } from '../helpers/harness.ts';
import { antomClientFor, type AntomClient } from '../helpers/antom.ts';
import type { NicepayMerchant } from '../helpers/nicepay.ts';

export type Dialect = 'native' | 'antom' | 'nicepay';

/** What came back, or that nothing did (connection refused or reset, timeout: the process died). */
export type Answer =
  | { answered: true; http: number; body: any; text: string; retryAfter: string | null; verified?: boolean }
  | { answered: false; error: string };

/** The parts of an answer that a crash-free run reproduces exactly (no ids, no timestamps). */
export type Digest = Record<string, string | number | boolean | null>;

export interface ChaosMerchant {
  id: string;
  name: string;
  native: NativeClient;
  antom: AntomClient;
  nicepay: NicepayMerchant;
}

/** The stand-in Harness the helpers sign with: real time, Kasir's address. */
export function remote(baseUrl: string): Harness {
  return { baseUrl, clock: systemClock } as unknown as Harness;
}

/**
 * Bounds every request the helpers send (they pass no signal): a request hanging on a dying
 * process counts as unanswered and is retried, like an SDK's read timeout.
 */
export function installRequestTimeout(ms: number): void {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => original(input, { signal: AbortSignal.timeout(ms), ...init });
}

/** Merchants with credentials for every dialect, through the admin API as an operator makes them. */
export async function createMerchants(baseUrl: string, adminToken: string, count: number): Promise<ChaosMerchant[]> {
  const h = remote(baseUrl);
  const out: ChaosMerchant[] = [];
  for (let i = 0; i < count; i++) {
    const name = `Chaos merchant ${i + 1}`;
    const res = await fetch(`${baseUrl}/admin/v1/merchants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const body = (await res.json()) as any;
    if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(body)}`);
    const m = body.data;
    const native = nativeClientFor(h, m.id, m.native.apiKey, m.native.apiSecret);
    // antomClientFor reads merchant.id, antom and native only: the admin API's answer has them.
    const antom = antomClientFor(h, { merchant: { id: m.id }, antom: m.antom, native: m.native } as unknown as Parameters<typeof antomClientFor>[1]);
    out.push({ id: m.id, name, native, antom, nicepay: { merchantId: m.id, iMid: m.nicepay.iMid, merchantKey: m.nicepay.merchantKey, native } });
  }
  return out;
}

/** Runs one signed call; a thrown fetch (nothing answered) becomes `answered: false`. */
export async function attempt(call: () => Promise<{ status: number; body: any; text: string; headers: Headers; verified?: boolean }>): Promise<Answer> {
  try {
    const r = await call();
    return { answered: true, http: r.status, body: r.body, text: r.text, retryAfter: r.headers.get('retry-after'), verified: r.verified };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { answered: false, error: e.cause?.code ?? e.cause?.message ?? e.name ?? String(err) };
  }
}

/**
 * Answers that say "not finished yet, ask again" (native 409/503/429, Antom U with
 * UNKNOWN_EXCEPTION or a traffic limit, NICEPAY 9002/1004). Antom's PAYMENT_IN_PROCESS is U too,
 * but it is a final answer: the payment waits for its buyer.
 */
export function retryable(dialect: Dialect, a: Answer): boolean {
  if (!a.answered) return true;
  switch (dialect) {
    case 'native':
      return a.http === 409 || a.http === 503 || a.http === 429;
    case 'antom':
      return a.body?.result?.resultStatus === 'U' && ['UNKNOWN_EXCEPTION', 'REQUEST_TRAFFIC_EXCEED_LIMIT'].includes(a.body.result.resultCode);
    case 'nicepay':
      return a.body?.resultCd === '9002' || a.body?.resultCd === '1004';
  }
}

/** How long to wait before asking again: the server's Retry-After when it gives one (capped). */
export function retryDelayMs(a: Answer): number {
  const seconds = a.answered && a.retryAfter ? Number(a.retryAfter) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, 5_000) : 250;
}

export function digest(dialect: Dialect, a: Answer): Digest {
  if (!a.answered) return { answered: false };
  const b = a.body ?? {};
  switch (dialect) {
    case 'native': {
      if (!b.success) return { http: a.http, code: b.error?.code ?? null };
      const d = b.data ?? {};
      const p = d.payment ?? d; // a refund answer carries its payment
      return {
        http: a.http,
        status: p.status ?? null,
        amount: p.amount ?? null,
        amountReceived: p.amountReceived ?? null,
        amountRefunded: p.amountRefunded ?? null,
        amountCapturable: p.amountCapturable ?? null,
        ...(d.payment ? { refundAmount: d.amount ?? null, refundStatus: d.status ?? null } : {}),
      };
    }
    case 'antom': {
      const r = b.result ?? {};
      const value = (b.paymentAmount ?? b.captureAmount ?? b.refundAmount)?.value ?? null;
      return { signed: a.verified === true, resultCode: r.resultCode ?? null, resultStatus: r.resultStatus ?? null, value, normalUrl: typeof b.normalUrl === 'string' };
    }
    case 'nicepay':
      return { resultCd: b.resultCd ?? null, amt: b.amt ?? null, vacctNo: typeof b.vacctNo === 'string' && b.vacctNo.length > 0 };
  }
}

/** The ids an answer reports, so the suite can check each one is stored. */
export function reportedIds(dialect: Dialect, a: Answer): { kind: 'payment' | 'refund' | 'antomPayment' | 'antomRefund' | 'txid'; id: string }[] {
  if (!a.answered || !a.body) return [];
  const b = a.body;
  const out: ReturnType<typeof reportedIds> = [];
  const add = (kind: (typeof out)[number]['kind'], id: unknown) => typeof id === 'string' && id && out.push({ kind, id });
  if (dialect === 'native' && b.success) {
    if (b.data?.payment) {
      add('refund', b.data.id);
      add('payment', b.data.payment.id);
    } else add('payment', b.data?.id);
  }
  if (dialect === 'antom') {
    add('antomPayment', b.paymentId);
    add('antomRefund', b.refundId);
  }
  if (dialect === 'nicepay') add('txid', b.tXid);
  return out;
}

/** `expected` lists only what a scenario pins down; every listed key must match. */
export function matches(expected: Digest, actual: Digest): boolean {
  return Object.entries(expected).every(([k, v]) => actual[k] === v);
}
