// Authentication attacks on the routes answering in the native envelope: the native API (seed 002
// HMAC) and the admin API (bearer token). Each attack is a complete request that would do its work
// if authentication let it through; each must get the envelope's 401 UNAUTHORIZED.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { signNative, type Harness } from './harness.ts';
import { bodyText, send, type Reply, type Sent } from './wire.ts';

export interface Attack {
  name: string;
  request: Sent;
  /** Asserts the refusal is the dialect's own answer to this attack. */
  check(r: Reply): void;
}

export interface NativeKeys {
  apiKey: string;
  apiSecret: string;
}

/** 401 in the envelope (a HEAD answer has the status only: HEAD carries no body). */
export function expectUnauthorized(r: Reply, method: string, message?: RegExp): void {
  assert.equal(r.status, 401, r.text);
  if (method === 'HEAD') return;
  assert.equal(r.body?.success, false, r.text);
  assert.equal(r.body.error.code, 'UNAUTHORIZED', r.text);
  assert.equal(typeof r.body.error.message, 'string', r.text);
  if (message) assert.match(r.body.error.message, message, r.text);
}

let bump = 0;
/** A fresh X-Timestamp (ms) `skewMs` from the server clock: distinct per call, so no accidental replay. */
export const timestamp = (h: Harness, skewMs = 0) => String(h.clock.now().getTime() + skewMs + (bump++ % 1000));

export const signV2 = (secret: string, ts: string, method: string, path: string, raw: string) =>
  'v2=' + createHmac('sha256', secret).update(`${ts}.${method}.${path}.${raw}`).digest('hex');

/** A request signed like a client would: seed 002's sha256 scheme over the raw body. */
export function signed(h: Harness, k: NativeKeys, t: Sent, o: { skewMs?: number; secret?: string; signedBody?: string } = {}): Sent {
  const raw = bodyText(t);
  const ts = timestamp(h, o.skewMs);
  return {
    ...t,
    headers: {
      'x-api-key': k.apiKey,
      'x-timestamp': ts,
      'x-signature': signNative(o.secret ?? k.apiSecret, ts, o.signedBody ?? raw),
      ...(raw ? { 'content-type': 'application/json' } : {}),
      ...t.headers,
    },
  };
}

const without = (s: Sent, name: string): Sent => ({ ...s, headers: Object.fromEntries(Object.entries(s.headers ?? {}).filter(([k]) => k !== name)) });
const withHeader = (s: Sent, name: string, value: string): Sent => ({ ...s, headers: { ...s.headers, [name]: value } });
const bodyless = (method: string) => method === 'GET' || method === 'HEAD';

/** No body to tamper with: the target changes under a v2 signature, which binds it. */
function retargeted(h: Harness, k: NativeKeys, t: Sent): Sent {
  const s = signed(h, k, t);
  return withHeader(s, 'x-signature', signV2(k.apiSecret, s.headers!['x-timestamp'], t.method, t.path + 'x', bodyText(t)));
}

/**
 * Every way a native request can fail to prove who sent it. `other` is another merchant's keys;
 * `captured` the exact headers of a request already accepted (empty body), replayed here on `t`.
 */
export function nativeAttacks(h: Harness, k: NativeKeys, other: NativeKeys, t: Sent, captured: Record<string, string>): Attack[] {
  const refused = (message?: RegExp) => (r: Reply) => expectUnauthorized(r, t.method, message);
  const tampered: Attack = bodyless(t.method)
    ? { name: 'target changed under a v2 signature', request: retargeted(h, k, t), check: refused(/signature/i) }
    : { name: 'body tampered after signing', request: signed(h, k, t, { signedBody: bodyText(t) + ' ' }), check: refused(/signature/i) };
  return [
    { name: 'no X-API-Key', request: without(signed(h, k, t), 'x-api-key'), check: refused() },
    { name: 'no X-Timestamp', request: without(signed(h, k, t), 'x-timestamp'), check: refused() },
    { name: 'no X-Signature', request: without(signed(h, k, t), 'x-signature'), check: refused() },
    { name: 'unknown X-API-Key', request: signed(h, { apiKey: 'kn_' + randomBytes(18).toString('base64url'), apiSecret: k.apiSecret }, t), check: refused() },
    { name: "another merchant's secret", request: signed(h, k, t, { secret: other.apiSecret }), check: refused(/signature/i) },
    { name: "another merchant's key, this merchant's secret", request: signed(h, { apiKey: other.apiKey, apiSecret: k.apiSecret }, t), check: refused(/signature/i) },
    tampered,
    { name: 'malformed signature', request: withHeader(signed(h, k, t), 'x-signature', 'sha256=' + 'z'.repeat(64)), check: refused() },
    { name: 'timestamp 301 s ahead', request: signed(h, k, t, { skewMs: 301_000 }), check: refused(/300 seconds/) },
    // -302 s: the per-call bump adds up to 999 ms, which must not bring it back inside the window.
    { name: 'timestamp 301 s behind', request: signed(h, k, t, { skewMs: -302_000 }), check: refused(/300 seconds/) },
    { name: 'signature replayed from another request', request: { method: t.method, path: t.path, headers: captured }, check: refused(/replay/i) },
  ];
}

/** The admin API's bearer token, wrong in every way but one. */
export function adminAttacks(token: string, merchantSecret: string, t: Sent): Attack[] {
  const refused = (r: Reply) => expectUnauthorized(r, t.method);
  const json: Record<string, string> = t.body ? { 'content-type': 'application/json' } : {};
  const withAuth = (name: string, authorization?: string): Attack => ({
    name,
    request: { ...t, headers: { ...json, ...(authorization === undefined ? {} : { authorization }) } },
    check: refused,
  });
  return [
    withAuth('no Authorization'),
    withAuth('wrong bearer token', `Bearer kat_${randomBytes(16).toString('hex')}`),
    withAuth('token with one more character', `Bearer ${token}x`),
    withAuth('token without its last character', `Bearer ${token.slice(0, -1)}`),
    withAuth('token as Basic credentials', `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`),
    withAuth('token without the Bearer scheme', token),
    withAuth("a merchant's API secret", `Bearer ${merchantSecret}`),
  ];
}

/** Runs attacks one after another (their order is part of nothing) and returns how many were refused. */
export async function runAttacks(h: Harness, attacks: Attack[], label: string): Promise<number> {
  for (const a of attacks) {
    const r = await send(h, a.request);
    try {
      a.check(r);
    } catch (err) {
      throw new Error(`${label}: attack "${a.name}" was not refused as expected: ${(err as Error).message}`);
    }
  }
  return attacks.length;
}
