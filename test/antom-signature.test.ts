import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { newRsaKeyPair } from '../src/core/merchants/rsa.ts';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  antomTime,
  cachedPrivateKey,
  cachedPublicKey,
  formatSignatureHeader,
  parsePrivateKey,
  parsePublicKey,
  parseSignatureHeader,
  signRsa256,
  signedText,
  verifyRsa256,
} from '../src/dialects/antom/signature.ts';

const pair = await newRsaKeyPair();
const pub = parsePublicKey(pair.publicKeySpkiPem);
const priv = parsePrivateKey(pair.privateKeyPkcs8Pem);
const dir = mkdtempSync(join(tmpdir(), 'kasir-antom-sig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PATH = '/v1/payments/cancel';
const CLIENT = 'SANDBOX_5YBZ1A2ZEK0F01234';
const TIME = '2019-06-12T19:07:11+08:00';
const BODY = '{"paymentRequestId":"pay_1","merchantAccountId":null}';

function bareBody(pem: string): string {
  return pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
}

test('signedText layout is byte-exact', () => {
  const t = signedText('post', PATH, CLIENT, '1685599933871', Buffer.from('{"a":1}'));
  assert.equal(t.toString('utf8'), `POST ${PATH}\n${CLIENT}.1685599933871.{"a":1}`);
});

test('sign/verify round trip and header format', () => {
  const text = signedText('POST', PATH, CLIENT, TIME, BODY);
  const sig = signRsa256(priv, text);
  assert.match(sig, /^[A-Za-z0-9%._~*'()!-]+$/); // URL-encoded: no raw + / =
  assert.ok(verifyRsa256(pub, text, sig));
  const header = formatSignatureHeader(sig);
  assert.equal(header, `algorithm=RSA256,keyVersion=1,signature=${sig}`);
  assert.deepEqual(parseSignatureHeader(header), { algorithm: 'RSA256', keyVersion: '1', signature: sig });
  assert.ok(verifyRsa256(pub, text, parseSignatureHeader(header)!.signature!));
});

test('header parsing tolerates spaces and keeps = inside the signature', () => {
  const h = parseSignatureHeader('algorithm=RSA256, keyVersion=2 ,  signature=ab%2Bc%3D%3D');
  assert.deepEqual(h, { algorithm: 'RSA256', keyVersion: '2', signature: 'ab%2Bc%3D%3D' });
  assert.equal(parseSignatureHeader('algorithm=RSA256,keyVersion=1,signature=abc==')!.signature, 'abc==');
  assert.equal(parseSignatureHeader(undefined), null);
  assert.equal(parseSignatureHeader('   '), null);
  assert.equal(parseSignatureHeader('garbage'), null);
});

test('%2B, %2b and a literal + all decode to the same signature', () => {
  // Find a signature containing + and / so every escape style is actually exercised.
  let text = signedText('POST', PATH, CLIENT, TIME, BODY);
  let raw = decodeURIComponent(signRsa256(priv, text));
  for (let i = 0; !(raw.includes('+') && raw.includes('/')); i++) {
    text = signedText('POST', PATH, CLIENT, TIME, `{"n":${i}}`);
    raw = decodeURIComponent(signRsa256(priv, text));
  }
  const upper = encodeURIComponent(raw);
  const lower = upper.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const literalPlus = upper.replaceAll('%2B', '+');
  assert.ok(upper.includes('%2B') && lower.includes('%2b'));
  for (const s of [upper, lower, literalPlus, raw]) assert.ok(verifyRsa256(pub, text, s), s);
  const parsed = parseSignatureHeader(`algorithm=RSA256, keyVersion=1, signature=${lower}`);
  assert.ok(verifyRsa256(pub, text, parsed!.signature!));
});

test('openssl CLI signature verifies, and our signature verifies with openssl', () => {
  const text = signedText('POST', PATH, CLIENT, TIME, BODY);
  const keyFile = join(dir, 'key.pem');
  const pubFile = join(dir, 'pub.pem');
  const textFile = join(dir, 'text.bin');
  const sigFile = join(dir, 'sig.bin');
  writeFileSync(keyFile, pair.privateKeyPkcs1Pem);
  writeFileSync(pubFile, pair.publicKeySpkiPem);
  writeFileSync(textFile, text);

  execFileSync('openssl', ['dgst', '-sha256', '-sign', keyFile, '-out', sigFile, textFile]);
  const cliSig = encodeURIComponent(readFileSync(sigFile).toString('base64'));
  assert.ok(verifyRsa256(pub, text, cliSig));
  assert.equal(cliSig, signRsa256(priv, text)); // PKCS#1 v1.5 is deterministic

  const ours = signRsa256(priv, text);
  writeFileSync(sigFile, Buffer.from(decodeURIComponent(ours), 'base64'));
  const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, textFile]);
  assert.match(out.toString(), /Verified OK/);
});

test('tampered body, path, time, client id and method all fail', () => {
  const sig = signRsa256(priv, signedText('POST', PATH, CLIENT, TIME, BODY));
  assert.equal(verifyRsa256(pub, signedText('POST', PATH, CLIENT, TIME, BODY + ' '), sig), false);
  assert.equal(verifyRsa256(pub, signedText('POST', '/v1/payments/pay', CLIENT, TIME, BODY), sig), false);
  assert.equal(verifyRsa256(pub, signedText('POST', PATH, CLIENT, '2019-06-12T19:07:12+08:00', BODY), sig), false);
  assert.equal(verifyRsa256(pub, signedText('POST', PATH, CLIENT + 'X', TIME, BODY), sig), false);
  assert.equal(verifyRsa256(pub, signedText('GET', PATH, CLIENT, TIME, BODY), sig), false);
});

test('SDK body styles are signed byte-exactly', () => {
  const obj = { paymentRequestId: 'pay_1', amount: { currency: 'IDR', value: '10000' }, note: 'Rp ✓' };
  const py = JSON.stringify(obj, null, 4); // PY: indented multi-line
  const net = '{"paymentRequestId":"pay_1","paymentId":null,"merchantAccountId":null}'; // NET: nulls
  const crlf = py.replaceAll('\n', '\r\n');
  for (const body of [py, net, crlf, JSON.stringify(obj)]) {
    const bytes = Buffer.from(body, 'utf8');
    const text = signedText('POST', PATH, CLIENT, TIME, bytes);
    assert.ok(text.subarray(text.length - bytes.length).equals(bytes));
    const sig = signRsa256(priv, text);
    assert.ok(verifyRsa256(pub, signedText('POST', PATH, CLIENT, TIME, body), sig)); // string == Buffer
    const reserialised = JSON.stringify(JSON.parse(body));
    if (reserialised !== body) {
      assert.equal(verifyRsa256(pub, signedText('POST', PATH, CLIENT, TIME, reserialised), sig), false);
    }
  }
});

test('garbage signatures return false without throwing', () => {
  const text = signedText('POST', PATH, CLIENT, TIME, BODY);
  const good = signRsa256(priv, text);
  for (const s of ['', '   ', '%', '%E0%A4%A', '%zz', 'not base64!', '====', 'AAAA', good.slice(0, 40), good + 'AAAA', '\u0000']) {
    assert.equal(verifyRsa256(pub, text, s), false, JSON.stringify(s));
  }
});

test('PKCS#1 and PKCS#8 private keys produce identical signatures', () => {
  const text = signedText('POST', PATH, CLIENT, TIME, BODY);
  const a = signRsa256(parsePrivateKey(pair.privateKeyPkcs8Pem), text);
  const b = signRsa256(parsePrivateKey(pair.privateKeyPkcs1Pem), text);
  assert.equal(a, b);
});

test('bare base64 keys and PKCS#1 public keys parse', () => {
  const text = signedText('POST', PATH, CLIENT, TIME, BODY);
  const sig = signRsa256(parsePrivateKey(bareBody(pair.privateKeyPkcs8Pem)), text);
  assert.ok(verifyRsa256(parsePublicKey(bareBody(pair.publicKeySpkiPem)), text, sig));
  assert.equal(sig, signRsa256(parsePrivateKey(bareBody(pair.privateKeyPkcs1Pem)), text));
  const pkcs1Pub = pub.export({ type: 'pkcs1', format: 'pem' }) as string;
  assert.ok(verifyRsa256(parsePublicKey(pkcs1Pub), text, sig));
  assert.ok(verifyRsa256(parsePublicKey(bareBody(pkcs1Pub)), text, sig));
});

test('bad keys are rejected with clear errors', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const smallPub = small.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const smallPriv = small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  assert.throws(() => parsePublicKey(smallPub), /1024 bits/);
  assert.throws(() => parsePrivateKey(smallPriv), /1024 bits/);
  assert.throws(() => parsePublicKey(bareBody(smallPub)), /1024 bits/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => parsePublicKey(ec.publicKey.export({ type: 'spki', format: 'pem' }) as string), /RSA/);
  assert.throws(() => parsePublicKey(pair.privateKeyPkcs8Pem), /public key/);
  assert.throws(() => parsePublicKey(bareBody(pair.privateKeyPkcs1Pem)), /private key/);
  assert.throws(() => parsePrivateKey(pair.publicKeySpkiPem), /private key/);
  assert.throws(() => parsePublicKey('hello world!'), /neither PEM nor bare base64/);
  assert.throws(() => parsePublicKey('AAAA'), /Could not parse/);
});

test('key cache returns the same KeyObject', () => {
  assert.equal(cachedPublicKey(pair.publicKeySpkiPem), cachedPublicKey(pair.publicKeySpkiPem));
  assert.equal(cachedPrivateKey(pair.privateKeyPkcs1Pem), cachedPrivateKey(pair.privateKeyPkcs1Pem));
  assert.throws(() => cachedPublicKey('nope!'));
});

test('antomTime formats with offset and no milliseconds', () => {
  const d = new Date('2019-06-12T11:07:11.987Z');
  assert.equal(antomTime(d), '2019-06-12T19:07:11+08:00');
  assert.equal(antomTime(d, 0), '2019-06-12T11:07:11+00:00');
  assert.equal(antomTime(d, 420), '2019-06-12T18:07:11+07:00');
  assert.equal(antomTime(d, -330), '2019-06-12T05:37:11-05:30');
  assert.equal(antomTime(new Date('2019-12-31T20:00:00Z')), '2020-01-01T04:00:00+08:00');
});
