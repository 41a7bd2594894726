import { generateKeyPair, createPrivateKey } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface RsaKeyPair {
  publicKeySpkiPem: string;
  privateKeyPkcs8Pem: string;
  privateKeyPkcs1Pem: string;
}

/** RSA-2048 in the PEM forms SDKs want: SPKI public, PKCS#8 (JAVA/GO/NET) and PKCS#1 (PY/PHP) private. */
export async function newRsaKeyPair(): Promise<RsaKeyPair> {
  const { publicKey, privateKey } = await generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pkcs1 = createPrivateKey(privateKey).export({ type: 'pkcs1', format: 'pem' }).toString();
  return { publicKeySpkiPem: publicKey, privateKeyPkcs8Pem: privateKey, privateKeyPkcs1Pem: pkcs1 };
}
