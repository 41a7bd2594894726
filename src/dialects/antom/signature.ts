// Antom (Alipay+) message signatures: RSA PKCS#1 v1.5 + SHA-256 over
// `<METHOD> <path>\n<client-id>.<time>.<raw body>`, base64, then URL-encoded.
// Pure functions only, so the HTTP layer, the notifier and the tests share one implementation.
import {
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

export interface SignatureHeader {
  algorithm?: string;
  keyVersion?: string;
  signature?: string;
}

const MIN_RSA_BITS = 2048;
const CACHE_LIMIT = 1000;

// The body is appended as bytes, never re-serialised: SDKs sign whatever they put on the wire
// (indented JSON, explicit nulls, non-ASCII), so any round trip through JSON would break them.
export function signedText(
  method: string,
  path: string,
  clientId: string,
  time: string,
  rawBody: Buffer | string,
): Buffer {
  const head = Buffer.from(`${method.toUpperCase()} ${path}\n${clientId}.${time}.`, 'utf8');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return Buffer.concat([head, body]);
}

const encodeSignature = (sig: Buffer) => encodeURIComponent(sig.toString('base64'));

export function signRsa256(privateKey: KeyObject, text: Buffer | string): string {
  return encodeSignature(sign('sha256', toBuffer(text), privateKey));
}

/**
 * The same signature computed on libuv's thread pool: an RSA-2048 signature is about a millisecond
 * of CPU, which the event loop would otherwise spend on every Antom answer, notification and
 * upstream request instead of serving other requests.
 */
export function signRsa256Async(privateKey: KeyObject, text: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', toBuffer(text), privateKey, (err, sig) => (err ? reject(err) : resolve(encodeSignature(sig))));
  });
}

// Callers feed this straight from request headers, so anything malformed is just "not valid".
export function verifyRsa256(
  publicKey: KeyObject,
  text: Buffer | string,
  urlEncodedSignature: string,
): boolean {
  try {
    // decodeURIComponent (not a form decoder) so an unencoded `+` from lax clients survives;
    // it accepts %2B and %2b alike.
    const b64 = decodeURIComponent(urlEncodedSignature.trim());
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
    const sig = Buffer.from(b64, 'base64');
    if (sig.length === 0) return false;
    return verify('sha256', toBuffer(text), publicKey, sig);
  } catch {
    return false;
  }
}

// Split on the FIRST `=` only: the signature value may end in `=` padding (or `%3D`).
export function parseSignatureHeader(value: string | undefined): SignatureHeader | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const out: SignatureHeader = {};
  let found = false;
  for (const part of value.split(',')) {
    const p = part.trim();
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    const val = p.slice(eq + 1).trim();
    // First occurrence wins so a smuggled duplicate cannot override what was checked.
    if (key === 'algorithm' && out.algorithm === undefined) out.algorithm = val;
    else if (key === 'keyversion' && out.keyVersion === undefined) out.keyVersion = val;
    else if (key === 'signature' && out.signature === undefined) out.signature = val;
    else continue;
    found = true;
  }
  return found ? out : null;
}

export function formatSignatureHeader(signature: string, keyVersion: number | string = 1): string {
  return `algorithm=RSA256,keyVersion=${keyVersion},signature=${signature}`;
}


export function parsePublicKey(pem: string): KeyObject {
  const text = pem.trim();
  if (text.startsWith('-----')) {
    // createPublicKey happily derives a public key from a private PEM; a merchant pasting their
    // private key into the "public key" field is a leak we should refuse, not paper over.
    if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) {
      throw new Error('Expected an RSA public key PEM (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY)');
    }
    return checkRsa(attempt(() => createPublicKey(text)), 'public');
  }
  const der = bareBase64(text);
  if (attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })) ??
      attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }))) {
    throw new Error('Expected a public key but got a private key');
  }
  return checkRsa(
    attempt(() => createPublicKey({ key: der, format: 'der', type: 'spki' })) ??
      attempt(() => createPublicKey({ key: der, format: 'der', type: 'pkcs1' })),
    'public',
  );
}

export function parsePrivateKey(pem: string): KeyObject {
  const text = pem.trim();
  if (text.startsWith('-----')) {
    if (!/^-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) {
      throw new Error('Expected an unencrypted RSA private key PEM (PKCS#8 or PKCS#1)');
    }
    return checkRsa(attempt(() => createPrivateKey(text)), 'private');
  }
  const der = bareBase64(text);
  return checkRsa(
    attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })) ??
      attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })),
    'private',
  );
}

// Parsing a PEM costs far more than a signature check; the hot path must not do it per request.
const publicCache = new Map<string, KeyObject>();
const privateCache = new Map<string, KeyObject>();

export function cachedPublicKey(pem: string): KeyObject {
  return memo(publicCache, pem, parsePublicKey);
}

export function cachedPrivateKey(pem: string): KeyObject {
  return memo(privateCache, pem, parsePrivateKey);
}

// Antom's own format (e.g. 2019-06-12T19:07:11+08:00): explicit offset, no milliseconds.
export function antomTime(date: Date, offsetMinutes = 480): string {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  const local = shifted.toISOString().slice(0, 19);
  const abs = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function toBuffer(text: Buffer | string): Buffer {
  return typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
}

function attempt(fn: () => KeyObject): KeyObject | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function bareBase64(text: string): Buffer {
  const b64 = text.replace(/\s+/g, '');
  if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new Error('Key is neither PEM nor bare base64 DER');
  }
  return Buffer.from(b64, 'base64');
}

function checkRsa(key: KeyObject | undefined, kind: 'public' | 'private'): KeyObject {
  if (!key) throw new Error(`Could not parse RSA ${kind} key (expected SPKI/PKCS#8/PKCS#1)`);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`Expected an RSA ${kind} key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new Error(`RSA ${kind} key is ${bits} bits; at least ${MIN_RSA_BITS} required`);
  }
  return key;
}

function memo(cache: Map<string, KeyObject>, pem: string, parse: (p: string) => KeyObject): KeyObject {
  const hit = cache.get(pem);
  if (hit) {
    // Re-insert so eviction drops the least recently used key, not a busy merchant's.
    cache.delete(pem);
    cache.set(pem, hit);
    return hit;
  }
  const key = parse(pem);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pem, key);
  return key;
}
