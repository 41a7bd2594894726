// Authentication attacks on NICEPAY routes (merchantToken in the body: SHA-256 of the endpoint's
// fields and the merchant key, docs/nicepay-api.md). Every answer is HTTP 200: JSON with resultCd, or
// for the browser's pages an HTML page showing it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { INVALID_TOKEN, UNKNOWN_IMID, undefinedField, type NicepayResult } from '../../src/dialects/nicepay/result-codes.ts';
import type { Attack } from './attacks-native.ts';
import type { Reply, Sent } from './wire.ts';

export interface NicepayCredentials {
  iMid: string;
  merchantKey: string;
}

export interface NicepayTarget {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  /** The route answers with an HTML page (the browser's steps), not JSON. */
  html: boolean;
  /** POST as a form (what browsers send) rather than JSON. */
  form?: boolean;
  /** The request's fields as `as` would send them, merchantToken computed with `as.merchantKey`. */
  fields(as: NicepayCredentials): Record<string, string>;
  /** The fields with one field the token covers changed after the token was computed. */
  tamper(fields: Record<string, string>): Record<string, string>;
}

/** The wire form of a target's fields. */
export function nicepayRequest(t: NicepayTarget, fields: Record<string, string>): Sent {
  const query = new URLSearchParams(fields).toString();
  if (t.method !== 'POST') return { method: t.method, path: `${t.path}?${query}` };
  return t.form
    ? { method: 'POST', path: t.path, body: query, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
    : { method: 'POST', path: t.path, body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } };
}

/** HTTP 200 with this result: in the JSON body, or on the HTML page (a HEAD answer has no body). */
export function expectNicepay(r: Reply, t: Pick<NicepayTarget, 'method' | 'html'>, expected: NicepayResult): void {
  assert.equal(r.status, 200, r.text);
  if (t.method === 'HEAD') return;
  if (t.html) {
    assert.ok(r.text.includes(`<code id="resultCd">${expected.resultCd}</code>`), `expected resultCd ${expected.resultCd} on the page: ${r.text}`);
  } else {
    assert.deepEqual([r.body?.resultCd, r.body?.resultMsg], [expected.resultCd, expected.resultMsg], r.text);
  }
}

/** `a` is the merchant the request claims to be, `other` another merchant with real credentials. */
export function nicepayAttacks(t: NicepayTarget, a: NicepayCredentials, other: NicepayCredentials): Attack[] {
  const answer = (expected: NicepayResult) => (r: Reply) => expectNicepay(r, t, expected);
  const genuine = t.fields(a);
  const withoutToken = Object.fromEntries(Object.entries(genuine).filter(([k]) => k !== 'merchantToken'));
  return [
    { name: 'no merchantToken', request: nicepayRequest(t, withoutToken), check: answer(undefinedField('merchantToken')) },
    { name: 'unknown iMid', request: nicepayRequest(t, t.fields({ iMid: 'UNKNOWN000', merchantKey: a.merchantKey })), check: answer(UNKNOWN_IMID) },
    { name: 'random merchantToken', request: nicepayRequest(t, { ...genuine, merchantToken: randomBytes(32).toString('hex') }), check: answer(INVALID_TOKEN) },
    { name: "token made with another merchant's key", request: nicepayRequest(t, t.fields({ iMid: a.iMid, merchantKey: other.merchantKey })), check: answer(INVALID_TOKEN) },
    { name: 'a signed field changed after the token', request: nicepayRequest(t, t.tamper(genuine)), check: answer(INVALID_TOKEN) },
  ];
}
