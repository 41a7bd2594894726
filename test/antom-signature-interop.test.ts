// Signatures against an independent implementation: requests signed by the `openssl` command line,
// Kasir's response signatures verified by it. Bodies and headers as the SDKs send them (docs/antom-api.md):
// PY indented JSON, an absolute request target and PKCS#1 keys; NET explicit nulls; JAVA booleans
// and epoch millis; the docs' "true" strings and spaces in the Signature header; every prefix.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { newRsaKeyPair } from '../src/core/merchants/rsa.ts';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, startKasir } from './helpers/harness.ts';
import { antomMerchant, expectResult, payBody, PREFIXES, verifyResponse, type AntomClient, type AntomResponse } from './helpers/antom.ts';
import { installationSigningKey } from '../src/dialects/antom/auth.ts';
import { parsePublicKey, signedText } from '../src/dialects/antom/signature.ts';

const h = await startKasir();
const m = await antomMerchant(h);
const dir = mkdtempSync(join(tmpdir(), 'kasir-antom-openssl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(name: string, content: string | Buffer): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** `openssl dgst -sha256 -sign`, base64, URL-encoded: what every SDK does. */
function opensslSign(privateKeyPem: string, text: Buffer): string {
  const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', file('key.pem', privateKeyPem), file('text', text)]);
  return encodeURIComponent(sig.toString('base64'));
}

/** `openssl dgst -sha256 -verify` of a response's signature header over its signed text. */
function opensslVerifies(publicKeyPem: string, path: string, res: Pick<AntomResponse, 'headers' | 'text'>): boolean {
  const header = res.headers.get('signature') ?? '';
  const sig = Buffer.from(decodeURIComponent(header.slice(header.indexOf('signature=') + 'signature='.length)), 'base64');
  const text = signedText('POST', path, res.headers.get('client-id')!, res.headers.get('response-time')!, res.text);
  try {
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', file('pub.pem', publicKeyPem), '-signature', file('sig', sig), file('text', text)]);
    return out.toString().trim() === 'Verified OK';
  } catch {
    return false;
  }
}

interface Style {
  name: string;
  key: 'pkcs1' | 'pkcs8';
  prefix: string;
  time: () => string;
  raw: (body: Record<string, unknown>) => string;
  header: (sig: string) => string;
}

const STYLES: Style[] = [
  { name: 'PY: indented JSON, ISO time, PKCS#1', key: 'pkcs1', prefix: PREFIXES[0], time: () => new Date().toISOString(), raw: (b) => JSON.stringify(b, null, 4), header: (s) => `algorithm=RSA256,keyVersion=1,signature=${s}` },
  { name: 'NET: explicit nulls, ISO time with offset', key: 'pkcs8', prefix: PREFIXES[0], time: () => '2026-01-02T03:04:05.678+08:00', raw: (b) => JSON.stringify({ ...b, env: null, settlementStrategy: null, merchantAccountId: null }), header: (s) => `algorithm=RSA256,keyVersion=1,signature=${s}` },
  { name: 'JAVA: JSON booleans, epoch millis', key: 'pkcs8', prefix: PREFIXES[0], time: () => String(Date.now()), raw: (b) => JSON.stringify({ ...b, paymentFactor: { isAuthorization: true } }), header: (s) => `algorithm=RSA256,keyVersion=1,signature=${s}` },
  { name: 'docs: "true" strings, spaces, lower-case escapes, short prefix', key: 'pkcs8', prefix: PREFIXES[2], time: () => '2019-05-28T12:12:12+08:00', raw: (b) => JSON.stringify({ ...b, paymentFactor: { isAuthorization: 'true' } }), header: (s) => `algorithm=RSA256, keyVersion=1, signature=${s.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}` },
  { name: 'GO: SANDBOX_ client id on /ams/sandbox/api, epoch millis', key: 'pkcs8', prefix: PREFIXES[1], time: () => String(Date.now()), raw: (b) => JSON.stringify(b), header: (s) => `algorithm=RSA256,keyVersion=1,signature=${s}` },
];

for (const style of STYLES) {
  test(`openssl-signed request, openssl-verified response — ${style.name}`, async () => {
    assert.ok(m.clientId.startsWith('SANDBOX_'));
    const path = `${style.prefix}/pay`;
    const raw = style.raw(payBody());
    const time = style.time();
    const key = style.key === 'pkcs1' ? m.privateKeyPkcs1 : m.privateKeyPkcs8;
    const signature = style.header(opensslSign(key, signedText('POST', path, m.clientId, time, raw)));
    const res = await m.call('pay', undefined, { path, raw, requestTime: time, signature });
    expectResult(res, 'PAYMENT_IN_PROCESS', 'U');
    assert.ok(opensslVerifies(m.gatewayPublicKey, path, res), 'openssl verifies the response');
    assert.equal(res.headers.get('client-id'), m.clientId);
    assert.match(res.headers.get('response-time')!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  });
}

/** A raw HTTP exchange, to see header names as sent and to send an absolute request target. */
function rawPost(target: string, headers: Record<string, string>, body: string): Promise<{ rawHeaders: string[]; text: string; headers: Headers }> {
  const { port } = new URL(h.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: target, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const hs = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) hs.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        resolve({ rawHeaders: res.rawHeaders, text, headers: hs });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('PY absolute request target: the signed path is its path; response headers are lower-case', async () => {
  const path = `${PREFIXES[0]}/pay`;
  const raw = JSON.stringify(payBody(), null, 2);
  const time = new Date().toISOString();
  const signature = `algorithm=RSA256,keyVersion=1,signature=${opensslSign(m.privateKeyPkcs1, signedText('POST', path, m.clientId, time, raw))}`;
  const res = await rawPost(`${h.baseUrl}${path}`, { 'Content-Type': 'application/json; charset=UTF-8', 'Client-Id': m.clientId, 'Request-Time': time, Signature: signature }, raw);
  assert.equal(JSON.parse(res.text).result.resultCode, 'PAYMENT_IN_PROCESS', res.text);
  assert.ok(opensslVerifies(m.gatewayPublicKey, path, res));
  const names = res.rawHeaders.filter((_, i) => i % 2 === 0);
  for (const name of ['client-id', 'response-time', 'signature', 'content-type']) assert.ok(names.includes(name), `${name} in ${names}`);
  assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
  assert.deepEqual(names.filter((x) => /signature|response-time/i.test(x)), ['response-time', 'signature'], 'no other signature-like headers');
});

test('every prefix answers every operation, signed over the path as sent', async () => {
  const paid = expectResult(await m.call('pay', payBody()), 'PAYMENT_IN_PROCESS', 'U');
  for (const prefix of PREFIXES) {
    const path = `${prefix}/inquiryPayment`;
    const res = await m.call('inquiryPayment', { paymentId: paid.paymentId }, { path });
    expectResult(res, 'SUCCESS', 'S');
    assert.ok(opensslVerifies(m.gatewayPublicKey, path, res));
    const trailing = await m.call('inquiryPayment', { paymentId: paid.paymentId }, { path: `${path}/` });
    expectResult(trailing, 'SUCCESS', 'S');
  }
});

test('INVALID_SIGNATURE: tampered body, another key, missing header, wrong algorithm — each signed', async () => {
  const raw = JSON.stringify({ paymentRequestId: 'nope' });
  const time = String(Date.now());
  const path = `${PREFIXES[0]}/inquiryPayment`;
  const good = opensslSign(m.privateKeyPkcs8, signedText('POST', path, m.clientId, time, raw));
  const other = opensslSign((await newRsaKeyPair()).privateKeyPkcs8Pem, signedText('POST', path, m.clientId, time, raw));
  const cases = [
    { raw: raw.replace('nope', 'nopf'), signature: `algorithm=RSA256,keyVersion=1,signature=${good}` },
    { raw, signature: `algorithm=RSA256,keyVersion=1,signature=${other}` },
    { raw, signature: null },
    { raw, signature: `algorithm=RSA512,keyVersion=1,signature=${good}` },
    { raw, signature: 'algorithm=RSA256,keyVersion=1,signature=not-base64!' },
  ];
  for (const c of cases) {
    const res = await m.call('inquiryPayment', undefined, { path, requestTime: time, ...c });
    expectResult(res, 'INVALID_SIGNATURE', 'F');
    assert.ok(opensslVerifies(m.gatewayPublicKey, path, res));
  }
  // The same request, correctly signed, is accepted: only the signature was wrong.
  expectResult(await m.call('inquiryPayment', undefined, { path, raw, requestTime: time, signature: `algorithm=RSA256,keyVersion=1,signature=${good}` }), 'ORDER_NOT_EXIST', 'F');
});

test('INVALID_CLIENT: unknown client id, signed with the per-process installation key', async () => {
  const res = await m.call('inquiryPayment', { paymentId: '1' }, { clientId: 'SANDBOX_UNKNOWN0000000' });
  assert.equal(res.body.result.resultCode, 'INVALID_CLIENT');
  assert.equal(res.body.result.resultMessage, 'The client is invalid.');
  assert.equal(res.verified, false, 'not signed with this merchant’s gateway key');
  assert.equal(res.headers.get('client-id'), 'SANDBOX_UNKNOWN0000000');
  const installation = await installationSigningKey();
  assert.ok(verifyResponse(parsePublicKey(installation.publicKeyPem), `${PREFIXES[0]}/inquiryPayment`, res));
});

test('malformed JSON and oversized bodies: PARAM_ILLEGAL, signed', async () => {
  expectResult(await m.call('inquiryPayment', undefined, { raw: '{"paymentId": "1",' }), 'PARAM_ILLEGAL', 'F');
  expectResult(await m.call('inquiryPayment', undefined, { raw: '[1, 2]' }), 'PARAM_ILLEGAL', 'F');
  const huge = JSON.stringify({ paymentId: '1', padding: 'x'.repeat(70_000) });
  const res = await m.call('inquiryPayment', undefined, { raw: huge });
  expectResult(res, 'PARAM_ILLEGAL', 'F');
  // The signed text needs Request-Time: without it the request is incomplete, not forged.
  expectResult(await m.call('inquiryPayment', { paymentId: '1' }, { headers: { 'request-time': '' } }), 'PARAM_ILLEGAL', 'F');
});

test('a merchant registering its own public key: its signatures verify, the generated key no longer does', async () => {
  const c: AntomClient = await antomMerchant(h, 'Own key');
  const own = await newRsaKeyPair();
  const pasted = await admin(h, 'PUT', `/merchants/${c.merchantId}/keys/antom/public-key`, { publicKey: own.privateKeyPkcs8Pem });
  assert.equal(pasted.status, 400, 'a private key pasted by mistake is refused, never stored');
  assert.ok(!JSON.stringify(pasted.body).includes('PRIVATE KEY'), 'and never echoed');
  const put = await admin(h, 'PUT', `/merchants/${c.merchantId}/keys/antom/public-key`, { publicKey: own.publicKeySpkiPem });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const path = `${PREFIXES[1]}/pay`;
  const raw = JSON.stringify(payBody());
  const time = String(Date.now());
  const sig = (pem: string) => `algorithm=RSA256,keyVersion=1,signature=${opensslSign(pem, signedText('POST', path, c.clientId, time, raw))}`;
  expectResult(await c.call('pay', undefined, { path, raw, requestTime: time, signature: sig(c.privateKeyPkcs8) }), 'INVALID_SIGNATURE', 'F');
  expectResult(await c.call('pay', undefined, { path, raw, requestTime: time, signature: sig(own.privateKeyPkcs1Pem) }), 'PAYMENT_IN_PROCESS', 'U');
});
