// Authentication attacks on Antom operations (RSA256 request signatures, docs/antom-api.md). Antom
// answers every refusal with HTTP 200 and a Result, signed with the merchant's gateway key when the
// client-id is known (so the client can trust the refusal), with a key nobody knows otherwise.
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { MESSAGES } from '../../src/dialects/antom/render.ts';
import { formatSignatureHeader, parsePrivateKey, parsePublicKey, signedText, signRsa256 } from '../../src/dialects/antom/signature.ts';
import type { Attack } from './attacks-native.ts';
import type { AntomClient } from './antom.ts';
import { verifyResponse } from './antom.ts';
import type { Harness } from './harness.ts';
import type { Reply, Sent } from './wire.ts';

export interface AntomSigner {
  clientId: string;
  privateKey: KeyObject;
}

export const signerOf = (c: AntomClient): AntomSigner => ({ clientId: c.clientId, privateKey: parsePrivateKey(c.privateKeyPkcs8) });

let bump = 0;
const requestTime = (h: Harness) => String(h.clock.now().getTime() + (bump++ % 1000));

export interface AntomSignOptions {
  /** What the signature covers, when it is not what is sent. */
  signedPath?: string;
  signedBody?: string;
  signedTime?: string;
  keyVersion?: string;
  algorithm?: string;
}

/** POST `path` with `raw`, signed by `s` like the SDKs sign (o: what to sign differently). */
export function antomSigned(h: Harness, s: AntomSigner, path: string, raw: string, o: AntomSignOptions = {}): Sent {
  const time = requestTime(h);
  const sig = signRsa256(s.privateKey, signedText('POST', o.signedPath ?? path, s.clientId, o.signedTime ?? time, o.signedBody ?? raw));
  const header = formatSignatureHeader(sig, o.keyVersion ?? 1).replace('RSA256', o.algorithm ?? 'RSA256');
  return { method: 'POST', path, body: raw, headers: { 'content-type': 'application/json; charset=UTF-8', 'client-id': s.clientId, 'request-time': time, signature: header } };
}

/**
 * HTTP 200 with exactly this Result. `gatewayKey`: the answer must verify with it; null: the caller
 * named no known client, so the answer is signed, but by a key the caller cannot know.
 */
export function expectAntomResult(r: Reply, path: string, code: string, gatewayKey: KeyObject | null): void {
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body?.result, { resultCode: code, resultStatus: 'F', resultMessage: MESSAGES[code] }, r.text);
  if (gatewayKey) assert.ok(verifyResponse(gatewayKey, path, r), `refusal not signed with the gateway key: ${r.text}`);
  else assert.ok(r.headers.get('signature'), 'refusal not signed at all');
}

const dropHeader = (s: Sent, name: string): Sent => ({ ...s, headers: Object.fromEntries(Object.entries(s.headers ?? {}).filter(([k]) => k !== name)) });
const setHeader = (s: Sent, name: string, value: string): Sent => ({ ...s, headers: { ...s.headers, [name]: value } });

/**
 * Every way an Antom request can fail to prove who sent it: `a` is the client the request claims to
 * be, `other` a real client of another merchant, `foreign` a key no merchant registered, `elsewhere`
 * another path the signature is moved from.
 */
export function antomAttacks(h: Harness, a: AntomClient, other: AntomSigner, foreign: KeyObject, path: string, raw: string, elsewhere: string): Attack[] {
  const me = signerOf(a);
  const gateway = parsePublicKey(a.gatewayPublicKey);
  const result = (code: string, key: KeyObject | null = gateway) => (r: Reply) => expectAntomResult(r, path, code, key);
  const good = () => antomSigned(h, me, path, raw);
  return [
    { name: 'no client-id', request: dropHeader(good(), 'client-id'), check: result('INVALID_CLIENT', null) },
    { name: 'unknown client-id', request: antomSigned(h, { ...me, clientId: 'SANDBOX_UNKNOWN0000000' }, path, raw), check: result('INVALID_CLIENT', null) },
    { name: 'no Signature header', request: dropHeader(good(), 'signature'), check: result('INVALID_SIGNATURE') },
    { name: 'garbage signature', request: setHeader(good(), 'signature', 'algorithm=RSA256,keyVersion=1,signature=AAAA'), check: result('INVALID_SIGNATURE') },
    { name: 'signed with a foreign RSA key', request: antomSigned(h, { clientId: a.clientId, privateKey: foreign }, path, raw), check: result('INVALID_SIGNATURE') },
    { name: "signed with another merchant's key", request: antomSigned(h, { clientId: a.clientId, privateKey: other.privateKey }, path, raw), check: result('INVALID_SIGNATURE') },
    { name: 'body tampered after signing', request: antomSigned(h, me, path, raw, { signedBody: raw.replace(/}$/, ',"x":1}') }), check: result('INVALID_SIGNATURE') },
    { name: 'signature moved from another path', request: antomSigned(h, me, path, raw, { signedPath: elsewhere }), check: result('INVALID_SIGNATURE') },
    { name: 'request-time changed after signing', request: antomSigned(h, me, path, raw, { signedTime: '1' }), check: result('INVALID_SIGNATURE') },
    { name: 'algorithm other than RSA256', request: antomSigned(h, me, path, raw, { algorithm: 'RSA512' }), check: result('INVALID_SIGNATURE') },
    { name: 'keyVersion never registered', request: antomSigned(h, me, path, raw, { keyVersion: '2' }), check: result('KEY_NOT_FOUND') },
    { name: 'no Request-Time', request: dropHeader(good(), 'request-time'), check: result('PARAM_ILLEGAL') },
  ];
}
