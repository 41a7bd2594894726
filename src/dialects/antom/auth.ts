// Antom request authentication (docs/antom-api.md "Signatures"): client-id → the merchant's registered
// public key → RSA256 over `<METHOD> <path>\n<client-id>.<Request-Time>.<raw body>`. Each failure is
// a core error code, rendered through the antom column: UNAUTHENTICATED → INVALID_CLIENT,
// KEY_NOT_FOUND, BAD_SIGNATURE → INVALID_SIGNATURE, MERCHANT_SUSPENDED → ACCESS_DENIED.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../../core/clock.ts';
import { invalidParameter, KasirError } from '../../core/errors.ts';
import type { CredentialCache } from '../../core/merchants/credential-cache.ts';
import type { CredentialRecord, Merchant } from '../../core/merchants/merchants.ts';
import { cachedPrivateKey, cachedPublicKey, parseSignatureHeader, signedText, verifyRsa256 } from './signature.ts';

/** Who the caller claims to be, and the key every response to it is signed with. */
export interface AntomClient {
  clientId: string;
  credential: CredentialRecord | null;
  signingKey: KeyObject;
}

export interface AntomAuthInput {
  method: string;
  path: string;
  requestTime: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

/**
 * An unknown client id has no gateway key, yet docs/antom-api.md wants every response signed: SDKs
 * (PY) raise on a missing signature header before looking at the result. Such responses are signed
 * with this per-process key. No caller can verify it (nobody knows its public half), so an SDK that
 * verifies reports a signature problem, which is true: it is not talking to the gateway it thinks.
 */
let installationKey: Promise<{ privateKey: KeyObject; publicKeyPem: string }> | undefined;
export function installationSigningKey(): Promise<{ privateKey: KeyObject; publicKeyPem: string }> {
  installationKey ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(({ privateKey, publicKey }) => ({
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }));
  return installationKey;
}

/** Never throws: even a failed look-up needs a key to sign its error response with. */
export async function resolveClient(credentials: CredentialCache, clientId: string | undefined, clock: Clock): Promise<AntomClient> {
  let credential: CredentialRecord | null = null;
  if (clientId) {
    try {
      credential = await credentials.get('antom', clientId);
    } catch {
      credential = null; // the database is down: the request fails as SYSTEM_ERROR later, still signed
    }
  }
  if (credential?.expiresAt && credential.expiresAt.getTime() <= clock.now().getTime()) credential = null;
  let signingKey: KeyObject | null = null;
  try {
    signingKey = credential?.secret ? cachedPrivateKey(credential.secret) : null;
  } catch {
    signingKey = null;
  }
  return { clientId: clientId ?? '', credential, signingKey: signingKey ?? (await installationSigningKey()).privateKey };
}

/** The merchant behind a correctly signed request, or the core error that explains why not. */
export function authenticateAntom(client: AntomClient, input: AntomAuthInput): Merchant {
  const cred = client.credential;
  if (!client.clientId) throw new KasirError('UNAUTHENTICATED', 'The client-id header is required');
  if (!cred) throw new KasirError('UNAUTHENTICATED', 'Unknown client-id');
  const header = parseSignatureHeader(input.signature);
  // keyVersion selects one of the merchant's registered keys; Kasir registers exactly one (version 1).
  if (header?.keyVersion !== undefined && header.keyVersion !== '1') throw new KasirError('KEY_NOT_FOUND', `No key with keyVersion ${header.keyVersion}`);
  const publicKey = merchantPublicKey(cred);
  if (!publicKey) throw new KasirError('KEY_NOT_FOUND', 'No public key is registered for this client-id');
  if (input.requestTime === undefined || input.requestTime.trim() === '') throw invalidParameter('Request-Time', 'header is required');
  if (!header?.signature) throw new KasirError('BAD_SIGNATURE', 'The Signature header is missing or malformed');
  if (header.algorithm !== undefined && header.algorithm.toUpperCase() !== 'RSA256') throw new KasirError('BAD_SIGNATURE', 'Only RSA256 is supported');
  const text = signedText(input.method, input.path, client.clientId, input.requestTime, input.rawBody);
  if (!verifyRsa256(publicKey, text, header.signature)) throw new KasirError('BAD_SIGNATURE', 'The signature does not verify');
  // Checked only after the signature: an unauthenticated caller learns nothing about the merchant.
  if (cred.merchant.status !== 'active') throw new KasirError('MERCHANT_SUSPENDED', 'The merchant is suspended');
  // The sandbox path is the test environment's: a live merchant's SDK calls /ams/api (its client id
  // has no SANDBOX_ prefix), so a live request here is a misconfiguration, refused before any effect.
  if (cred.merchant.mode === 'live' && input.path.startsWith('/ams/sandbox/')) {
    throw new KasirError('LIVE_MODE', 'The sandbox path /ams/sandbox/api is test-mode only: a live client calls /ams/api');
  }
  return cred.merchant;
}

function merchantPublicKey(cred: CredentialRecord): KeyObject | null {
  const pem = cred.data.merchantPublicKey;
  if (typeof pem !== 'string' || pem.trim() === '') return null;
  try {
    return cachedPublicKey(pem);
  } catch {
    return null; // an unusable registered key is, for the caller, no key
  }
}
